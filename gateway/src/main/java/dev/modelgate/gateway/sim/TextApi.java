package dev.modelgate.gateway.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;

/**
 * One text-generating endpoint's wire dialect. The simulator decides an answer once ({@link #plan})
 * and then renders it either whole or as a stream of per-token events, so the streamed and
 * non-streamed forms of the same request always agree.
 */
interface TextApi {
  /**
   * Reads a request, refusing (with {@link ApiError}) what the real endpoint refuses.
   *
   * @param model the model to report
   * @param tokens the simulator's answer length before the request's own limit
   */
  Generation plan(ObjectNode request, String model, int tokens);

  /** The non-streaming response body. */
  Buffer whole(Generation generation);

  /** The stream's event(s) carrying token {@code index}, written on their own at its time. */
  Buffer token(Generation generation, int index);

  /** What the stream sends after its last token, up to and including its terminator. */
  Buffer end(Generation generation);
}
