package dev.modelgate.gateway.sim;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How a {@link Simulator} listens and how its answers are timed and sized.
 *
 * @param host address to listen on
 * @param port port to listen on; 0 picks a free one (read it back with {@link Simulator#port()})
 * @param ttft time to first token: the delay before the first streamed token, a whole non-streaming
 *     answer's base delay, and the delay of an injected error
 * @param interTokenLatency delay between consecutive tokens
 * @param tokens completion tokens per answer, unless the request asks for fewer
 * @param errorRate probability, 0 to 1, that an inference request answers 500
 * @param model name reported by {@code GET /v1/models} and in the {@code x-sim-model} header
 */
public record SimOptions(
    String host,
    int port,
    Duration ttft,
    Duration interTokenLatency,
    int tokens,
    double errorRate,
    String model) {

  public SimOptions {
    requireNonNull(host, "host");
    requireNonNull(ttft, "ttft");
    requireNonNull(interTokenLatency, "interTokenLatency");
    requireNonNull(model, "model");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 0 to 65535)");
    }
    checkDelay("ttft", ttft);
    checkDelay("interTokenLatency", interTokenLatency);
    if (tokens < 1) {
      throw new IllegalArgumentException("tokens: " + tokens + " (expected: at least 1)");
    }
    checkRate(errorRate);
    if (model.isBlank()) {
      throw new IllegalArgumentException("model: '" + model + "' (expected: a non-blank name)");
    }
  }

  /** Loopback, a free port, 50 ms to the first token, 10 ms per further token, 16 tokens. */
  public static SimOptions defaults() {
    return new SimOptions(
        "127.0.0.1", 0, Duration.ofMillis(50), Duration.ofMillis(10), 16, 0.0, "sim-model");
  }

  public SimOptions withHost(String host) {
    return new SimOptions(host, port, ttft, interTokenLatency, tokens, errorRate, model);
  }

  public SimOptions withPort(int port) {
    return new SimOptions(host, port, ttft, interTokenLatency, tokens, errorRate, model);
  }

  public SimOptions withTtft(Duration ttft) {
    return new SimOptions(host, port, ttft, interTokenLatency, tokens, errorRate, model);
  }

  public SimOptions withInterTokenLatency(Duration interTokenLatency) {
    return new SimOptions(host, port, ttft, interTokenLatency, tokens, errorRate, model);
  }

  public SimOptions withTokens(int tokens) {
    return new SimOptions(host, port, ttft, interTokenLatency, tokens, errorRate, model);
  }

  public SimOptions withErrorRate(double errorRate) {
    return new SimOptions(host, port, ttft, interTokenLatency, tokens, errorRate, model);
  }

  public SimOptions withModel(String model) {
    return new SimOptions(host, port, ttft, interTokenLatency, tokens, errorRate, model);
  }

  static void checkDelay(String name, Duration delay) {
    requireNonNull(delay, name);
    if (delay.isNegative()) {
      throw new IllegalArgumentException(name + ": " + delay + " (expected: zero or more)");
    }
  }

  static void checkRate(double rate) {
    // The negated form also rejects NaN.
    if (!(rate >= 0.0 && rate <= 1.0)) {
      throw new IllegalArgumentException("errorRate: " + rate + " (expected: 0 to 1)");
    }
  }
}
