package dev.modelgate.gateway.sim;

/**
 * The simulated model's output: token {@code i} is word {@code i} of a fixed list, so every answer
 * of {@code n} tokens is the same text and tests can assert it literally. Tokens after the first
 * carry their leading space, as a real tokenizer's pieces do, so streamed deltas concatenate to
 * exactly the non-streaming text.
 */
final class Lorem {
  private static final String[] WORDS =
      ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut"
           + " labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco"
           + " laboris nisi aliquip ex ea commodo consequat")
          .split(" ");

  private Lorem() {}

  static String piece(int index) {
    String word = WORDS[index % WORDS.length];
    return index == 0 ? word : " " + word;
  }

  static String text(int tokens) {
    StringBuilder text = new StringBuilder(tokens * 8);
    for (int i = 0; i < tokens; i++) {
      text.append(piece(i));
    }
    return text.toString();
  }
}
