package dev.modelgate.core;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class JsonStringsTest {

  @Test
  void wrapsPlainTextInQuotes() {
    assertThat(JsonStrings.quote("support-agent")).isEqualTo("\"support-agent\"");
    assertThat(JsonStrings.quote("")).isEqualTo("\"\"");
  }

  @Test
  void escapesQuotesAndBackslashes() {
    assertThat(JsonStrings.quote("a\"b")).isEqualTo("\"a\\\"b\"");
    assertThat(JsonStrings.quote("C:\\models\\")).isEqualTo("\"C:\\\\models\\\\\"");
  }

  @Test
  void escapesControlCharactersShortWhereJsonHasAShortForm() {
    assertThat(JsonStrings.quote("a\nb\rc\td")).isEqualTo("\"a\\nb\\rc\\td\"");
  }

  @ParameterizedTest
  @CsvSource({"0, \\u0000", "8, \\u0008", "12, \\u000c", "27, \\u001b", "31, \\u001f"})
  void escapesOtherControlCharactersAsUnicodeEscapes(int code, String escaped) {
    assertThat(JsonStrings.quote(String.valueOf((char) code))).isEqualTo("\"" + escaped + "\"");
  }

  @Test
  void leavesEverythingFromSpaceUpwardAsItIs() {
    assertThat(JsonStrings.quote(" /'é🚀\u007f")).isEqualTo("\" /'é🚀\u007f\"");
  }

  @Property
  void producesAJsonStringThatDecodesBackToTheInput(@ForAll String s) {
    String quoted = JsonStrings.quote(s);

    assertThat(quoted.chars().allMatch(c -> c >= 0x20)).isTrue();
    assertThat(decode(quoted)).isEqualTo(s);
  }

  /** A strict RFC 8259 string decoder: fails on an unescaped quote or control character. */
  private static String decode(String json) {
    assertThat(json).startsWith("\"").endsWith("\"").hasSizeGreaterThanOrEqualTo(2);
    StringBuilder out = new StringBuilder();
    for (int i = 1; i < json.length() - 1; i++) {
      char c = json.charAt(i);
      if (c == '"' || c < 0x20) {
        throw new AssertionError("raw " + (int) c + " at " + i + " in " + json);
      }
      if (c != '\\') {
        out.append(c);
        continue;
      }
      char e = json.charAt(++i);
      switch (e) {
        case '"', '\\', '/' -> out.append(e);
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'u' -> {
          out.append((char) Integer.parseInt(json.substring(i + 1, i + 5), 16));
          i += 4;
        }
        default -> throw new AssertionError("bad escape \\" + e + " in " + json);
      }
    }
    return out.toString();
  }
}
