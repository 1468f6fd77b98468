package dev.modelgate.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class EndpointTest {

  @ParameterizedTest(name = "{0} + {1} -> {2}")
  @CsvSource({
      "http://h:1,             /v1/chat/completions, /v1/chat/completions",
      "http://h:1/,            /v1/chat/completions, /v1/chat/completions",
      "http://h:1/v1,          /v1/chat/completions, /v1/chat/completions",
      "http://h:1/v1/,         /v1/chat/completions, /v1/chat/completions",
      "http://h:1/v1,          /v1/embeddings,       /v1/embeddings",
      "http://h:1/openai,      /v1/responses,        /openai/v1/responses",
      "http://h:1/openai/v1/,  /v1/completions,      /openai/v1/completions",
      "http://h:1/apiv1,       /v1/completions,      /apiv1/v1/completions",
      "http://h:1/v1,          /health,              /v1/health",
  })
  void joinsTheBasePathAndTheClientPathWithoutDoublingV1(String base, String clientPath, String upstream) {
    assertThat(Endpoint.parse(base).upstreamPath(clientPath)).isEqualTo(upstream);
  }

  @Test
  void readsHostPortAndSchemeFromTheUrl() {
    Endpoint plain = Endpoint.parse("http://127.0.0.1:9001");
    assertThat(plain.host()).isEqualTo("127.0.0.1");
    assertThat(plain.port()).isEqualTo(9001);
    assertThat(plain.ssl()).isFalse();
    assertThat(plain.url()).isEqualTo("http://127.0.0.1:9001");
    assertThat(plain).hasToString("http://127.0.0.1:9001");

    Endpoint tls = Endpoint.parse("HTTPS://api.example.com/v1");
    assertThat(tls.ssl()).isTrue();
    assertThat(tls.port()).isEqualTo(443);
    assertThat(tls.host()).isEqualTo("api.example.com");

    assertThat(Endpoint.parse("http://vllm.internal").port()).isEqualTo(80);
  }

  static Stream<Arguments> badUrls() {
    return Stream.of(
        arguments("ftp://h:1", "'ftp://h:1' (expected: an http:// or https:// base URL)"),
        arguments("127.0.0.1:8000", "'127.0.0.1:8000' is not a URL"),
        arguments("localhost:8000", "'localhost:8000' (expected: an http:// or https:// base URL)"),
        arguments("/v1", "(expected: an http:// or https:// base URL)"),
        arguments("http://", "'http://' is not a URL"),
        arguments("http:///v1", "'http:///v1' has no host"),
        arguments("http://user:secret@h:1", "'http://user:secret@h:1' carries credentials (expected: none in the URL; use api_key_env)"),
        arguments("http://h:1?key=abc", "'http://h:1?key=abc' has a query or fragment (expected: a base URL only)"),
        arguments("http://h:1/v1#top", "has a query or fragment"),
        arguments("http://h:99999", "'http://h:99999' has port 99999 (expected: 1 to 65535)"),
        arguments("http://h:0", "has port 0"),
        arguments("http://h :1", "is not a URL"),
        arguments("", "(expected: an http:// or https:// base URL)"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("badUrls")
  void refusesAnythingButAPlainHttpBaseUrl(String url, String problem) {
    assertThat(Endpoint.urlProblem(url)).contains(problem);
    assertThatThrownBy(() -> Endpoint.parse(url))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(Endpoint.urlProblem(url));
  }

  @ParameterizedTest
  @CsvSource({"http://127.0.0.1:9001", "https://api.example.com/v1/", "http://[::1]:8000", "http://h:65535", "http://h:1"})
  void acceptsPlainHttpBaseUrls(String url) {
    assertThat(Endpoint.urlProblem(url)).isNull();
  }

  @Test
  void givesAnIpv6HostWithoutItsBrackets() {
    Endpoint e = Endpoint.parse("http://[::1]:9001/v1");

    assertThat(e.host()).isEqualTo("::1");
    assertThat(e.port()).isEqualTo(9001);
  }

  @Test
  void explainsWhyAHostWithAnUnderscoreIsRefused() {
    assertThat(Endpoint.urlProblem("http://my_backend:8000")).contains("'_'");
  }

  @Test
  void countsOutstandingRequests() {
    Endpoint e = Endpoint.parse("http://h:1");
    e.started();
    e.started();
    e.started();
    e.finished();

    assertThat(e.outstanding()).isEqualTo(2);
  }

  @Test
  void isAvailableExactlyWhenItsGateAdmits() {
    TestGate gate = new TestGate();
    Endpoint e = Endpoint.parse("http://h:1", gate);
    assertThat(e.isAvailable(0)).isTrue();
    assertThat(e.gate()).isSameAs(gate);

    gate.closeUntil(1_000);

    assertThat(e.isAvailable(999)).isFalse();
    assertThat(e.isAvailable(1_000)).isTrue();
  }

  @Test
  void isAlwaysAvailableWithoutAGate() {
    Endpoint e = Endpoint.parse("http://h:1");

    assertThat(e.gate()).isSameAs(EndpointGate.UNGUARDED);
    assertThat(e.isAvailable(Long.MIN_VALUE)).isTrue();
    assertThat(e.gate().tryAcquire()).isTrue();
  }
}
