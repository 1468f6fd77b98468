package dev.modelgate.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelgate.core.ModelRef.InvalidModelRefException;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class ModelRefPropertiesTest {
  private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  private static final String NAME_CHARS = ALNUM + "._-";

  /** Every character a {@code model} field may hold anywhere: name chars, '/', and the separators. */
  private static boolean allowedAnywhere(char c) {
    return ALNUM.indexOf(c) >= 0 || "._-/:@".indexOf(c) >= 0;
  }

  @Provide
  Arbitrary<String> modelNames() {
    Arbitrary<String> first = Combinators.combine(
            Arbitraries.of(ALNUM.toCharArray()),
            Arbitraries.strings().withChars(NAME_CHARS.toCharArray()).ofMaxLength(40))
        .as((c, rest) -> c + rest);
    Arbitrary<String> segment = Arbitraries.strings().withChars(NAME_CHARS.toCharArray()).ofMinLength(1).ofMaxLength(40)
        .filter(s -> !s.equals(".") && !s.equals(".."));
    return Combinators.combine(first, segment.list().ofMaxSize(3))
        .as((head, tail) -> tail.isEmpty() ? head : head + "/" + String.join("/", tail))
        .filter(n -> n.length() <= Names.MAX_MODEL_NAME);
  }

  @Provide
  Arbitrary<String> aliases() {
    return Combinators.combine(
            Arbitraries.of(ALNUM.toCharArray()),
            Arbitraries.strings().withChars(NAME_CHARS.toCharArray()).ofMaxLength(Names.MAX_ALIAS_NAME - 1))
        .as((c, rest) -> c + rest)
        .filter(a -> !a.matches("v[0-9]+"));
  }

  @Provide
  Arbitrary<String> versions() {
    return Arbitraries.integers().between(0, 999_999_999).map(n -> "v" + n);
  }

  @Provide
  Arbitrary<Character> separators() {
    return Arbitraries.of(':', '@');
  }

  @Provide
  Arbitrary<Character> forbiddenChars() {
    return Arbitraries.chars().filter(c -> !allowedAnywhere(c));
  }

  @Property
  void roundTripsABareName(@ForAll("modelNames") String name) {
    ModelRef ref = ModelRef.parse(name);

    assertThat(ref).isEqualTo(new ModelRef(name, null, null));
    assertThat(ref).hasToString(name);
  }

  @Property
  void roundTripsAnAliasWithEitherSeparator(
      @ForAll("modelNames") String name, @ForAll("separators") char separator, @ForAll("aliases") String alias) {
    ModelRef ref = ModelRef.parse(name + separator + alias);

    assertThat(ref).isEqualTo(new ModelRef(name, alias, null));
    assertThat(ModelRef.parse(ref.toString())).isEqualTo(ref);
    assertThat(ref.toString()).isEqualTo(name + ":" + alias);
  }

  @Property
  void roundTripsAPinnedVersionWithEitherSeparator(
      @ForAll("modelNames") String name, @ForAll("separators") char separator, @ForAll("versions") String version) {
    ModelRef ref = ModelRef.parse(name + separator + version);

    assertThat(ref).isEqualTo(new ModelRef(name, null, version));
    assertThat(ref.isPinned()).isTrue();
    assertThat(ModelRef.parse(ref.toString())).isEqualTo(ref);
  }

  @Property
  void rejectsAnyFieldHoldingACharacterOutsideTheAllowedSet(
      @ForAll("modelNames") String name,
      @ForAll("aliases") String alias,
      @ForAll("forbiddenChars") char bad,
      @ForAll @IntRange(min = 0, max = 1000) int where) {
    String valid = name + ":" + alias;
    int at = where % (valid.length() + 1);
    String text = valid.substring(0, at) + bad + valid.substring(at);

    assertThatThrownBy(() -> ModelRef.parse(text)).isExactlyInstanceOf(InvalidModelRefException.class);
  }

  @Property
  void rejectsAnyNameLongerThanTheLimit(@ForAll("modelNames") String name, @ForAll @IntRange(min = 1, max = 200) int extra) {
    String tooLong = name + "x".repeat(Names.MAX_MODEL_NAME - name.length() + extra);

    assertThatThrownBy(() -> ModelRef.parse(tooLong))
        .isExactlyInstanceOf(InvalidModelRefException.class)
        .hasMessageContaining("characters long");
  }

  @Property(tries = 2000)
  void answersAnyStringWithARefOrAnInvalidModelRefExceptionOnly(@ForAll String text) {
    ModelRef ref;
    try {
      ref = ModelRef.parse(text);
    } catch (InvalidModelRefException expected) {
      return;
    }
    assertThat(ModelRef.parse(ref.toString())).isEqualTo(ref);
    assertThat(text.chars().allMatch(c -> allowedAnywhere((char) c))).isTrue();
  }

  @Property(tries = 2000)
  void answersAnyStringOfNameCharactersWithARefOrAnInvalidModelRefExceptionOnly(
      @ForAll("nearlyValid") String text) {
    try {
      ModelRef ref = ModelRef.parse(text);
      assertThat(ModelRef.parse(ref.toString())).isEqualTo(ref);
      assertThat(List.of(text, text.replace('@', ':'))).contains(ref.toString());
    } catch (InvalidModelRefException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
  }

  @Property(tries = 300)
  void answersHostileStringsOfAnyLengthWithARefOrAnInvalidModelRefExceptionOnly(@ForAll("hostile") String text) {
    try {
      ModelRef.parse(text);
    } catch (InvalidModelRefException expected) {
      assertThat(expected.getMessage()).isNotBlank().hasSizeLessThan(300);
    }
    for (String part : List.of(text, text.substring(0, text.length() / 2))) {
      assertThat(Names.aliasNameProblem(part)).satisfiesAnyOf(p -> assertThat(p).isNull(), p -> assertThat(p).hasSizeLessThan(300));
      assertThat(Names.modelNameProblem(part)).satisfiesAnyOf(p -> assertThat(p).isNull(), p -> assertThat(p).hasSizeLessThan(300));
      assertThat(Names.versionIdProblem(part)).satisfiesAnyOf(p -> assertThat(p).isNull(), p -> assertThat(p).isNotBlank());
    }
  }

  /**
   * Up to 100,000 characters: control characters, lone and paired surrogates, separators, and
   * valid references with junk on either side. The messages must stay short whatever the length.
   */
  @Provide
  Arbitrary<String> hostile() {
    Arbitrary<String> anyChars = Arbitraries.strings().all().ofMaxLength(100_000);
    Arbitrary<String> controls = Arbitraries.strings().withCharRange('\u0000', '\u001f').withChars('\u007f', '\ud800', '\udfff', ':', '@').ofMaxLength(1000);
    Arbitrary<String> wrapped = Combinators.combine(controls, modelNames(), controls).as((a, name, b) -> a + name + b);
    Arbitrary<String> longNames = Arbitraries.integers().between(129, 100_000).map(n -> "m".repeat(n) + ":" + "a".repeat(n));
    return Arbitraries.oneOf(anyChars, controls, wrapped, longNames);
  }

  /** Strings over the allowed alphabet only, so that most failures come from structure, not characters. */
  @Provide
  Arbitrary<String> nearlyValid() {
    return Arbitraries.strings().withChars((ALNUM.substring(0, 4) + "v0123._-/:@").toCharArray()).ofMaxLength(12);
  }
}
