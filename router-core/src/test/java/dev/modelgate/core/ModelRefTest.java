package dev.modelgate.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.modelgate.core.ModelRef.InvalidModelRefException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ModelRefTest {
  private static final String NAME_128 = "m".repeat(128);
  private static final String ALIAS_64 = "a".repeat(64);

  static Stream<Arguments> acceptedForms() {
    return Stream.of(
        // text, name, alias, version
        arguments("meta-llama/Llama-3.1-8B:v3", "meta-llama/Llama-3.1-8B", null, "v3"),
        arguments("meta-llama/Llama-3.1-8B@v3", "meta-llama/Llama-3.1-8B", null, "v3"),
        arguments("support-agent", "support-agent", null, null),
        arguments("support-agent:production", "support-agent", "production", null),
        arguments("support-agent@production", "support-agent", "production", null),
        arguments("support-agent:v0", "support-agent", null, "v0"),
        arguments("support-agent:v10", "support-agent", null, "v10"),
        arguments("support-agent:v999999999", "support-agent", null, "v999999999"),
        arguments("support-agent:canary-2", "support-agent", "canary-2", null),
        arguments("support-agent:eu.prod_1", "support-agent", "eu.prod_1", null),
        arguments("support-agent:V7", "support-agent", "V7", null),
        arguments("support-agent:v7x", "support-agent", "v7x", null),
        arguments("support-agent:7", "support-agent", "7", null),
        arguments("a", "a", null, null),
        arguments("0", "0", null, null),
        arguments("org/.hidden/model..v2", "org/.hidden/model..v2", null, null),
        arguments("org/-dash_first", "org/-dash_first", null, null),
        arguments(NAME_128, NAME_128, null, null),
        arguments(NAME_128 + ":" + ALIAS_64, NAME_128, ALIAS_64, null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("acceptedForms")
  void acceptsEveryDocumentedForm(String text, String name, String alias, String version) {
    ModelRef ref = ModelRef.parse(text);

    assertThat(ref).isEqualTo(new ModelRef(name, alias, version));
    assertThat(ref.isPinned()).isEqualTo(version != null);
  }

  static Stream<Arguments> rejectedForms() {
    return Stream.of(
        // text, what the message must say
        arguments("", "model name is empty"),
        arguments(":production", "model name is empty"),
        arguments("@production", "model name is empty"),
        arguments(":", "model name is empty"),
        arguments("support-agent:", "nothing after ':' (expected: an alias or a version such as v3)"),
        arguments("support-agent@", "nothing after '@' (expected: an alias or a version such as v3)"),
        arguments("m".repeat(129), "model name is 129 characters long (expected: at most 128)"),
        arguments("m".repeat(129) + ":production", "model name is 129 characters long (expected: at most 128)"),
        arguments("modèle", "model name has the character U+00E8 (expected: A-Z a-z 0-9 . _ - /)"),
        arguments("Модель", "model name must start with a letter or digit"),
        arguments("llama🚀", "model name has the character U+D83D"),
        arguments("Llama 3", "model name has the character U+0020"),
        arguments("support-agent ", "model name has the character U+0020"),
        arguments("support\tagent", "model name has the character U+0009"),
        arguments("support\u0000agent", "model name has the character U+0000"),
        arguments("support+agent", "model name has the character '+'"),
        arguments("org/../secrets", "model name has a '..' path segment"),
        arguments("org/..", "model name has a '..' path segment"),
        arguments("org/./model", "model name has a '.' path segment"),
        arguments("org//model", "model name has an empty path segment"),
        arguments("org/model/", "model name has an empty path segment"),
        arguments("org/model/:v3", "model name has an empty path segment"),
        arguments("-model", "model name must start with a letter or digit"),
        arguments(".model", "model name must start with a letter or digit"),
        arguments("/model", "model name must start with a letter or digit"),
        arguments("_model", "model name must start with a letter or digit"),
        arguments("..", "model name must start with a letter or digit"),
        arguments("support-agent:-prod", "alias must start with a letter or digit"),
        arguments("support-agent:.prod", "alias must start with a letter or digit"),
        arguments("support-agent:prod/eu", "alias has the character '/' (expected: A-Z a-z 0-9 . _ -)"),
        arguments("support-agent:prod:eu", "alias has the character ':'"),
        arguments("support-agent@prod@eu", "alias has the character '@'"),
        arguments("support-agent:v7:production", "alias has the character ':'"),
        arguments("support-agent:pröd", "alias has the character U+00F6"),
        arguments("support-agent:prod uction", "alias has the character U+0020"),
        arguments("support-agent:" + "a".repeat(65), "alias is 65 characters long (expected: at most 64)"),
        // v<digits> that is not a version id must not become an alias that reads like one.
        arguments("support-agent:v01", "alias 'v01' looks like a version id (expected: a name that is not v<number>)"),
        arguments("support-agent:v00", "alias 'v00' looks like a version id"),
        arguments("support-agent@v1234567890", "alias 'v1234567890' looks like a version id"));
  }

  @ParameterizedTest(name = "[{index}] {1}")
  @MethodSource("rejectedForms")
  void rejectsMalformedFieldsNamingTheProblem(String text, String message) {
    assertThatThrownBy(() -> ModelRef.parse(text))
        .isExactlyInstanceOf(InvalidModelRefException.class)
        .hasMessageContaining(message);
  }

  @Test
  void acceptsExactlyTheLongestNameAndNotOneCharacterMore() {
    assertThat(ModelRef.parse("m".repeat(Names.MAX_MODEL_NAME)).name()).hasSize(128);
    assertThatThrownBy(() -> ModelRef.parse("m".repeat(Names.MAX_MODEL_NAME + 1)))
        .isInstanceOf(InvalidModelRefException.class);
  }

  @Test
  void treatsAVersionSuffixAsAPinNeverAsAnAlias() {
    ModelRef ref = ModelRef.parse("support-agent:v7");

    assertThat(ref.isPinned()).isTrue();
    assertThat(ref.version()).isEqualTo("v7");
    assertThat(ref.alias()).isNull();
  }

  @Test
  void splitsAtTheFirstSeparatorSoASecondOneIsPartOfTheSuffix() {
    assertThatThrownBy(() -> ModelRef.parse("support-agent@v7@v8"))
        .isInstanceOf(InvalidModelRefException.class)
        .hasMessageContaining("'@'");
  }

  @Test
  void printsTheCanonicalColonSpelling() {
    assertThat(ModelRef.parse("support-agent@production")).hasToString("support-agent:production");
    assertThat(ModelRef.parse("support-agent@v8")).hasToString("support-agent:v8");
    assertThat(ModelRef.parse("support-agent")).hasToString("support-agent");
  }

  @Test
  void refusesAReferenceNamingBothAnAliasAndAVersion() {
    assertThatThrownBy(() -> new ModelRef("support-agent", "production", "v7"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsNullAsAProgrammingErrorNotAsABadField() {
    assertThatThrownBy(() -> ModelRef.parse(null)).isExactlyInstanceOf(NullPointerException.class);
  }

  @Test
  void keepsTheRejectionCheapByCarryingNoStackTrace() {
    assertThatThrownBy(() -> ModelRef.parse(""))
        .satisfies(e -> assertThat(e.getStackTrace()).isEmpty());
  }
}
