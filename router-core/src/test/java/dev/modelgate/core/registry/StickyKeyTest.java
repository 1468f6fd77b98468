package dev.modelgate.core.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StickyKeyTest {

  @Test
  void readsAHeaderNameCaseInsensitively() {
    StickyKey key = StickyKey.parse("header:X-Session-Id");

    assertThat(key).isEqualTo(new StickyKey(StickyKey.Source.HEADER, "x-session-id"));
    assertThat(key).hasToString("header:x-session-id");
  }

  @Test
  void keepsABodyFieldNameAsWritten() {
    StickyKey key = StickyKey.parse("body:userId");

    assertThat(key).isEqualTo(new StickyKey(StickyKey.Source.BODY, "userId"));
    assertThat(key).hasToString("body:userId");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "header", "header:", ":x-session-id", "cookie:session", "Header:x", "header:x session", "body:a:b", "body:user.name/x"})
  void refusesAnythingButHeaderOrBodyWithAName(String text) {
    assertThatThrownBy(() -> StickyKey.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'" + text + "' is not a sticky key (expected: header:<name> or body:<field>, e.g. header:x-session-id)");
  }
}
