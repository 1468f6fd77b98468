package dev.modelgate.gateway.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;

/**
 * {@code POST /v1/responses}: one assistant message with one {@code output_text} part.
 *
 * <p>A stream sends OpenAI's full event sequence, numbered by {@code sequence_number}: {@code
 * response.created}, {@code response.in_progress}, {@code response.output_item.added}, {@code
 * response.content_part.added}, one {@code response.output_text.delta} per token, {@code
 * response.output_text.done}, {@code response.content_part.done}, {@code response.output_item.done}
 * and {@code response.completed} (or {@code response.incomplete} when {@code max_output_tokens} cut
 * it short). The opening four go out with the first token, so time to first byte is the simulated
 * time to first token for every API alike; there is no {@code [DONE]}.
 */
final class ResponsesApi implements TextApi {
  /** Events before the first delta, so delta {@code i} is event {@code OPENING + i}. */
  private static final int OPENING = 4;

  @Override
  public Generation plan(ObjectNode request, String model, int tokens) {
    int promptTokens = Requests.contentWords(request.get("instructions"));
    JsonNode input = request.get("input");
    if (input != null && !input.isNull()) {
      if (input.isTextual()) {
        promptTokens += Requests.words(input.asText());
      } else if (input.isArray()) {
        for (JsonNode item : input) {
          promptTokens += Requests.contentWords(item.get("content"));
        }
      } else {
        throw ApiError.invalid("input", "'input' must be a string or an array of input items");
      }
    }
    return Generation.of(
        request,
        "resp_",
        model,
        promptTokens,
        Requests.limit(request, "max_output_tokens"),
        tokens,
        false);
  }

  @Override
  public Buffer whole(Generation g) {
    return Json.buffer(response(g, true));
  }

  @Override
  public Buffer token(Generation g, int index) {
    Buffer out = Buffer.buffer();
    if (index == 0) {
      Json.appendEvent(out, event("response.created", 0).set("response", response(g, false)));
      Json.appendEvent(out, event("response.in_progress", 1).set("response", response(g, false)));
      ObjectNode added = event("response.output_item.added", 2).put("output_index", 0);
      added.set("item", message(g, false));
      Json.appendEvent(out, added);
      ObjectNode part = inItem(g, event("response.content_part.added", 3));
      part.set("part", outputText(""));
      Json.appendEvent(out, part);
    }
    ObjectNode delta = inItem(g, event("response.output_text.delta", OPENING + index));
    delta.put("delta", Lorem.piece(index)).putArray("logprobs");
    return Json.appendEvent(out, delta);
  }

  @Override
  public Buffer end(Generation g) {
    int sequence = OPENING + g.completionTokens();
    Buffer out = Buffer.buffer();
    ObjectNode textDone = inItem(g, event("response.output_text.done", sequence++));
    textDone.put("text", g.text()).putArray("logprobs");
    Json.appendEvent(out, textDone);
    ObjectNode partDone = inItem(g, event("response.content_part.done", sequence++));
    partDone.set("part", outputText(g.text()));
    Json.appendEvent(out, partDone);
    ObjectNode itemDone = event("response.output_item.done", sequence++).put("output_index", 0);
    itemDone.set("item", message(g, true));
    Json.appendEvent(out, itemDone);
    String last = g.truncated() ? "response.incomplete" : "response.completed";
    return Json.appendEvent(out, event(last, sequence).set("response", response(g, true)));
  }

  private static ObjectNode event(String type, int sequence) {
    return Json.object().put("type", type).put("sequence_number", sequence);
  }

  private static ObjectNode inItem(Generation g, ObjectNode event) {
    return event.put("item_id", messageId(g)).put("output_index", 0).put("content_index", 0);
  }

  /**
   * The response object; before it is {@code done} it is {@code in_progress} with no output and no
   * usage. Request settings are echoed back as OpenAI does, with its defaults when not sent.
   */
  private static ObjectNode response(Generation g, boolean done) {
    ObjectNode request = g.request();
    ObjectNode r =
        Json.object()
            .put("id", g.id())
            .put("object", "response")
            .put("created_at", g.created())
            .put("status", done ? status(g) : "in_progress")
            .put("background", false)
            .putNull("error");
    if (done && g.truncated()) {
      r.putObject("incomplete_details").put("reason", "max_output_tokens");
    } else {
      r.putNull("incomplete_details");
    }
    r.set("instructions", echo(request, "instructions"));
    r.set("max_output_tokens", echo(request, "max_output_tokens"));
    r.put("model", g.model());
    if (done) {
      r.putArray("output").add(message(g, true));
    } else {
      r.putArray("output");
    }
    r.put("parallel_tool_calls", request.path("parallel_tool_calls").asBoolean(true));
    r.set("previous_response_id", echo(request, "previous_response_id"));
    r.putObject("reasoning").putNull("effort").putNull("summary");
    r.put("service_tier", "default");
    r.put("store", request.path("store").asBoolean(true));
    r.put("temperature", request.path("temperature").asDouble(1.0));
    r.putObject("text").putObject("format").put("type", "text");
    r.put("tool_choice", "auto");
    r.putArray("tools");
    r.put("top_p", request.path("top_p").asDouble(1.0));
    r.put("truncation", "disabled");
    if (done) {
      ObjectNode usage = r.putObject("usage").put("input_tokens", g.promptTokens());
      usage.putObject("input_tokens_details").put("cached_tokens", 0);
      usage.put("output_tokens", g.completionTokens());
      usage.putObject("output_tokens_details").put("reasoning_tokens", 0);
      usage.put("total_tokens", g.totalTokens());
    } else {
      r.putNull("usage");
    }
    r.set("user", echo(request, "user"));
    JsonNode metadata = request.get("metadata");
    r.set("metadata", metadata != null && metadata.isObject() ? metadata : Json.object());
    return r;
  }

  private static JsonNode echo(ObjectNode request, String field) {
    JsonNode value = request.get(field);
    return value == null ? NullNode.instance : value;
  }

  private static ObjectNode message(Generation g, boolean done) {
    ObjectNode message =
        Json.object()
            .put("id", messageId(g))
            .put("type", "message")
            .put("status", done ? status(g) : "in_progress")
            .put("role", "assistant");
    if (done) {
      message.putArray("content").add(outputText(g.text()));
    } else {
      message.putArray("content");
    }
    return message;
  }

  private static ObjectNode outputText(String text) {
    ObjectNode part = Json.object().put("type", "output_text").put("text", text);
    part.putArray("annotations");
    part.putArray("logprobs");
    return part;
  }

  private static String status(Generation g) {
    return g.truncated() ? "incomplete" : "completed";
  }

  /** The message shares the response's random suffix: unique without a second random draw. */
  private static String messageId(Generation g) {
    return "msg_" + g.id().substring("resp_".length());
  }
}
