package dev.modelgate.gateway.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One simulated answer, decided when the request arrives: its ids, size and what the client asked
 * to see. Rendering it is the job of a {@link TextApi}; pacing it, of {@link Pacer}.
 *
 * @param request the parsed request, for fields an answer echoes
 * @param truncated whether the request's token limit cut the answer short ({@code "length"})
 */
record Generation(
    ObjectNode request,
    String id,
    long created,
    String model,
    int promptTokens,
    int completionTokens,
    boolean truncated,
    boolean includeUsage) {

  /**
   * @param limit the request's token limit, 0 for none
   * @param tokens the simulator's answer length
   */
  static Generation of(
      ObjectNode request,
      String idPrefix,
      String model,
      int promptTokens,
      int limit,
      int tokens,
      boolean includeUsage) {
    boolean truncated = limit > 0 && limit < tokens;
    return new Generation(
        request,
        idPrefix + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36),
        System.currentTimeMillis() / 1000,
        model,
        promptTokens,
        truncated ? limit : tokens,
        truncated,
        includeUsage);
  }

  int totalTokens() {
    return promptTokens + completionTokens;
  }

  String text() {
    return Lorem.text(completionTokens);
  }
}
