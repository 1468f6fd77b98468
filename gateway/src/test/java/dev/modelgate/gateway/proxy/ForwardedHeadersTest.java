package dev.modelgate.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForwardedHeadersTest {

  private static HttpHeaders headers(String... namesAndValues) {
    HttpHeaders headers = new DefaultHttpHeaders();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      headers.add(namesAndValues[i], namesAndValues[i + 1]);
    }
    return headers;
  }

  private static HttpHeaders upstream(HttpHeaders headers) {
    ForwardedHeaders.keepUpstream(headers);
    return headers;
  }

  private static HttpHeaders downstream(HttpHeaders headers) {
    ForwardedHeaders.keepDownstream(headers);
    return headers;
  }

  @Test
  void keepsTheClientsCredentialsCookiesAndEncodingPreferencesFromTheBackend() {
    HttpHeaders sent = upstream(headers(
        "Authorization", "Bearer client-key", "Cookie", "session=1", "Accept-Encoding", "gzip, br",
        "Proxy-Authorization", "Basic eA==", "Host", "gateway:8080", "Content-Length", "42", "Expect", "100-continue",
        "X-Request-Id", "client-id"));

    assertThat(sent.isEmpty()).isTrue();
  }

  @Test
  void dropsHeadersTheSenderNamesInConnectionBothWays() {
    HttpHeaders sent = upstream(headers("Connection", "close, X-Hop-Secret", "X-Hop-Secret", "s", "X-Kept", "k"));
    HttpHeaders returned = downstream(headers("Connection", "x-backend-hop", "X-Backend-Hop", "b", "Content-Type", "application/json"));

    assertThat(sent.names()).containsExactly("X-Kept");
    assertThat(returned.names()).containsExactly("Content-Type");
  }

  @Test
  void dropsHopByHopHeadersUpstream() {
    HttpHeaders sent = upstream(headers(
        "Connection", "keep-alive", "Keep-Alive", "timeout=5", "Proxy-Connection", "keep-alive", "Transfer-Encoding", "chunked",
        "TE", "trailers", "Trailer", "x-checksum", "Upgrade", "h2c"));

    assertThat(sent.isEmpty()).isTrue();
  }

  @Test
  void dropsEveryGatewayHeaderAClientTriesToSetWhateverItsCase() {
    HttpHeaders sent = upstream(headers(
        "x-modelgate-version", "v7", "X-ModelGate-Route", "stable", "X-MODELGATE-ALIAS", "production", "x-modelgate-anything", "1"));

    assertThat(sent.isEmpty()).isTrue();
  }

  @Test
  void matchesNamesWithoutRegardToCase() {
    for (String name : List.of("authorization", "AUTHORIZATION", "aUtHoRiZaTiOn", "cookie", "COOKIE", "transfer-encoding", "TRANSFER-ENCODING",
        "accept-encoding", "ACCEPT-ENCODING", "connection", "CONNECTION")) {
      assertThat(upstream(headers(name, "x")).isEmpty()).as(name).isTrue();
    }
  }

  @Test
  void passesEveryOtherClientHeaderWithAllItsValues() {
    HttpHeaders sent = upstream(headers(
        "Content-Type", "application/json", "User-Agent", "OpenAI/Python 1.0", "X-Stainless-Lang", "python",
        "OpenAI-Organization", "org-1", "X-Session-Id", "s-1", "X-Multi", "a", "X-Multi", "b", "Accept", "text/event-stream",
        "x-modelgate", "not-the-prefix"));

    assertThat(sent.get("content-type")).isEqualTo("application/json");
    assertThat(sent.get("user-agent")).isEqualTo("OpenAI/Python 1.0");
    assertThat(sent.get("x-stainless-lang")).isEqualTo("python");
    assertThat(sent.get("openai-organization")).isEqualTo("org-1");
    assertThat(sent.get("x-session-id")).isEqualTo("s-1");
    assertThat(sent.getAll("x-multi")).containsExactly("a", "b");
    assertThat(sent.get("accept")).isEqualTo("text/event-stream");
    assertThat(sent.get("x-modelgate")).isEqualTo("not-the-prefix");
    assertThat(sent.names()).hasSize(8);
  }

  @Test
  void dropsTheBackendsRequestIdCookiesHopByHopAndGatewayHeadersDownstream() {
    HttpHeaders relayed = downstream(headers(
        "X-Request-Id", "backend-id", "Set-Cookie", "a=1", "SET-COOKIE", "b=2", "Connection", "close", "Keep-Alive", "timeout=5",
        "Transfer-Encoding", "chunked", "Trailer", "x", "Upgrade", "websocket", "Proxy-Authenticate", "Basic",
        "X-Modelgate-Version", "forged", "x-modelgate-route", "forged"));

    assertThat(relayed.isEmpty()).isTrue();
  }

  @Test
  void relaysTheBackendsOtherHeaders() {
    HttpHeaders relayed = downstream(headers(
        "Content-Type", "text/event-stream", "Content-Length", "120", "OpenAI-Processing-Ms", "17",
        "X-RateLimit-Remaining-Requests", "99", "Cache-Control", "no-cache"));

    assertThat(relayed.get("content-type")).isEqualTo("text/event-stream");
    assertThat(relayed.get("content-length")).isEqualTo("120");
    assertThat(relayed.get("openai-processing-ms")).isEqualTo("17");
    assertThat(relayed.get("x-ratelimit-remaining-requests")).isEqualTo("99");
    assertThat(relayed.get("cache-control")).isEqualTo("no-cache");
    assertThat(relayed.names()).hasSize(5);
  }

  @Test
  void dropsTheBackendsRequestIdAndVersionTagsSoOnlyTheGatewaysReachTheClient() {
    HttpHeaders relayed = downstream(headers("x-request-id", "backend-id", "X-Modelgate-Version", "forged", "content-type", "application/json"));

    assertThat(relayed.names()).containsExactly("content-type");
  }
}
