package dev.modelgate.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class UsageReaderTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String[] NAMES = {"id", "usage", "choices", "message", "content", "prompt_tokens", "completion_tokens",
      "input_tokens", "output_tokens", "total_tokens", "usag", "usages", "Usage", "us\\age", "u\"sage", "é", "\ud83d\ude00"};
  private static final String[] TEXTS = {"usage", "\"usage\":{\"prompt_tokens\":7}", "a\\", "\\\"", "{[}]", "", "é€\ud83d\ude00",
      "\u0000\n\t", "x".repeat(40)};
  // What an edit inserts into an answer: the bytes the scan tracks, and others.
  private static final String DAMAGE = "\"{}[]:,\\ 1u";
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

  @Property(tries = 3000)
  void readsTheSameCountsAsJacksonFromAnyJsonAnswerHoweverItIsChunked(@ForAll long seed) throws Exception {
    Random random = new Random(seed);
    JsonNode answer = random.nextInt(10) == 0 ? value(random, 0) : object(random, 0);
    String json = random.nextBoolean() ? JSON.writeValueAsString(answer) : JSON.writerWithDefaultPrettyPrinter().writeValueAsString(answer);
    Long[] expected = jacksonCounts(JSON.readTree(json));

    assertThat(counts(whole(json))).as(json).containsExactly(expected);
    assertThat(counts(fedInPieces("application/json", json, seed))).as(json).containsExactly(expected);
  }

  @Property(tries = 3000)
  void aDamagedAnswerReadsTheSameHoweverItIsChunked(@ForAll long seed) throws Exception {
    Random random = new Random(seed);
    StringBuilder json = new StringBuilder(JSON.writeValueAsString(object(random, 0)));
    for (int edits = 1 + random.nextInt(4); edits > 0 && json.length() > 0; edits--) {
      int at = random.nextInt(json.length());
      switch (random.nextInt(3)) {
        case 0 -> json.deleteCharAt(at);
        case 1 -> json.insert(at, DAMAGE.charAt(random.nextInt(DAMAGE.length())));
        default -> json.setLength(at);
      }
    }

    assertThat(counts(fedInPieces("application/json", json.toString(), seed))).as(json.toString()).containsExactly(counts(whole(json.toString())));
  }

  private static UsageReader whole(String json) {
    UsageReader reader = UsageReader.forContentType("application/json");
    reader.feed(json.getBytes(StandardCharsets.UTF_8));
    return reader;
  }

  private static Long[] counts(UsageReader reader) {
    return new Long[] {reader.promptTokens(), reader.completionTokens()};
  }

  // What the reader promises: the top-level usage object's non-negative integer counters, the last of each kind.
  private static Long[] jacksonCounts(JsonNode answer) {
    Long[] counts = {null, null};
    JsonNode usage = answer.get("usage");
    if (answer.isObject() && usage != null && usage.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> fields = usage.fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        int kind = Arrays.asList("prompt_tokens", "input_tokens", "completion_tokens", "output_tokens").indexOf(field.getKey());
        if (kind >= 0 && field.getValue().isIntegralNumber() && field.getValue().longValue() >= 0) {
          counts[kind / 2] = field.getValue().longValue();
        }
      }
    }
    return counts;
  }

  private static ObjectNode object(Random random, int depth) {
    ObjectNode object = NODES.objectNode();
    for (int n = random.nextInt(7); n > 0; n--) {
      String name = NAMES[random.nextInt(NAMES.length)];
      object.set(name, name.equals("usage") && random.nextInt(4) > 0 ? usage(random, depth) : value(random, depth + 1));
    }
    return object;
  }

  private static ObjectNode usage(Random random, int depth) {
    ObjectNode usage = NODES.objectNode();
    for (int n = random.nextInt(6); n > 0; n--) {
      String name = NAMES[5 + random.nextInt(5)];
      usage.set(name, random.nextInt(5) > 0 ? NODES.numberNode(random.nextInt(1_000_000)) : value(random, depth + 1));
    }
    return usage;
  }

  private static JsonNode value(Random random, int depth) {
    int kind = random.nextInt(depth > 3 ? 6 : 8);
    return switch (kind) {
      case 0 -> NODES.textNode(TEXTS[random.nextInt(TEXTS.length)]);
      case 1 -> NODES.numberNode(random.nextInt(2_000_001) - 1_000_000);
      case 2 -> NODES.numberNode(random.nextInt(1000) / 8.0);
      case 3 -> NODES.numberNode(random.nextLong() >>> random.nextInt(64));
      case 4 -> random.nextBoolean() ? NODES.booleanNode(random.nextBoolean()) : NODES.nullNode();
      case 5 -> NODES.textNode(NAMES[random.nextInt(NAMES.length)]);
      case 6 -> {
        ArrayNode array = NODES.arrayNode();
        for (int n = random.nextInt(4); n > 0; n--) {
          array.add(random.nextBoolean() ? object(random, depth + 1) : value(random, depth + 1));
        }
        yield array;
      }
      default -> object(random, depth + 1);
    };
  }
}
