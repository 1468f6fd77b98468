package dev.modelgate.gateway.sim;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/**
 * One streamed answer: headers at once, then each token's event as its own write at its own
 * deadline, then the closing events. Writing waits for a full write queue to drain, so a slow
 * reader slows the stream instead of growing the simulator's memory.
 */
final class TokenStream {
  private final Pacer pacer;
  private final HttpServerResponse response;
  private final TextApi api;
  private final Generation generation;
  private final Timeline timeline;

  TokenStream(
      Pacer pacer,
      HttpServerResponse response,
      TextApi api,
      Generation generation,
      Timeline timeline) {
    this.pacer = pacer;
    this.response = response;
    this.api = api;
    this.generation = generation;
    this.timeline = timeline;
  }

  void start() {
    response
        .setChunked(true)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
    // A real server accepts the stream before the model produces anything.
    response.writeHead();
    schedule(0);
  }

  private void schedule(int index) {
    pacer.at(timeline.tokenAt(index), () -> emit(index));
  }

  private void emit(int index) {
    response.write(api.token(generation, index));
    int next = index + 1;
    if (next == generation.completionTokens()) {
      response.end(api.end(generation));
    } else if (response.writeQueueFull()) {
      response.drainHandler(
          drained -> {
            response.drainHandler(null);
            schedule(next);
          });
    } else {
      schedule(next);
    }
  }
}
