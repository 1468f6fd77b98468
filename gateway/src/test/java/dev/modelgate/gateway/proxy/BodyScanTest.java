package dev.modelgate.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BodyScanTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final BodyScan REUSED = new BodyScan();

  /** A body built as {@code before + literal + after}, so the model's byte range is known exactly. */
  private record Body(byte[] bytes, int modelStart, int modelEnd) {
    static Body of(String before, String literal, String after) {
      byte[] prefix = before.getBytes(StandardCharsets.UTF_8);
      byte[] value = literal.getBytes(StandardCharsets.UTF_8);
      byte[] bytes = (before + literal + after).getBytes(StandardCharsets.UTF_8);
      return new Body(bytes, prefix.length, prefix.length + value.length);
    }
  }

  private static BodyScan scan(String json) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    return BodyScan.scan(bytes, bytes.length, null);
  }

  private static BodyScan scanExpectingModelAt(Body body, String model) {
    BodyScan scan = BodyScan.scan(body.bytes, body.bytes.length, null);
    assertThat(scan.problem).isNull();
    assertThat(scan.model).isEqualTo(model);
    assertThat(scan.modelStart).isEqualTo(body.modelStart);
    assertThat(scan.modelEnd).isEqualTo(body.modelEnd);
    return scan;
  }

  private static byte[] splice(byte[] body, BodyScan scan, String quoted) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(body, 0, scan.modelStart);
    out.writeBytes(quoted.getBytes(StandardCharsets.UTF_8));
    out.write(body, scan.modelEnd, body.length - scan.modelEnd);
    return out.toByteArray();
  }

  private static void assertSpliceReplacesOnlyTheModel(byte[] body, BodyScan scan) throws Exception {
    byte[] spliced = splice(body, scan, "\"served-\\\"name\\\"-é\"");
    ObjectNode expected = (ObjectNode) JSON.readTree(body);
    expected.put("model", "served-\"name\"-é");
    assertThat(JSON.readTree(spliced)).isEqualTo(expected);
  }

  @Test
  void findsTheExactByteRangeOfTheModelValueAmidWhitespace() {
    scanExpectingModelAt(Body.of("{ \n\t\"model\" \r\n:\t ", "\"support-agent\"", " \n , \"n\" : 1 }\n"), "support-agent");
  }

  @Test
  void findsTheModelWhenItsKeyIsWrittenWithEscapes() {
    scanExpectingModelAt(Body.of("{\"m\\u006fdel\":", "\"support-agent\"", "}"), "support-agent");
    scanExpectingModelAt(Body.of("{\"\\u006d\\u006f\\u0064\\u0065\\u006c\":", "\"x\"", "}"), "x");
  }

  @Test
  void coversEscapedQuotesAndUnicodeEscapesInsideTheValue() {
    scanExpectingModelAt(Body.of("{\"model\":", "\"a\\\"b\\\\\"", "}"), "a\"b\\");
    scanExpectingModelAt(Body.of("{\"model\":", "\"caf\\u00e9 \\ud83d\\ude80\"", "}"), "café 🚀");
    scanExpectingModelAt(Body.of("{\"model\":", "\"modèle-日本\"", "}"), "modèle-日本");
  }

  @Test
  void countsBytesNotCharactersWhenMultiByteTextComesFirst() throws Exception {
    Body body = Body.of("{\"messages\":[{\"role\":\"user\",\"content\":\"héllo 🚀 日本語 \\\"q\\\"\"}],\"model\":", "\"sa\"", ",\"n\":2}");
    assertThat(body.bytes.length).isGreaterThan(new String(body.bytes, StandardCharsets.UTF_8).length());

    BodyScan scan = scanExpectingModelAt(body, "sa");
    assertSpliceReplacesOnlyTheModel(body.bytes, scan);
  }

  @Test
  void findsTheModelFirstInTheMiddleOrLast() throws Exception {
    List<Body> bodies = List.of(
        Body.of("{\"model\":", "\"m\"", ",\"messages\":[{\"content\":\"x\"}],\"stream\":true}"),
        Body.of("{\"messages\":[{\"content\":\"x\"}],\"model\":", "\"m\"", ",\"stream\":true}"),
        Body.of("{\"messages\":[{\"content\":\"x\"}],\"stream\":true,\"model\":", "\"m\"", "}"),
        Body.of("{\"model\":", "\"m\"", "}"));
    for (Body body : bodies) {
      BodyScan scan = scanExpectingModelAt(body, "m");
      assertSpliceReplacesOnlyTheModel(body.bytes, scan);
    }
  }

  @Test
  void readsOnlyTheFirstLengthBytesOfTheBuffer() {
    byte[] json = "{\"model\":\"m\"}".getBytes(StandardCharsets.UTF_8);
    byte[] buffer = Arrays.copyOf(json, json.length + 64);
    Arrays.fill(buffer, json.length, buffer.length, (byte) 'x');

    BodyScan scan = BodyScan.scan(buffer, json.length, null);

    assertThat(scan.problem).isNull();
    assertThat(scan.model).isEqualTo("m");
    assertThat(scan.modelEnd).isEqualTo(json.length - 1);
  }

  @Test
  void skipsAUtf8ByteOrderMarkAndKeepsOffsetsIntoTheRawBytes() throws Exception {
    Body body = Body.of("\uFEFF{\"model\":", "\"m\"", "}");
    assertThat(body.bytes[0]).isEqualTo((byte) 0xEF);

    scanExpectingModelAt(body, "m");
  }

  @Test
  void refusesABodyThatIsNotUtf8InsteadOfReportingUnusableOffsets() {
    byte[] utf16 = "{\"model\":\"support-agent\",\"messages\":[]}".getBytes(StandardCharsets.UTF_16);
    byte[] utf32 = "{\"model\":\"m\"}".getBytes(java.nio.charset.Charset.forName("UTF-32BE"));

    for (byte[] body : List.of(utf16, utf32)) {
      BodyScan scan = BodyScan.scan(body, body.length, null);
      assertThat(scan.problem).contains("UTF-8");
    }
  }

  @Test
  void readsStreamOnlyWhenItIsTheLiteralTrue() {
    assertThat(scan("{\"model\":\"m\",\"stream\":true}").stream).isTrue();
    assertThat(scan("{\"stream\" : true , \"model\":\"m\"}").stream).isTrue();
    assertThat(scan("{\"model\":\"m\",\"stream\":false}").stream).isFalse();
    assertThat(scan("{\"model\":\"m\"}").stream).isFalse();
    assertThat(scan("{\"model\":\"m\",\"stream\":\"true\"}").stream).isFalse();
    assertThat(scan("{\"model\":\"m\",\"stream\":1}").stream).isFalse();
    assertThat(scan("{\"model\":\"m\",\"stream\":null}").stream).isFalse();
    assertThat(scan("{\"model\":\"m\",\"options\":{\"stream\":true}}").stream).isFalse();
  }

  @Test
  void readsTheStickyFieldAtTheTopLevelOnly() {
    assertThat(sticky("{\"model\":\"m\",\"user\":\"u-1\"}")).isEqualTo("u-1");
    assertThat(sticky("{\"user\":\"u-\\u0031\",\"model\":\"m\"}")).isEqualTo("u-1");
    assertThat(sticky("{\"model\":\"m\",\"user\":42}")).isEqualTo("42");
    assertThat(sticky("{\"model\":\"m\",\"metadata\":{\"user\":\"nested\"}}")).isNull();
    assertThat(sticky("{\"model\":\"m\",\"messages\":[{\"user\":\"nested\"}]}")).isNull();
    assertThat(sticky("{\"model\":\"m\",\"user\":null}")).isNull();
    assertThat(sticky("{\"model\":\"m\",\"user\":{\"id\":\"x\"}}")).isNull();
    assertThat(sticky("{\"model\":\"m\",\"user\":[\"x\"]}")).isNull();
  }

  private static String sticky(String json) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    BodyScan scan = BodyScan.scan(bytes, bytes.length, "user");
    assertThat(scan.problem).isNull();
    return scan.stickyValue;
  }

  @Test
  void refusesASecondTopLevelModelButNotANestedOne() {
    BodyScan twice = scan("{\"model\":\"a\",\"messages\":[],\"model\":\"b\"}");
    assertThat(twice.problem).contains("more than one 'model'");
    assertThat(twice.problemParam).isEqualTo("model");

    BodyScan escapedTwin = scan("{\"model\":\"a\",\"m\\u006fdel\":\"b\"}");
    assertThat(escapedTwin.problem).contains("more than one 'model'");

    BodyScan nested = scan("{\"model\":\"a\",\"extra\":{\"model\":\"b\"},\"messages\":[{\"model\":\"c\"}]}");
    assertThat(nested.problem).isNull();
    assertThat(nested.model).isEqualTo("a");
  }

  @Test
  void refusesAMissingOrNonStringModel() {
    for (String json : List.of("{}", "{\"messages\":[]}", "{\"extra\":{\"model\":\"nested only\"}}")) {
      assertThat(scan(json).problem).as(json).isEqualTo("You must provide a model parameter.");
      assertThat(scan(json).problemParam).isEqualTo("model");
    }
    for (String json : List.of("{\"model\":7}", "{\"model\":null}", "{\"model\":{\"name\":\"m\"}}", "{\"model\":[\"m\"]}", "{\"model\":true}")) {
      assertThat(scan(json).problem).as(json).isEqualTo("'model' must be a string.");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", " ", "\n\t", "[1,2]", "\"model\"", "42", "null", "true",
      "{\"model\":\"m\"} x", "{\"model\":\"m\"}{}", "{\"model\":\"m\"}]", "{\"model\":\"m\"},",
      "{\"model\":\"m\"", "{\"model\":", "{\"model\"", "{\"mod", "{", "{\"model\":\"m", "{\"model\":\"m\",}",
      "{\"model\":\"m\" \"x\":1}", "{model:\"m\"}", "{'model':'m'}", "{\"model\":\"m\",\"x\":01}", "{\"model\":\"m\",\"x\":NaN}",
      "{\"model\":\"\\x\"}", "{\"model\":\"a\u0001b\"}", "{\"model\":\"m\"} // comment", "\u0000{\"model\":\"m\"}"})
  void refusesEverythingButOneWellFormedObjectWithAProblemMessage(String json) {
    BodyScan scan = scan(json);

    assertThat(scan.problem).isNotBlank();
  }

  @Test
  void refusesPathologicallyDeepNestingWithoutThrowing() {
    String deepArrays = "{\"model\":\"m\",\"x\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}";
    String deepObjects = "{\"model\":\"m\",\"x\":" + "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000) + "}";
    String unclosed = "{\"model\":\"m\",\"x\":" + "[".repeat(100_000);

    for (String json : List.of(deepArrays, deepObjects, unclosed, "[".repeat(10_000))) {
      assertThatCode(() -> assertThat(scan(json).problem).isNotBlank()).doesNotThrowAnyException();
    }
  }

  @Test
  void acceptsNestingWellWithinTheLimit() {
    String nested = "{\"model\":\"m\",\"x\":" + "[".repeat(200) + "]".repeat(200) + "}";

    assertThat(scan(nested).problem).isNull();
  }

  // ---- properties ----

  @Property(tries = 500)
  void randomObjectsWithAModelAlwaysScanToTheModelsExactBytes(@ForAll("models") String model, @ForAll long seed) throws Exception {
    Random random = new Random(seed);
    StringBuilder json = new StringBuilder("{").append(space(random));
    int membersBefore = random.nextInt(4);
    int membersAfter = random.nextInt(4);
    Boolean stream = random.nextInt(3) == 0 ? null : random.nextBoolean();
    int streamAt = random.nextInt(membersBefore + membersAfter + 1);
    int member = 0;
    for (int i = 0; i < membersBefore; i++, member++) {
      appendMember(json, random, member == streamAt ? stream : null);
      json.append(',').append(space(random));
    }
    json.append(random.nextBoolean() ? "\"model\"" : "\"m\\u006fdel\"").append(space(random)).append(':').append(space(random));
    String before = json.toString();
    String literal = quote(model, random);
    json.setLength(0);
    for (int i = 0; i < membersAfter; i++, member++) {
      json.append(space(random)).append(',').append(space(random));
      appendMember(json, random, member == streamAt ? stream : null);
    }
    json.append(space(random)).append('}').append(space(random));
    Body body = Body.of(before, literal, json.toString());

    BodyScan scan = scanExpectingModelAt(body, model);

    JsonNode parsed = JSON.readTree(body.bytes);
    assertThat(parsed.path("model").asText()).isEqualTo(model);
    assertThat(scan.stream).isEqualTo(parsed.path("stream").isBoolean() && parsed.path("stream").booleanValue());
    assertSpliceReplacesOnlyTheModel(body.bytes, scan);
  }

  @Provide
  Arbitrary<String> models() {
    Arbitrary<String> text = Arbitraries.strings().withCharRange('\u0000', '\ud7ff').ofMaxLength(40);
    Arbitrary<String> names = Arbitraries.strings().withChars("abcXYZ019.-_/:@").ofMinLength(1).ofMaxLength(30);
    return Arbitraries.oneOf(text, names, names.map(n -> n + "🚀\"\\é"));
  }

  // A field name never equal to "model" and a value of random shape, which may hold "model" keys of its own.
  private static void appendMember(StringBuilder json, Random random, Boolean stream) {
    if (stream != null) {
      json.append("\"stream\"").append(space(random)).append(':').append(space(random)).append(stream);
      return;
    }
    json.append(quote("k" + randomText(random), random)).append(space(random)).append(':').append(space(random));
    appendValue(json, random, 0);
  }

  private static void appendValue(StringBuilder json, Random random, int depth) {
    int kind = random.nextInt(depth >= 4 ? 6 : 8);
    switch (kind) {
      case 0 -> json.append("null");
      case 1 -> json.append(random.nextBoolean());
      case 2 -> json.append(random.nextInt());
      case 3 -> json.append(random.nextDouble() * 1e6 - 5e5);
      case 4, 5 -> json.append(quote(random.nextInt(5) == 0 ? "model" : randomText(random), random));
      case 6 -> {
        json.append('[').append(space(random));
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
          if (i > 0) {
            json.append(',').append(space(random));
          }
          appendValue(json, random, depth + 1);
        }
        json.append(space(random)).append(']');
      }
      default -> {
        json.append('{').append(space(random));
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
          if (i > 0) {
            json.append(',').append(space(random));
          }
          json.append(quote(i == 0 ? "model" : "n" + i, random)).append(':');
          appendValue(json, random, depth + 1);
        }
        json.append(space(random)).append('}');
      }
    }
  }

  private static String randomText(Random random) {
    int[] alphabet = "abc xyz é日🚀\"\\/\n\t\u0001".codePoints().toArray();
    StringBuilder out = new StringBuilder();
    int n = random.nextInt(12);
    for (int i = 0; i < n; i++) {
      out.appendCodePoint(alphabet[random.nextInt(alphabet.length)]);
    }
    return out.toString();
  }

  private static String space(Random random) {
    String[] choices = {"", "", "", " ", "\n", "\t", "\r\n  "};
    return choices[random.nextInt(choices.length)];
  }

  // A JSON string literal that escapes what it must and, at random, much of what it need not.
  private static String quote(String text, Random random) {
    StringBuilder out = new StringBuilder("\"");
    text.codePoints().forEach(c -> {
      if (c == '"' || c == '\\') {
        out.append('\\').append((char) c);
      } else if (c < 0x20 || random.nextInt(6) == 0) {
        for (char unit : Character.toChars(c)) {
          out.append(String.format("\\u%04x", (int) unit));
        }
      } else if (c == '/' && random.nextBoolean()) {
        out.append("\\/");
      } else {
        out.appendCodePoint(c);
      }
    });
    return out.append('"').toString();
  }

  @Property(tries = 2000)
  void arbitraryBytesNeverThrowAndAnAcceptedScanPointsAtAQuotedString(@ForAll byte[] bytes) {
    assertScanIsSafe(bytes);
  }

  @Property(tries = 2000)
  void damagedValidBodiesNeverThrow(@ForAll long seed) {
    Random random = new Random(seed);
    byte[] body = ("{\"model\":\"support-agent\",\"stream\":true,\"user\":\"u\",\"messages\":[{\"role\":\"user\",\"content\":\"h\u00e9 \\\"q\\\"\"}],"
        + "\"extra\":{\"model\":\"x\",\"n\":[1,2.5e3,null,true]}}").getBytes(StandardCharsets.UTF_8);
    int damages = 1 + random.nextInt(3);
    for (int i = 0; i < damages; i++) {
      int at = random.nextInt(body.length);
      switch (random.nextInt(3)) {
        case 0 -> body[at] = (byte) random.nextInt(256);
        case 1 -> body = Arrays.copyOf(body, at);
        default -> {
          byte[] longer = new byte[body.length + 1];
          System.arraycopy(body, 0, longer, 0, at);
          byte[] punctuation = "{}[]\",:\\ \u0000".getBytes(StandardCharsets.UTF_8);
          longer[at] = punctuation[random.nextInt(punctuation.length)];
          System.arraycopy(body, at, longer, at + 1, body.length - at);
          body = longer;
        }
      }
      if (body.length == 0) {
        break;
      }
    }
    assertScanIsSafe(body);
  }

  /**
   * The scan is hand-written; Jackson is the reference. Random bodies (objects with a model, a
   * stream flag, a sticky field and values of every shape), half of them damaged: both must accept
   * the same bodies and read the same fields from them. A damage that breaks UTF-8 must be refused.
   */
  @Property(tries = 3000)
  void agreesWithAJacksonScanOnRandomAndDamagedBodies(@ForAll("models") String model, @ForAll long seed) throws Exception {
    Random random = new Random(seed);
    StringBuilder json = new StringBuilder("{").append(space(random));
    int members = random.nextInt(5);
    int modelAt = random.nextInt(members + 1);
    for (int m = 0; m <= members; m++) {
      if (m > 0) {
        json.append(',').append(space(random));
      }
      switch (m == modelAt ? 0 : 1 + random.nextInt(4)) {
        case 0 -> json.append(quote("model", random)).append(':').append(space(random)).append(quote(model, random));
        case 1 -> json.append(quote("stream", random)).append(':').append(random.nextBoolean());
        case 2 -> {
          json.append(quote("user", random)).append(space(random)).append(':').append(space(random));
          appendValue(json, random, 3);
        }
        default -> appendMember(json, random, null);
      }
    }
    json.append(space(random)).append('}').append(space(random));
    byte[] body = json.toString().getBytes(StandardCharsets.UTF_8);
    if (random.nextBoolean()) {
      body = damaged(body, random);
    }

    BodyScan scan = BodyScan.scan(body, body.length, "user");
    // A connection's scan, reused after the bodies of earlier tries (often damaged), finds the same.
    BodyScan reused = REUSED.rescan(body, body.length, "user", List.of());
    assertThat(List.of(String.valueOf(reused.model), reused.modelStart, reused.modelEnd, reused.stream, String.valueOf(reused.stickyValue),
        reused.temperatureZero, reused.choices, String.valueOf(reused.problem), String.valueOf(reused.problemParam)))
        .isEqualTo(List.of(String.valueOf(scan.model), scan.modelStart, scan.modelEnd, scan.stream, String.valueOf(scan.stickyValue),
            scan.temperatureZero, scan.choices, String.valueOf(scan.problem), String.valueOf(scan.problemParam)));

    if (!isUtf8(body)) {
      assertThat(scan.problem).as(new String(body, StandardCharsets.ISO_8859_1)).isNotNull();
      return;
    }
    JacksonScan reference = JacksonScan.scan(body, "user");
    String shown = new String(body, StandardCharsets.UTF_8);
    assertThat(scan.problem == null).as("accepted: %s (Jackson: %s, scan: %s)", shown, reference.problem, scan.problem)
        .isEqualTo(reference.problem == null);
    if (scan.problem == null) {
      assertThat(scan.model).as(shown).isEqualTo(reference.model);
      assertThat(scan.modelStart).as(shown).isEqualTo(reference.modelStart);
      assertThat(scan.modelEnd).as(shown).isEqualTo(reference.modelEnd);
      assertThat(scan.stream).as(shown).isEqualTo(reference.stream);
      assertThat(scan.stickyValue).as(shown).isEqualTo(reference.stickyValue);
    } else if (!reference.problem.startsWith("malformed")) {
      // Where the body is well-formed JSON, both refuse it for the same field.
      assertThat(scan.problemParam).as(shown).isEqualTo(reference.problemParam);
    }
  }

  private static final String DAMAGE = "{}[]\",:\\ x0-.eE+tn\u0000";

  private static byte[] damaged(byte[] body, Random random) {
    int at = random.nextInt(body.length);
    byte[] out;
    switch (random.nextInt(3)) {
      case 0 -> {
        out = new byte[body.length - 1];
        System.arraycopy(body, 0, out, 0, at);
        System.arraycopy(body, at + 1, out, at, body.length - at - 1);
      }
      case 1 -> {
        out = body.clone();
        out[at] = (byte) DAMAGE.charAt(random.nextInt(DAMAGE.length()));
      }
      default -> {
        out = new byte[body.length + 1];
        System.arraycopy(body, 0, out, 0, at);
        out[at] = (byte) DAMAGE.charAt(random.nextInt(DAMAGE.length()));
        System.arraycopy(body, at, out, at + 1, body.length - at);
      }
    }
    return out;
  }

  private static boolean isUtf8(byte[] bytes) {
    try {
      StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes));
      return true;
    } catch (java.nio.charset.CharacterCodingException e) {
      return false;
    }
  }

  /** The scan as Jackson's streaming parser does it: the reference the hand-written one must agree with. */
  private static final class JacksonScan {
    private static final com.fasterxml.jackson.core.JsonFactory FACTORY = com.fasterxml.jackson.core.JsonFactory.builder()
        .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder().maxNestingDepth(BodyScan.MAX_DEPTH).build())
        .build();
    String model;
    int modelStart;
    int modelEnd;
    boolean stream;
    String stickyValue;
    String problem;
    String problemParam;

    static JacksonScan scan(byte[] body, String stickyField) {
      JacksonScan scan = new JacksonScan();
      try (com.fasterxml.jackson.core.JsonParser parser = FACTORY.createParser(body)) {
        scan.read(parser, stickyField);
      } catch (java.io.IOException | RuntimeException e) {
        scan.problem = "malformed: " + e.getMessage();
      }
      return scan;
    }

    private void read(com.fasterxml.jackson.core.JsonParser parser, String stickyField) throws java.io.IOException {
      if (parser.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
        problem = "not an object";
        return;
      }
      boolean seenModel = false;
      com.fasterxml.jackson.core.JsonToken token;
      while ((token = parser.nextToken()) == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        com.fasterxml.jackson.core.JsonToken value = parser.nextToken();
        if (field.equals("model")) {
          if (seenModel) {
            problem = "two models";
            problemParam = "model";
            return;
          }
          seenModel = true;
          if (value != com.fasterxml.jackson.core.JsonToken.VALUE_STRING) {
            problem = "model not a string";
            problemParam = "model";
            return;
          }
          modelStart = (int) parser.currentTokenLocation().getByteOffset();
          model = parser.getText();
          modelEnd = (int) parser.currentLocation().getByteOffset();
        } else if (field.equals("stream")) {
          stream = value == com.fasterxml.jackson.core.JsonToken.VALUE_TRUE;
          parser.skipChildren();
        } else if (field.equals(stickyField) && value.isScalarValue() && value != com.fasterxml.jackson.core.JsonToken.VALUE_NULL) {
          stickyValue = parser.getText();
        } else {
          parser.skipChildren();
        }
      }
      if (token != com.fasterxml.jackson.core.JsonToken.END_OBJECT || parser.nextToken() != null) {
        problem = "content after the object";
        return;
      }
      if (!seenModel) {
        problem = "no model";
        problemParam = "model";
      }
    }
  }

  private static void assertScanIsSafe(byte[] bytes) {
    BodyScan[] result = new BodyScan[1];
    assertThatCode(() -> result[0] = BodyScan.scan(bytes, bytes.length, "user")).doesNotThrowAnyException();
    BodyScan scan = result[0];
    if (scan.problem == null) {
      assertThat(scan.model).isNotNull();
      assertThat(scan.modelStart).isBetween(0, bytes.length - 2);
      assertThat(scan.modelEnd).isBetween(scan.modelStart + 2, bytes.length);
      assertThat(bytes[scan.modelStart]).isEqualTo((byte) '"');
      assertThat(bytes[scan.modelEnd - 1]).isEqualTo((byte) '"');
    } else {
      assertThat(scan.problem).isNotBlank();
    }
  }

  @Test
  void keepsTheTopLevelStringFieldsSegmentsReadInTheSamePass() {
    byte[] body = ("{\"user\":\"emp-7\",\"model\":\"support-agent\",\"metadata\":{\"team\":\"nested\"},\"team\":42,"
        + "\"messages\":[{\"user\":\"inner\"}]}").getBytes(StandardCharsets.UTF_8);

    BodyScan scan = BodyScan.scan(body, body.length, null, List.of("team", "user", "tier"));

    assertThat(scan.problem).isNull();
    assertThat(scan.model).isEqualTo("support-agent");
    assertThat(scan.field("user")).isEqualTo("emp-7");
    // A number is not a string field, a nested one is not top-level, and an absent one is absent.
    assertThat(scan.field("team")).isNull();
    assertThat(scan.field("tier")).isNull();
    assertThat(scan.field("model")).isNull();
  }

  @Test
  void oneBodyFieldKeysBothTheStickyKeyAndASegment() {
    byte[] bytes = "{\"model\":\"m\",\"user\":\"emp-42\",\"team\":\"ml\"}".getBytes(StandardCharsets.UTF_8);

    BodyScan scan = BodyScan.scan(bytes, bytes.length, "user", List.of("user", "team"));

    assertThat(scan.stickyValue).isEqualTo("emp-42");
    assertThat(scan.field("user")).isEqualTo("emp-42");
    assertThat(scan.field("team")).isEqualTo("ml");
  }
}
