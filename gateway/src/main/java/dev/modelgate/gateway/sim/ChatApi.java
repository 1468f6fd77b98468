package dev.modelgate.gateway.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;

/** {@code POST /v1/chat/completions}: {@code chat.completion} and {@code chat.completion.chunk}. */
final class ChatApi implements TextApi {

  @Override
  public Generation plan(ObjectNode request, String model, int tokens) {
    JsonNode messages = request.get("messages");
    if (messages == null || messages.isNull()) {
      throw ApiError.missing("messages");
    }
    if (!messages.isArray() || messages.isEmpty()) {
      throw ApiError.invalid("messages", "'messages' must be a non-empty array of messages");
    }
    int promptTokens = 0;
    for (JsonNode message : messages) {
      promptTokens += Requests.contentWords(message.get("content"));
    }
    Requests.checkSingleChoice(request);
    // vLLM's precedence: the newer field wins when both are sent.
    int limit = Requests.limit(request, "max_completion_tokens");
    if (limit == 0) {
      limit = Requests.limit(request, "max_tokens");
    }
    return Generation.of(
        request, "chatcmpl-", model, promptTokens, limit, tokens, Requests.includeUsage(request));
  }

  @Override
  public Buffer whole(Generation g) {
    ObjectNode root = head(g, "chat.completion");
    ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
    choice
        .putObject("message")
        .put("role", "assistant")
        .put("content", g.text())
        .putNull("refusal");
    choice.putNull("logprobs").put("finish_reason", finishReason(g));
    root.set("usage", usage(g));
    return Json.buffer(root);
  }

  @Override
  public Buffer token(Generation g, int index) {
    ObjectNode delta = Json.object();
    // The role rides on the first token instead of an empty chunk of its own (as OpenAI sends it),
    // so the first event is the first token and arrives exactly at the time to first token.
    if (index == 0) {
      delta.put("role", "assistant");
    }
    delta.put("content", Lorem.piece(index));
    return Json.appendData(Buffer.buffer(), chunk(g, delta, null));
  }

  @Override
  public Buffer end(Generation g) {
    Buffer out = Json.appendData(Buffer.buffer(), chunk(g, Json.object(), finishReason(g)));
    if (g.includeUsage()) {
      ObjectNode last = head(g, "chat.completion.chunk");
      last.putArray("choices");
      last.set("usage", usage(g));
      Json.appendData(out, last);
    }
    return Json.appendDone(out);
  }

  private static ObjectNode chunk(Generation g, ObjectNode delta, String finishReason) {
    ObjectNode chunk = head(g, "chat.completion.chunk");
    ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
    choice.set("delta", delta);
    choice.putNull("logprobs").put("finish_reason", finishReason);
    if (g.includeUsage()) {
      // OpenAI marks every chunk but the last as usage-free when usage was asked for.
      chunk.putNull("usage");
    }
    return chunk;
  }

  private static ObjectNode head(Generation g, String object) {
    return Json.object()
        .put("id", g.id())
        .put("object", object)
        .put("created", g.created())
        .put("model", g.model());
  }

  static String finishReason(Generation g) {
    return g.truncated() ? "length" : "stop";
  }

  static ObjectNode usage(Generation g) {
    return Json.object()
        .put("prompt_tokens", g.promptTokens())
        .put("completion_tokens", g.completionTokens())
        .put("total_tokens", g.totalTokens());
  }
}
