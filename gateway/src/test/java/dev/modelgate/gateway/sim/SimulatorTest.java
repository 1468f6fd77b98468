package dev.modelgate.gateway.sim;

import static java.time.Duration.ofMillis;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

@Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
class SimulatorTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Quick answers of five tokens, for tests about shape rather than timing. */
  private static final SimOptions FAST =
      SimOptions.defaults().withTtft(ofMillis(1)).withInterTokenLatency(ofMillis(1)).withTokens(5);

  private static final String FIVE_TOKENS = "lorem ipsum dolor sit amet";
  private static final String CHAT =
      "{\"model\":\"support-agent\",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},"
          + "{\"role\":\"user\",\"content\":\"hello there world\"}]}";

  private static final Queue<Throwable> uncaught = new ConcurrentLinkedQueue<>();

  private static Vertx vertx;
  private static HttpClient http;
  private Simulator simulator;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
    vertx.exceptionHandler(uncaught::add);
    http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT)
            .build();
  }

  @AfterAll
  static void stopVertx() throws Exception {
    await(vertx.close());
  }

  @AfterEach
  void stopSimulator() throws Exception {
    if (simulator != null) {
      await(simulator.close());
    }
    assertThat(uncaught).as("exceptions thrown on event loops").isEmpty();
  }

  @Test
  void answersChatCompletionEchoingTheRequestedModel() throws Exception {
    start(FAST.withModel("served-name"));

    HttpResponse<String> response = post("/v1/chat/completions", CHAT);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(response.headers().firstValue("x-sim-model")).hasValue("served-name");
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.get("id").asText()).startsWith("chatcmpl-");
    assertThat(body.get("object").asText()).isEqualTo("chat.completion");
    assertThat(body.get("created").asLong()).isPositive();
    assertThat(body.get("model").asText()).isEqualTo("support-agent");
    JsonNode choice = body.get("choices").get(0);
    assertThat(choice.get("index").asInt()).isZero();
    assertThat(choice.get("message").get("role").asText()).isEqualTo("assistant");
    assertThat(choice.get("message").get("content").asText()).isEqualTo(FIVE_TOKENS);
    assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");
    assertUsage(body.get("usage"), 5, 5);
  }

  @Test
  void takesTtftPlusInterTokenGapsForAWholeAnswer() throws Exception {
    start(FAST.withTtft(ofMillis(100)).withInterTokenLatency(ofMillis(20)).withTokens(6));

    long started = System.nanoTime();
    HttpResponse<String> response = post("/v1/chat/completions", CHAT);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(elapsedMillis(started)).isGreaterThanOrEqualTo(200);
  }

  @Test
  void stopsAtMaxTokensWithFinishReasonLength() throws Exception {
    start(FAST);

    JsonNode limited =
        postJson("/v1/chat/completions", CHAT.replace("{\"model\"", "{\"max_tokens\":2,\"model\""));
    JsonNode newerField =
        postJson(
            "/v1/chat/completions",
            CHAT.replace("{\"model\"", "{\"max_completion_tokens\":3,\"model\""));
    JsonNode generous =
        postJson(
            "/v1/chat/completions", CHAT.replace("{\"model\"", "{\"max_tokens\":50,\"model\""));

    assertThat(limited.at("/choices/0/message/content").asText()).isEqualTo("lorem ipsum");
    assertThat(limited.at("/choices/0/finish_reason").asText()).isEqualTo("length");
    assertThat(limited.at("/usage/completion_tokens").asInt()).isEqualTo(2);
    assertThat(newerField.at("/usage/completion_tokens").asInt()).isEqualTo(3);
    assertThat(generous.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(generous.at("/usage/completion_tokens").asInt()).isEqualTo(5);
  }

  @Test
  void streamsEachTokenAsItsOwnEventAtTheInterTokenPace() throws Exception {
    start(FAST.withTtft(ofMillis(20)).withInterTokenLatency(ofMillis(50)));

    List<Event> events = stream("/v1/chat/completions", streaming(CHAT));

    List<JsonNode> chunks = jsonEvents(events);
    assertThat(events.get(events.size() - 1).data()).isEqualTo("[DONE]");
    assertThat(chunks).hasSize(6);
    assertThat(chunks)
        .allSatisfy(
            chunk -> {
              assertThat(chunk.get("object").asText()).isEqualTo("chat.completion.chunk");
              assertThat(chunk.get("model").asText()).isEqualTo("support-agent");
              assertThat(chunk.get("id").asText()).isEqualTo(chunks.get(0).get("id").asText());
              assertThat(chunk.has("usage")).isFalse();
            });
    assertThat(chunks.get(0).at("/choices/0/delta/role").asText()).isEqualTo("assistant");
    assertThat(chunks.get(1).at("/choices/0/delta").has("role")).isFalse();
    assertThat(chunks.subList(0, 5))
        .allSatisfy(chunk -> assertThat(chunk.at("/choices/0/finish_reason").isNull()).isTrue());
    assertThat(
            chunks.subList(0, 5).stream()
                .map(chunk -> chunk.at("/choices/0/delta/content").asText())
                .collect(Collectors.joining()))
        .isEqualTo(FIVE_TOKENS);
    JsonNode finish = chunks.get(5);
    assertThat(finish.at("/choices/0/delta").isEmpty()).isTrue();
    assertThat(finish.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    // Four 50 ms gaps separate the first and last token; buffering would collapse them.
    long spreadNanos = events.get(4).arrivedNanos() - events.get(0).arrivedNanos();
    assertThat(TimeUnit.NANOSECONDS.toMillis(spreadNanos)).isGreaterThanOrEqualTo(150);
  }

  @Test
  void streamsWithZeroLatencies() throws Exception {
    start(FAST.withTtft(Duration.ZERO).withInterTokenLatency(Duration.ZERO).withTokens(50));

    List<Event> events = stream("/v1/chat/completions", streaming(CHAT));
    JsonNode whole = postJson("/v1/chat/completions", CHAT);

    assertThat(events).hasSize(52);
    assertThat(whole.at("/usage/completion_tokens").asInt()).isEqualTo(50);
  }

  @Test
  void endsAStreamWithAUsageChunkWhenAsked() throws Exception {
    start(FAST);
    String request =
        CHAT.replace(
            "{\"model\"", "{\"stream\":true,\"stream_options\":{\"include_usage\":true},\"model\"");

    List<Event> events = stream("/v1/chat/completions", request);

    List<JsonNode> chunks = jsonEvents(events);
    assertThat(events.get(events.size() - 1).data()).isEqualTo("[DONE]");
    assertThat(chunks).hasSize(7);
    assertThat(chunks.subList(0, 6))
        .allSatisfy(chunk -> assertThat(chunk.get("usage").isNull()).isTrue());
    JsonNode usage = chunks.get(6);
    assertThat(usage.get("choices").isEmpty()).isTrue();
    assertUsage(usage.get("usage"), 5, 5);
  }

  @Test
  void sendsStreamHeadersBeforeTheFirstToken() throws Exception {
    start(FAST.withTtft(ofMillis(300)));

    long started = System.nanoTime();
    HttpResponse<Stream<String>> response =
        http.send(
            request("/v1/chat/completions", streaming(CHAT)), HttpResponse.BodyHandlers.ofLines());
    long headersMillis = elapsedMillis(started);
    response.body().close();

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type"))
        .hasValue("text/event-stream; charset=utf-8");
    assertThat(response.headers().firstValue("x-sim-model")).hasValue("sim-model");
    assertThat(headersMillis).isLessThan(250);
  }

  @Test
  void answersLegacyCompletions() throws Exception {
    start(FAST);
    String request = "{\"model\":\"m\",\"prompt\":\"once upon a time\",\"max_tokens\":4}";

    JsonNode body = postJson("/v1/completions", request);

    assertThat(body.get("id").asText()).startsWith("cmpl-");
    assertThat(body.get("object").asText()).isEqualTo("text_completion");
    assertThat(body.at("/choices/0/text").asText()).isEqualTo("lorem ipsum dolor sit");
    assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("length");
    assertUsage(body.get("usage"), 4, 4);
  }

  @Test
  void streamsLegacyCompletions() throws Exception {
    start(FAST);
    String request =
        "{\"model\":\"m\",\"prompt\":[[1,2,3]],\"stream\":true,"
            + "\"stream_options\":{\"include_usage\":true}}";

    List<Event> events = stream("/v1/completions", request);

    List<JsonNode> chunks = jsonEvents(events);
    assertThat(events.get(events.size() - 1).data()).isEqualTo("[DONE]");
    assertThat(chunks).hasSize(7);
    assertThat(
            chunks.subList(0, 5).stream()
                .map(chunk -> chunk.at("/choices/0/text").asText())
                .collect(Collectors.joining()))
        .isEqualTo(FIVE_TOKENS);
    assertThat(chunks.get(0).get("object").asText()).isEqualTo("text_completion");
    assertThat(chunks.get(5).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertUsage(chunks.get(6).get("usage"), 3, 5);
  }

  @Test
  void embedsDeterministicallyAndBase64DecodesToTheFloatForm() throws Exception {
    start(FAST);
    String floats = "{\"model\":\"e\",\"input\":[\"first text\",\"second\"]}";
    String base64 =
        "{\"model\":\"e\",\"input\":[\"first text\",\"second\"],\"encoding_format\":\"base64\"}";

    JsonNode asFloats = postJson("/v1/embeddings", floats);
    JsonNode again = postJson("/v1/embeddings", floats);
    JsonNode asBase64 = postJson("/v1/embeddings", base64);

    assertThat(asFloats.get("object").asText()).isEqualTo("list");
    assertThat(asFloats.get("model").asText()).isEqualTo("e");
    assertThat(asFloats.get("usage").get("prompt_tokens").asInt()).isEqualTo(3);
    assertThat(asFloats.get("usage").get("total_tokens").asInt()).isEqualTo(3);
    assertThat(asFloats.get("data")).hasSize(2);
    assertThat(asFloats).isEqualTo(again);
    for (int i = 0; i < 2; i++) {
      JsonNode item = asFloats.get("data").get(i);
      assertThat(item.get("object").asText()).isEqualTo("embedding");
      assertThat(item.get("index").asInt()).isEqualTo(i);
      float[] vector = floats(item.get("embedding"));
      assertThat(vector).hasSize(8);
      assertThat(decodeBase64(asBase64.get("data").get(i).get("embedding").asText()))
          .containsExactly(vector);
      double length = 0;
      for (float value : vector) {
        length += value * value;
      }
      assertThat(Math.sqrt(length)).isCloseTo(1.0, offset(1e-5));
    }
    assertThat(floats(asFloats.at("/data/0/embedding")))
        .isNotEqualTo(floats(asFloats.at("/data/1/embedding")));
  }

  @Test
  void embedsTokenArraysAndHonoursDimensions() throws Exception {
    start(FAST);

    JsonNode oneTokenArray = postJson("/v1/embeddings", "{\"model\":\"e\",\"input\":[1,2,3]}");
    JsonNode twoTokenArrays =
        postJson("/v1/embeddings", "{\"model\":\"e\",\"input\":[[1,2],[3]],\"dimensions\":4}");

    assertThat(oneTokenArray.get("data")).hasSize(1);
    assertThat(oneTokenArray.at("/usage/prompt_tokens").asInt()).isEqualTo(3);
    assertThat(twoTokenArrays.get("data")).hasSize(2);
    assertThat(twoTokenArrays.at("/data/0/embedding")).hasSize(4);
    assertThat(twoTokenArrays.at("/usage/prompt_tokens").asInt()).isEqualTo(3);
  }

  @Test
  void answersTheResponsesApi() throws Exception {
    start(FAST);
    String request =
        "{\"model\":\"r\",\"instructions\":\"be brief\",\"input\":\"say something nice\"}";

    JsonNode body = postJson("/v1/responses", request);

    assertThat(body.get("id").asText()).startsWith("resp_");
    assertThat(body.get("object").asText()).isEqualTo("response");
    assertThat(body.get("created_at").asLong()).isPositive();
    assertThat(body.get("status").asText()).isEqualTo("completed");
    assertThat(body.get("model").asText()).isEqualTo("r");
    assertThat(body.get("instructions").asText()).isEqualTo("be brief");
    JsonNode message = body.get("output").get(0);
    assertThat(message.get("type").asText()).isEqualTo("message");
    assertThat(message.get("id").asText()).startsWith("msg_");
    assertThat(message.get("status").asText()).isEqualTo("completed");
    assertThat(message.get("role").asText()).isEqualTo("assistant");
    assertThat(message.at("/content/0/type").asText()).isEqualTo("output_text");
    assertThat(message.at("/content/0/text").asText()).isEqualTo(FIVE_TOKENS);
    assertThat(message.at("/content/0/annotations").isArray()).isTrue();
    assertThat(body.at("/usage/input_tokens").asInt()).isEqualTo(5);
    assertThat(body.at("/usage/output_tokens").asInt()).isEqualTo(5);
    assertThat(body.at("/usage/total_tokens").asInt()).isEqualTo(10);
  }

  @Test
  void marksAResponseCutByMaxOutputTokensIncomplete() throws Exception {
    start(FAST);

    JsonNode body =
        postJson("/v1/responses", "{\"model\":\"r\",\"input\":\"hi\",\"max_output_tokens\":2}");

    assertThat(body.get("status").asText()).isEqualTo("incomplete");
    assertThat(body.at("/incomplete_details/reason").asText()).isEqualTo("max_output_tokens");
    assertThat(body.at("/output/0/content/0/text").asText()).isEqualTo("lorem ipsum");
  }

  @Test
  void streamsResponsesApiEventsInOrder() throws Exception {
    start(FAST);
    String request =
        "{\"model\":\"r\",\"stream\":true,\"input\":[{\"role\":\"user\",\"content\":"
            + "[{\"type\":\"input_text\",\"text\":\"two words\"}]}]}";

    List<Event> events = stream("/v1/responses", request);

    assertThat(events)
        .extracting(Event::event)
        .containsExactly(
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed");
    List<JsonNode> payloads = jsonEvents(events);
    for (int i = 0; i < payloads.size(); i++) {
      assertThat(payloads.get(i).get("type").asText()).isEqualTo(events.get(i).event());
      assertThat(payloads.get(i).get("sequence_number").asInt()).isEqualTo(i);
    }
    assertThat(payloads.get(0).at("/response/status").asText()).isEqualTo("in_progress");
    String itemId = payloads.get(2).at("/item/id").asText();
    assertThat(
            payloads.subList(4, 9).stream()
                .peek(delta -> assertThat(delta.get("item_id").asText()).isEqualTo(itemId))
                .map(delta -> delta.get("delta").asText())
                .collect(Collectors.joining()))
        .isEqualTo(FIVE_TOKENS);
    assertThat(payloads.get(9).get("text").asText()).isEqualTo(FIVE_TOKENS);
    JsonNode completed = payloads.get(12).get("response");
    assertThat(completed.get("status").asText()).isEqualTo("completed");
    assertThat(completed.at("/output/0/content/0/text").asText()).isEqualTo(FIVE_TOKENS);
    assertThat(completed.at("/usage/input_tokens").asInt()).isEqualTo(2);
    assertThat(completed.at("/usage/output_tokens").asInt()).isEqualTo(5);
  }

  @Test
  void listsItsModelAndAnswersHealthChecks() throws Exception {
    start(FAST.withModel("meta-llama/Llama-3.1-8B"));

    HttpResponse<String> models = get("/v1/models");
    HttpResponse<String> one = get("/v1/models/meta-llama/Llama-3.1-8B");
    HttpResponse<String> unknown = get("/v1/models/other");
    HttpResponse<String> health = get("/health");

    assertThat(models.statusCode()).isEqualTo(200);
    JsonNode list = JSON.readTree(models.body());
    assertThat(list.get("object").asText()).isEqualTo("list");
    assertThat(list.get("data")).hasSize(1);
    JsonNode model = list.get("data").get(0);
    assertThat(model.get("id").asText()).isEqualTo("meta-llama/Llama-3.1-8B");
    assertThat(model.get("object").asText()).isEqualTo("model");
    assertThat(model.get("created").asLong()).isPositive();
    assertThat(model.get("owned_by").asText()).isEqualTo("modelgate-sim");
    assertThat(JSON.readTree(one.body())).isEqualTo(model);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(unknown.body()).at("/error/code").asText())
        .isEqualTo("model_not_found");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(health.body()).get("status").asText()).isEqualTo("ok");
    assertThat(health.headers().firstValue("x-sim-model")).hasValue("meta-llama/Llama-3.1-8B");
  }

  @Test
  void injectsServerErrorsInOpenAiShapeAfterTtft() throws Exception {
    start(FAST.withTtft(ofMillis(100)).withErrorRate(1.0));
    String fitsAll = "{\"messages\":[{\"content\":\"x\"}],\"input\":\"x\",\"stream\":true}";

    for (String path : List.of("/v1/chat/completions", "/v1/responses", "/v1/embeddings")) {
      long started = System.nanoTime();
      HttpResponse<String> response = post(path, fitsAll);

      assertThat(response.statusCode()).as(path).isEqualTo(500);
      assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
      assertThat(elapsedMillis(started)).isGreaterThanOrEqualTo(100);
      JsonNode error = JSON.readTree(response.body()).get("error");
      assertThat(error.get("message").asText()).isNotEmpty();
      assertThat(error.get("type").asText()).isEqualTo("server_error");
      assertThat(error.get("param").isNull()).isTrue();
      assertThat(error.get("code").isNull()).isTrue();
    }
  }

  @Test
  void appliesAnErrorRateChangedAtRuntime() throws Exception {
    start(FAST);

    int before = post("/v1/chat/completions", CHAT).statusCode();
    simulator.errorRate(1.0);
    int failing = post("/v1/chat/completions", CHAT).statusCode();
    simulator.errorRate(0.0);
    int after = post("/v1/chat/completions", CHAT).statusCode();

    assertThat(List.of(before, failing, after)).containsExactly(200, 500, 200);
  }

  @Test
  void appliesATtftChangedAtRuntime() throws Exception {
    start(FAST);
    simulator.ttft(ofMillis(300));

    long started = System.nanoTime();
    post("/v1/chat/completions", CHAT);

    assertThat(elapsedMillis(started)).isGreaterThanOrEqualTo(300);
  }

  @Test
  void refusesMalformedRequestsWithOpenAiErrors() throws Exception {
    start(FAST.withErrorRate(1.0));

    HttpResponse<String> malformed = post("/v1/chat/completions", "{\"model\":");
    HttpResponse<String> notAnObject = post("/v1/embeddings", "[1,2]");
    HttpResponse<String> noMessages = post("/v1/chat/completions", "{\"model\":\"m\"}");
    HttpResponse<String> badLimit =
        post("/v1/chat/completions", CHAT.replace("{\"model\"", "{\"max_tokens\":0,\"model\""));
    HttpResponse<String> twoChoices =
        post("/v1/chat/completions", CHAT.replace("{\"model\"", "{\"n\":2,\"model\""));
    HttpResponse<String> badFormat =
        post("/v1/embeddings", "{\"input\":\"x\",\"encoding_format\":\"hex\"}");

    for (HttpResponse<String> response :
        List.of(malformed, notAnObject, noMessages, badLimit, twoChoices, badFormat)) {
      assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
      JsonNode error = JSON.readTree(response.body()).get("error");
      assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
      assertThat(error.has("param")).isTrue();
      assertThat(error.has("code")).isTrue();
    }
    assertThat(JSON.readTree(noMessages.body()).at("/error/param").asText()).isEqualTo("messages");
    assertThat(JSON.readTree(badLimit.body()).at("/error/param").asText()).isEqualTo("max_tokens");
  }

  @Test
  void answersUnknownPathsWith404AndWrongMethodsWith405() throws Exception {
    start(FAST);

    HttpResponse<String> unknown = post("/v1/nothing", "{}");
    HttpResponse<String> wrongMethod = get("/v1/chat/completions");

    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(unknown.body()).at("/error/type").asText())
        .isEqualTo("invalid_request_error");
    assertThat(unknown.headers().firstValue("x-sim-model")).hasValue("sim-model");
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
    assertThat(wrongMethod.headers().firstValue("allow")).hasValue("POST");
  }

  @Test
  void recordsWhatItReceived() throws Exception {
    start(FAST);
    Queue<RecordedRequest> recorded = new ConcurrentLinkedQueue<>();
    simulator.onRequest(recorded::add);

    http.send(
        HttpRequest.newBuilder(uri("/v1/chat/completions?x=1"))
            .timeout(TIMEOUT)
            .header("X-Request-Id", "abc")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(CHAT))
            .build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(recorded).hasSize(1);
    RecordedRequest request = recorded.peek();
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.path()).isEqualTo("/v1/chat/completions");
    assertThat(request.body()).isEqualTo(CHAT);
    assertThat(request.headers().get("x-request-id")).containsExactly("abc");
    assertThat(request.headers().get("content-type")).containsExactly("application/json");
    assertThat(request.headers()).doesNotContainKey("authorization");
    assertThat(request.headers().keySet()).allSatisfy(name -> assertThat(name).isLowerCase());
    assertThatThrownBy(() -> request.headers().put("x", List.of()))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void countsInferenceRequestsButNotHealthChecks() throws Exception {
    start(FAST);

    post("/v1/chat/completions", CHAT);
    post("/v1/embeddings", "{\"input\":\"x\"}");
    post("/v1/completions", "not json");
    get("/health");
    get("/v1/models");

    assertThat(simulator.requestsServed()).isEqualTo(3);
  }

  @Test
  void keepsServingAfterAClientLeavesMidStream() throws Exception {
    start(FAST.withTokens(200).withInterTokenLatency(ofMillis(5)));

    HttpResponse<Stream<String>> response =
        http.send(
            request("/v1/chat/completions", streaming(CHAT)), HttpResponse.BodyHandlers.ofLines());
    try (Stream<String> lines = response.body()) {
      assertThat(lines.filter(line -> line.startsWith("data: ")).findFirst()).isPresent();
    }

    assertThat(
            post("/v1/chat/completions", CHAT.replace("{\"model\"", "{\"max_tokens\":1,\"model\""))
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void servesConnectionsOnSeveralEventLoopsWhenTheMachineHasThem() throws Exception {
    start(FAST);
    Set<String> threads = ConcurrentHashMap.newKeySet();
    simulator.onRequest(request -> threads.add(Thread.currentThread().getName()));

    for (int i = 0; i < 8; i++) {
      // A fresh client per request means a fresh connection, which Vert.x hands out round robin.
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(TIMEOUT)
          .build()
          .send(request("/health", null), HttpResponse.BodyHandlers.discarding());
    }

    int expected = Math.min(2, Runtime.getRuntime().availableProcessors());
    assertThat(threads).hasSizeGreaterThanOrEqualTo(expected);
  }

  @Test
  void givesEachSimulatorItsOwnEphemeralPort() throws Exception {
    start(FAST.withModel("stable"));
    Simulator canary = await(Simulator.start(vertx, FAST.withModel("canary")));
    try {
      assertThat(canary.port()).isPositive().isNotEqualTo(simulator.port());
      assertThat(get("/health").headers().firstValue("x-sim-model")).hasValue("stable");
    } finally {
      await(canary.close());
    }
  }

  @Test
  void rejectsInvalidOptions() {
    SimOptions defaults = SimOptions.defaults();
    assertThatThrownBy(() -> defaults.withTokens(0)).hasMessageContaining("tokens");
    assertThatThrownBy(() -> defaults.withErrorRate(1.5)).hasMessageContaining("errorRate");
    assertThatThrownBy(() -> defaults.withErrorRate(Double.NaN)).hasMessageContaining("errorRate");
    assertThatThrownBy(() -> defaults.withPort(70000)).hasMessageContaining("port");
    assertThatThrownBy(() -> defaults.withTtft(ofMillis(-1))).hasMessageContaining("ttft");
    assertThat(defaults)
        .isEqualTo(
            new SimOptions("127.0.0.1", 0, ofMillis(50), ofMillis(10), 16, 0.0, "sim-model"));
  }

  // --- helpers -----------------------------------------------------------------------------

  /** One SSE event: its {@code event:} name (null for data-only streams) and {@code data:}. */
  record Event(long arrivedNanos, String event, String data) {}

  private void start(SimOptions options) throws Exception {
    simulator = await(Simulator.start(vertx, options));
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future
        .toCompletionStage()
        .toCompletableFuture()
        .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + simulator.port() + path);
  }

  private HttpRequest request(String path, String body) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(uri(path)).timeout(TIMEOUT);
    return body == null
        ? builder.GET().build()
        : builder
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
  }

  private HttpResponse<String> post(String path, String body)
      throws IOException, InterruptedException {
    return http.send(request(path, body), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(request(path, null), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode postJson(String path, String body) throws Exception {
    HttpResponse<String> response = post(path, body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  /** Reads a whole stream, stamping each {@code data:} line with its arrival time. */
  private List<Event> stream(String path, String body) throws Exception {
    HttpResponse<Stream<String>> response =
        http.send(request(path, body), HttpResponse.BodyHandlers.ofLines());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type"))
        .hasValue("text/event-stream; charset=utf-8");
    List<Event> events = new ArrayList<>();
    String name = null;
    try (Stream<String> lines = response.body()) {
      for (String line : (Iterable<String>) lines::iterator) {
        if (line.startsWith("event: ")) {
          name = line.substring("event: ".length());
        } else if (line.startsWith("data: ")) {
          events.add(new Event(System.nanoTime(), name, line.substring("data: ".length())));
        } else {
          assertThat(line).isEmpty();
          name = null;
        }
      }
    }
    return events;
  }

  private static List<JsonNode> jsonEvents(List<Event> events) throws IOException {
    List<JsonNode> nodes = new ArrayList<>();
    for (Event event : events) {
      if (!event.data().equals("[DONE]")) {
        nodes.add(JSON.readTree(event.data()));
      }
    }
    return nodes;
  }

  private static String streaming(String request) {
    return request.replace("{\"model\"", "{\"stream\":true,\"model\"");
  }

  private static void assertUsage(JsonNode usage, int prompt, int completion) {
    assertThat(usage.get("prompt_tokens").asInt()).isEqualTo(prompt);
    assertThat(usage.get("completion_tokens").asInt()).isEqualTo(completion);
    assertThat(usage.get("total_tokens").asInt()).isEqualTo(prompt + completion);
  }

  private static float[] floats(JsonNode array) {
    float[] values = new float[array.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = array.get(i).floatValue();
    }
    return values;
  }

  private static float[] decodeBase64(String encoded) {
    ByteBuffer bytes =
        ByteBuffer.wrap(Base64.getDecoder().decode(encoded)).order(ByteOrder.LITTLE_ENDIAN);
    float[] values = new float[bytes.remaining() / Float.BYTES];
    bytes.asFloatBuffer().get(values);
    return values;
  }

  private static long elapsedMillis(long startedNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
  }
}
