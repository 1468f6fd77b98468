package dev.modelgate.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestIdsTest {
  private static final String GENERATED = "[0-9a-f]{32}";

  @ParameterizedTest
  @ValueSource(strings = {"trace-123", "a", "!", "~", "0123456789abcdef0123456789abcdef", "req_01HZX:9/+=@{}"})
  void keepsAClientIdMadeOfVisibleAscii(String id) {
    assertThat(RequestIds.acceptOrGenerate(id)).isEqualTo(id);
  }

  @Test
  void keepsAnIdOfExactly128CharactersAndReplacesOneOf129() {
    assertThat(RequestIds.acceptOrGenerate("x".repeat(128))).isEqualTo("x".repeat(128));
    assertThat(RequestIds.acceptOrGenerate("x".repeat(129))).matches(GENERATED);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "has space", "line\r\nx-forged: 1", "tab\there", "nul\u0000", "del\u007f", "caf\u00e9", "\u65e5\u672c", "\ud83d\ude80"})
  void replacesAnIdThatCouldForgeHeadersOrLogLines(String id) {
    assertThat(RequestIds.acceptOrGenerate(id)).matches(GENERATED);
  }

  @Test
  void generatesAnIdWhenTheClientSentNone() {
    assertThat(RequestIds.acceptOrGenerate(null)).matches(GENERATED);
  }

  @Test
  void generatesDistinct128BitHexIds() {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 100_000; i++) {
      String id = RequestIds.generate();
      assertThat(id).matches(GENERATED);
      ids.add(id);
    }
    assertThat(ids).hasSize(100_000);
  }

  @Test
  void usesEveryHexDigitInEveryPosition() {
    Set<Character>[] seen = new Set[32];
    for (int p = 0; p < 32; p++) {
      seen[p] = new HashSet<>();
    }
    for (int i = 0; i < 2_000; i++) {
      String id = RequestIds.generate();
      for (int p = 0; p < 32; p++) {
        seen[p].add(id.charAt(p));
      }
    }
    for (int p = 0; p < 32; p++) {
      assertThat(seen[p]).as("position %d", p).hasSize(16);
    }
  }
}
