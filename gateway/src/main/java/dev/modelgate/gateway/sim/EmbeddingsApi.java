package dev.modelgate.gateway.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code POST /v1/embeddings}. A vector is a pure function of its input text (a 64-bit FNV-1a hash
 * seeding a {@link SplittableRandom}, scaled to unit length like OpenAI's), so equal inputs embed
 * equally across runs and processes, and tests can compare encodings.
 */
final class EmbeddingsApi {
  static final int DEFAULT_DIMENSIONS = 8;

  /** text-embedding-3-large's size; a bound on what one request can make the simulator build. */
  private static final int MAX_DIMENSIONS = 3072;

  private EmbeddingsApi() {}

  /** The whole response body, or {@link ApiError} for a request OpenAI would refuse. */
  static Buffer answer(ObjectNode request, String model) {
    List<String> inputs = new ArrayList<>();
    int promptTokens = inputs(request.get("input"), inputs);
    boolean base64 = base64(request.get("encoding_format"));
    int dimensions = Requests.limit(request, "dimensions");
    if (dimensions == 0) {
      dimensions = DEFAULT_DIMENSIONS;
    } else if (dimensions > MAX_DIMENSIONS) {
      throw ApiError.invalid(
          "dimensions", "'dimensions' must be at most " + MAX_DIMENSIONS + ", got " + dimensions);
    }
    ObjectNode root = Json.object().put("object", "list");
    ArrayNode data = root.putArray("data");
    for (int i = 0; i < inputs.size(); i++) {
      ObjectNode item = data.addObject().put("object", "embedding").put("index", i);
      float[] vector = vector(inputs.get(i), dimensions);
      if (base64) {
        item.put("embedding", base64(vector));
      } else {
        ArrayNode values = item.putArray("embedding");
        for (float value : vector) {
          values.add(value);
        }
      }
    }
    root.put("model", model);
    root.putObject("usage").put("prompt_tokens", promptTokens).put("total_tokens", promptTokens);
    return Json.buffer(root);
  }

  /**
   * Collects the texts to embed (a token-id array becomes its ids joined by commas) and returns
   * their prompt tokens. OpenAI's forms: a string, an array of strings, one token-id array, or an
   * array of token-id arrays.
   */
  private static int inputs(JsonNode input, List<String> into) {
    if (input == null || input.isNull()) {
      throw ApiError.missing("input");
    }
    if (input.isTextual()) {
      into.add(input.asText());
      return Requests.words(input.asText());
    }
    if (Requests.isTokenArray(input)) {
      into.add(joinIds(input));
      return input.size();
    }
    if (!input.isArray() || input.isEmpty()) {
      throw invalidInput();
    }
    int tokens = 0;
    for (JsonNode element : input) {
      if (element.isTextual()) {
        into.add(element.asText());
        tokens += Requests.words(element.asText());
      } else if (Requests.isTokenArray(element)) {
        into.add(joinIds(element));
        tokens += element.size();
      } else {
        throw invalidInput();
      }
    }
    return tokens;
  }

  private static ApiError invalidInput() {
    return ApiError.invalid(
        "input",
        "'input' must be a string, an array of strings, or an array of token ids or of such"
            + " arrays");
  }

  private static boolean base64(JsonNode format) {
    if (format == null || format.isNull() || format.asText().equals("float")) {
      return false;
    }
    if (format.asText().equals("base64")) {
      return true;
    }
    throw ApiError.invalid(
        "encoding_format", "'encoding_format' must be 'float' or 'base64', got " + format);
  }

  private static String joinIds(JsonNode ids) {
    StringBuilder joined = new StringBuilder();
    for (JsonNode id : ids) {
      if (joined.length() > 0) {
        joined.append(',');
      }
      joined.append(id.asLong());
    }
    return joined.toString();
  }

  static float[] vector(String input, int dimensions) {
    long hash = 0xcbf29ce484222325L;
    for (byte b : input.getBytes(StandardCharsets.UTF_8)) {
      hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
    }
    SplittableRandom random = new SplittableRandom(hash);
    float[] vector = new float[dimensions];
    double sumOfSquares = 0;
    for (int i = 0; i < dimensions; i++) {
      vector[i] = (float) (random.nextDouble() * 2 - 1);
      sumOfSquares += (double) vector[i] * vector[i];
    }
    double norm = Math.sqrt(sumOfSquares);
    for (int i = 0; i < dimensions; i++) {
      vector[i] = (float) (vector[i] / norm);
    }
    return vector;
  }

  /** OpenAI's {@code base64} encoding: the float32 values, little-endian, back to back. */
  static String base64(float[] vector) {
    ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES);
    bytes.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(vector);
    return Base64.getEncoder().encodeToString(bytes.array());
  }
}
