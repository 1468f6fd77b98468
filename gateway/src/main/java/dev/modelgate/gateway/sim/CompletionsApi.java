package dev.modelgate.gateway.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;

/** {@code POST /v1/completions}, the legacy {@code text_completion} shape, streamed or whole. */
final class CompletionsApi implements TextApi {

  @Override
  public Generation plan(ObjectNode request, String model, int tokens) {
    JsonNode prompt = request.get("prompt");
    if (prompt == null || prompt.isNull()) {
      throw ApiError.missing("prompt");
    }
    Requests.checkSingleChoice(request);
    return Generation.of(
        request,
        "cmpl-",
        model,
        promptTokens(prompt),
        Requests.limit(request, "max_tokens"),
        tokens,
        Requests.includeUsage(request));
  }

  /** A string, an array of strings, a token-id array, or an array of token-id arrays. */
  private static int promptTokens(JsonNode prompt) {
    if (prompt.isTextual()) {
      return Requests.words(prompt.asText());
    }
    if (Requests.isTokenArray(prompt)) {
      return prompt.size();
    }
    if (prompt.isArray() && !prompt.isEmpty()) {
      int tokens = 0;
      for (JsonNode element : prompt) {
        if (element.isTextual()) {
          tokens += Requests.words(element.asText());
        } else if (Requests.isTokenArray(element)) {
          tokens += element.size();
        } else {
          throw invalidPrompt();
        }
      }
      return tokens;
    }
    throw invalidPrompt();
  }

  private static ApiError invalidPrompt() {
    return ApiError.invalid(
        "prompt",
        "'prompt' must be a string, an array of strings, or an array of token ids or of such"
            + " arrays");
  }

  @Override
  public Buffer whole(Generation g) {
    ObjectNode root = head(g);
    choice(root, g.text(), ChatApi.finishReason(g));
    root.set("usage", ChatApi.usage(g));
    return Json.buffer(root);
  }

  @Override
  public Buffer token(Generation g, int index) {
    return Json.appendData(Buffer.buffer(), chunk(g, Lorem.piece(index), null));
  }

  @Override
  public Buffer end(Generation g) {
    Buffer out = Json.appendData(Buffer.buffer(), chunk(g, "", ChatApi.finishReason(g)));
    if (g.includeUsage()) {
      ObjectNode last = head(g);
      last.putArray("choices");
      last.set("usage", ChatApi.usage(g));
      Json.appendData(out, last);
    }
    return Json.appendDone(out);
  }

  private static ObjectNode chunk(Generation g, String text, String finishReason) {
    ObjectNode chunk = head(g);
    choice(chunk, text, finishReason);
    if (g.includeUsage()) {
      chunk.putNull("usage");
    }
    return chunk;
  }

  private static void choice(ObjectNode root, String text, String finishReason) {
    root.putArray("choices")
        .addObject()
        .put("text", text)
        .put("index", 0)
        .putNull("logprobs")
        .put("finish_reason", finishReason);
  }

  /** OpenAI names streamed chunks {@code text_completion} too, unlike chat's {@code .chunk}. */
  private static ObjectNode head(Generation g) {
    return Json.object()
        .put("id", g.id())
        .put("object", "text_completion")
        .put("created", g.created())
        .put("model", g.model());
  }
}
