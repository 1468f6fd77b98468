package dev.modelgate.gatling;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.percent;
import static io.gatling.javaapi.core.CoreDsl.randomSwitch;
import static io.gatling.javaapi.core.CoreDsl.substring;
import static io.gatling.javaapi.http.HttpDsl.header;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.time.Duration;

/**
 * What both simulations send: chat completions through the gateway, a share of them streamed.
 * Every knob is a system property, so gatling.sh and the command line can change it.
 */
final class Traffic {
  static final String GATEWAY = System.getProperty("gateway.url", "http://127.0.0.1:8080");
  static final String MODEL = System.getProperty("model", "bench");
  static final Duration DURATION = Duration.ofSeconds(Long.getLong("duration", 30));
  /** Share of requests sent with {@code stream: true}, in percent. */
  static final double STREAM_PERCENT = Double.parseDouble(System.getProperty("stream.percent", "20"));
  /** The run fails when more than this share of requests fails, in percent. */
  static final double MAX_FAILED_PERCENT = Double.parseDouble(System.getProperty("max.failed.percent", "1"));

  private static final String MESSAGES = "[{\"role\":\"system\",\"content\":\"You are a helpful assistant for an online shop.\"},"
      + "{\"role\":\"user\",\"content\":\"Where is my order #4711? It was due yesterday.\"}]";

  private Traffic() {}

  static HttpProtocolBuilder protocol() {
    return http.baseUrl(GATEWAY)
        .contentTypeHeader("application/json")
        .acceptHeader("application/json, text/event-stream")
        .userAgentHeader("modelgate-gatling");
  }

  private static ChainBuilder chat() {
    return exec(http("chat").post("/v1/chat/completions")
        .body(StringBody("{\"model\":\"" + MODEL + "\",\"messages\":" + MESSAGES + ",\"max_tokens\":64}"))
        .check(status().is(200), header("x-modelgate-version").exists(), jsonPath("$.choices[0].message.content").exists()));
  }

  /** The whole event stream is read, so its response time is the time to the last event. */
  private static ChainBuilder stream() {
    return exec(http("chat stream").post("/v1/chat/completions")
        .body(StringBody("{\"model\":\"" + MODEL + "\",\"messages\":" + MESSAGES + ",\"max_tokens\":64,\"stream\":true}"))
        .check(status().is(200), header("x-modelgate-version").exists(), substring("data: [DONE]").exists()));
  }

  /** One request: streamed with probability {@link #STREAM_PERCENT}, otherwise a plain chat completion. */
  static ChainBuilder oneRequest() {
    return randomSwitch().on(
        percent(STREAM_PERCENT).then(stream()),
        percent(100 - STREAM_PERCENT).then(chat()));
  }
}
