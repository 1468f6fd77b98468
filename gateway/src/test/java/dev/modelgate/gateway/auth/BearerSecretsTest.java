package dev.modelgate.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class BearerSecretsTest {
  private static final BearerSecrets SECRETS = BearerSecrets.of(List.of("alpha-secret", "béta", " padded "));

  @Test
  void findsTheSecretAHeaderPresentsWhateverTheSchemesCaseAndSurroundingSpace() {
    assertThat(SECRETS.indexOf("Bearer alpha-secret")).isZero();
    assertThat(SECRETS.indexOf("bearer béta")).isEqualTo(1);
    assertThat(SECRETS.indexOf("BEARER   padded  ")).isEqualTo(2);
    assertThat(SECRETS.accepts("Bearer alpha-secret")).isTrue();
  }

  @Test
  void refusesAMissingHeaderAnotherSchemeAnEmptyTokenAndNearMisses() {
    for (String header : new String[] {null, "", "Bearer", "Bearer ", "Basic alpha-secret", "alpha-secret", "Bearer alpha-secre",
        "Bearer alpha-secrets", "Bearer Alpha-secret", "Bearer alpha-secret béta", "Beareralpha-secret"}) {
      assertThat(SECRETS.indexOf(header)).as(String.valueOf(header)).isEqualTo(-1);
      assertThat(SECRETS.accepts(header)).isFalse();
    }
  }

  @Test
  void answersTheFirstOfTwoEqualSecretsAndAcceptsNothingWithoutSecrets() {
    assertThat(BearerSecrets.of(List.of("x", "same", "same")).indexOf("Bearer same")).isEqualTo(1);
    assertThat(BearerSecrets.of(List.of()).isEmpty()).isTrue();
    assertThat(BearerSecrets.of(List.of()).accepts("Bearer ")).isFalse();
  }

  @Test
  void refusesABlankSecretThatWouldAcceptAnEmptyHeader() {
    assertThatThrownBy(() -> BearerSecrets.of(List.of("ok", "  "))).isInstanceOf(IllegalArgumentException.class).hasMessage("secret 1 is blank");
  }

  @Property(tries = 300)
  void acceptsExactlyTheConfiguredSecrets(@ForAll("tokens") List<String> secrets, @ForAll("tokens") List<String> presented) {
    BearerSecrets bearer = BearerSecrets.of(secrets);
    for (String token : java.util.stream.Stream.concat(secrets.stream(), presented.stream()).toList()) {
      assertThat(bearer.indexOf("Bearer " + token)).isEqualTo(secrets.indexOf(token));
    }
  }

  @Provide
  Arbitrary<List<String>> tokens() {
    return Arbitraries.strings().withChars("abcAB01-_.~+/=é").ofMinLength(1).ofMaxLength(6).list().ofMaxSize(5);
  }
}
