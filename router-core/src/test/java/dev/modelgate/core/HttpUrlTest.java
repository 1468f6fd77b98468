package dev.modelgate.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.core.HttpUrl.Flaw;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HttpUrlTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(nullValues = "none", value = {
    "http://127.0.0.1:9001/v1,          none,              true",
    "https://hooks.example/x?token=1,   QUERY_OR_FRAGMENT, true",
    "https://user:pw@hooks.example/x,   CREDENTIALS,       true",
    "http://h:99999,                    BAD_PORT,          false",
    "http:///v1,                        NO_HOST,           false",
    "ftp://h:1,                         NOT_HTTP,          false",
    "http://x y,                        NOT_A_URL,         false"})
  void findsTheFirstFlawAndWhetherTheUrlCanStillBeCalled(String url, Flaw flaw, boolean reachable) {
    HttpUrl checked = HttpUrl.check(url);

    assertThat(checked.flaw()).isEqualTo(flaw);
    assertThat(checked.reachable()).isEqualTo(reachable);
  }
}
