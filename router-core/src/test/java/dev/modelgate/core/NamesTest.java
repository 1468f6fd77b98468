package dev.modelgate.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {

  @ParameterizedTest
  @ValueSource(strings = {"v0", "v1", "v7", "v10", "v999999999"})
  void acceptsVersionIds(String id) {
    assertThat(Names.isVersionId(id)).isTrue();
    assertThat(Names.versionIdProblem(id)).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "v", "7", "V7", "v01", "v00", "v-1", "v+1", "v1.0", "v1a", " v1", "v1234567890", "vv1"})
  void rejectsAnythingElseAsAVersionId(String id) {
    assertThat(Names.isVersionId(id)).isFalse();
    assertThat(Names.versionIdProblem(id)).isEqualTo("version id '" + id + "' is not of the form v<number> (e.g. v7)");
  }

  @Test
  void ordersVersionsByNumberNotByText() {
    assertThat(Names.versionNumber("v10")).isGreaterThan(Names.versionNumber("v9"));
    assertThat(Names.versionNumber("v0")).isZero();
    assertThat(Names.versionNumber("v999999999")).isEqualTo(999_999_999);
  }

  @ParameterizedTest
  @ValueSource(strings = {"production", "staging", "canary-2", "eu.prod_1", "V7", "v7x", "7", "a234567890123456789012345678901234567890123456789012345678901234"})
  void acceptsAliasNames(String alias) {
    assertThat(Names.aliasNameProblem(alias)).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"v7", "v0", "v01", "v0007", "v1234567890"})
  void refusesAliasesThatReadAsVersions(String alias) {
    assertThat(Names.aliasNameProblem(alias)).isEqualTo("alias '" + alias + "' looks like a version id (expected: a name that is not v<number>)");
  }

  @Test
  void describesPrintableAndInvisibleCharactersDifferently() {
    assertThat(Names.modelNameProblem("a+b")).isEqualTo("model name has the character '+' (expected: A-Z a-z 0-9 . _ - /)");
    assertThat(Names.modelNameProblem("a b")).isEqualTo("model name has the character U+0020 (expected: A-Z a-z 0-9 . _ - /)");
    assertThat(Names.modelNameProblem("a\u007fb")).isEqualTo("model name has the character U+007F (expected: A-Z a-z 0-9 . _ - /)");
  }
}
