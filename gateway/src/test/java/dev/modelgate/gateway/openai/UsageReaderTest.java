package dev.modelgate.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class UsageReaderTest {
  private static final String CHAT = "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"m\","
      + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"a \\\"usage\\\": {\\\"prompt_tokens\\\": 99}\"}}],"
      + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":34,\"total_tokens\":46,\"prompt_tokens_details\":{\"cached_tokens\":5}}}";

  private static UsageReader fedInPieces(String contentType, String body, long seed) {
    return fedInPieces(UsageReader.forContentType(contentType), body, seed);
  }

  private static UsageReader fedInPieces(UsageReader reader, String body, long seed) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    Random random = new Random(seed);
    int at = 0;
    while (at < bytes.length) {
      int n = Math.min(bytes.length - at, 1 + random.nextInt(17));
      byte[] piece = new byte[n];
      System.arraycopy(bytes, at, piece, 0, n);
      reader.feed(piece);
      at += n;
    }
    return reader;
  }

  @Test
  void readsTheTopLevelUsageOfAJsonAnswerHoweverItIsChunked() {
    for (long seed = 0; seed < 50; seed++) {
      UsageReader reader = fedInPieces("application/json", CHAT, seed);
      assertThat(reader.promptTokens()).isEqualTo(12);
      assertThat(reader.completionTokens()).isEqualTo(34);
    }
  }

  @Test
  void aUsageThatIsNotTheAnswersOwnIsNotMistakenForIt() {
    // "usage" as a string value, as a key of a nested object, and inside text (with its quotes escaped),
    // all before the answer's own usage, split at every possible place.
    String body = "{\"object\":\"usage\",\"metadata\":{\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}},"
        + "\"choices\":[{\"message\":{\"content\":\"\\\"usage\\\":{\\\"prompt_tokens\\\":2} \\\\\"}}],"
        + "\"usage\" : {\"prompt_tokens\":12,\"completion_tokens_details\":{\"reasoning_tokens\":8},\"completion_tokens\":34}}";
    for (long seed = 0; seed < 200; seed++) {
      UsageReader reader = fedInPieces("application/json", body, seed);
      assertThat(reader.promptTokens()).as("seed %d", seed).isEqualTo(12);
      assertThat(reader.completionTokens()).as("seed %d", seed).isEqualTo(34);
    }
  }

  @Test
  void readsAPrettyPrintedUsageAndSkipsWhatIsNotACount() {
    String body = "{\n  \"id\": \"c1\",\n  \"usage\": {\n    \"cost\": 1.5,\n    \"note\": \"a, b\",\n    \"prompt_tokens\" : 5 ,\n"
        + "    \"details\": {\"prompt_tokens\": 9, \"x\": [1, 2]},\n    \"completion_tokens\":\t6\n  }\n}\n";
    for (long seed = 0; seed < 50; seed++) {
      UsageReader reader = fedInPieces("application/json", body, seed);
      assertThat(reader.promptTokens()).isEqualTo(5);
      assertThat(reader.completionTokens()).isEqualTo(6);
    }
  }

  @Test
  void readsAUsageThatArrivesWholeInOneChunkWhereverItSitsInTheBuffer() {
    // A backend's answer usually arrives in one read, and the chunk is a window of a larger buffer.
    byte[] body = CHAT.getBytes(StandardCharsets.UTF_8);
    byte[] buffer = new byte[body.length + 20];
    java.util.Arrays.fill(buffer, (byte) '}');
    System.arraycopy(body, 0, buffer, 7, body.length);
    UsageReader reader = UsageReader.forContentType("application/json");

    reader.feed(buffer, 7, 7 + body.length);

    assertThat(reader.promptTokens()).isEqualTo(12);
    assertThat(reader.completionTokens()).isEqualTo(34);
    assertThat(reader.wantsMore()).isFalse();
  }

  @Test
  void aNullUsageReportsNothing() {
    UsageReader reader = fedInPieces("application/json", "{\"usage\":null,\"choices\":[{\"usage\":{\"prompt_tokens\":3}}]}", 1);

    assertThat(reader.promptTokens()).isNull();
    assertThat(reader.completionTokens()).isNull();
  }

  @Test
  void readsTheResponsesApiInputAndOutputTokens() {
    String body = "{\"id\":\"resp_1\",\"object\":\"response\",\"output\":[],\"usage\":{\"input_tokens\":7,\"output_tokens\":9,\"total_tokens\":16}}";
    UsageReader reader = fedInPieces("application/json; charset=utf-8", body, 1);

    assertThat(reader.promptTokens()).isEqualTo(7);
    assertThat(reader.completionTokens()).isEqualTo(9);
  }

  @Test
  void readsTheFinalUsageChunkOfAChatStream() {
    String stream = "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}],\"usage\":null}\n\n"
        + "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"
        + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}\n\n"
        + "data: [DONE]\n\n";
    for (long seed = 0; seed < 50; seed++) {
      UsageReader reader = fedInPieces("text/event-stream", stream, seed);
      assertThat(reader.promptTokens()).isEqualTo(3);
      assertThat(reader.completionTokens()).isEqualTo(2);
    }
  }

  @Test
  void readsTheUsageOfAResponsesApiCompletedEvent() {
    String stream = "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"hi\"}\n\n"
        + "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"r\",\"usage\":{\"input_tokens\":4,\"output_tokens\":6}}}\n\n";
    UsageReader reader = fedInPieces("text/event-stream", stream, 3);

    assertThat(reader.promptTokens()).isEqualTo(4);
    assertThat(reader.completionTokens()).isEqualTo(6);
  }

  @Test
  void aReaderMadeReadyForAnotherAnswerReadsItAsANewOneWould() {
    String stream = "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\n\ndata: [DONE]\n\n";
    for (long seed = 0; seed < 50; seed++) {
      // Cut off inside the usage object: the next answer must not continue where this one stopped.
      UsageReader reader = fedInPieces("application/json", CHAT.substring(0, CHAT.length() - 30), seed);
      reader = fedInPieces(UsageReader.forContentType("text/event-stream", reader), stream, seed);
      assertThat(reader.promptTokens()).isEqualTo(3);
      assertThat(reader.completionTokens()).isEqualTo(2);
      reader = fedInPieces(UsageReader.forContentType("application/json", reader), "{\"data\":[]}", seed);
      assertThat(reader.promptTokens()).as("nothing left of the stream's counts").isNull();
      reader = fedInPieces(UsageReader.forContentType("application/json", reader), CHAT, seed);
      assertThat(reader.promptTokens()).isEqualTo(12);
      assertThat(reader.completionTokens()).isEqualTo(34);
    }
    assertThat(UsageReader.forContentType("text/html", UsageReader.forContentType("application/json"))).isNull();
  }

  @Test
  void reportsNothingForAnAnswerWithoutUsageOrNotJson() {
    assertThat(fedInPieces("application/json", "{\"data\":[1,2,3]}", 1).promptTokens()).isNull();
    assertThat(fedInPieces("application/json", "<html>502 Bad Gateway</html>", 1).completionTokens()).isNull();
    assertThat(fedInPieces("text/event-stream", "data: {\"choices\":[]}\n\ndata: [DONE]\n\n", 1).promptTokens()).isNull();
    assertThat(UsageReader.forContentType("text/html")).isNull();
    assertThat(UsageReader.forContentType(null)).isNull();
  }

  @Property(tries = 3000)
  void skipsTextToTheSameQuoteOrBackslashAsAByteByByteScan(@ForAll @Size(max = 80) byte[] bytes, @ForAll @IntRange(max = 80) int from,
      @ForAll @IntRange(max = 80) int to) {
    // Dense in the bytes that matter, and in their neighbours that a borrow could mistake for them.
    byte[] text = bytes.clone();
    for (int k = 0; k < text.length; k++) {
      int pick = Math.floorMod(text[k], 9);
      text[k] = pick == 0 ? (byte) '"' : pick == 1 ? (byte) '\\' : pick == 2 ? (byte) 0x21 : pick == 3 ? (byte) 0x23 : pick == 4 ? (byte) 0xa2 : text[k];
    }
    int end = Math.min(to, text.length);
    int start = Math.min(from, end);
    int expected = start;
    while (expected < end && text[expected] != '"' && text[expected] != '\\') {
      expected++;
    }

    assertThat(UsageReader.skipText(text, start, end)).isEqualTo(expected);
  }
}
