package dev.modelgate.gateway.sim;

import static java.time.Duration.ofMillis;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.InternalServerException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * The official OpenAI Java SDK, with strict response validation, reads every answer the simulator
 * gives: what "looks like the OpenAI API to real clients" means in practice.
 */
@Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
class OpenAiSdkCompatibilityTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final String FIVE_TOKENS = "lorem ipsum dolor sit amet";

  private static Vertx vertx;
  private static Simulator simulator;
  private static OpenAIClient client;
  private static final Queue<RecordedRequest> received = new ConcurrentLinkedQueue<>();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    SimOptions options =
        SimOptions.defaults()
            .withTtft(ofMillis(1))
            .withInterTokenLatency(ofMillis(1))
            .withTokens(5)
            .withModel("support-agent");
    simulator = await(Simulator.start(vertx, options));
    simulator.onRequest(received::add);
    client =
        OpenAIOkHttpClient.builder()
            .baseUrl("http://127.0.0.1:" + simulator.port() + "/v1")
            .apiKey("sk-test")
            .maxRetries(0)
            .timeout(TIMEOUT)
            .responseValidation(true)
            .build();
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    await(simulator.close());
    await(vertx.close());
  }

  @Test
  void createsAChatCompletion() {
    ChatCompletion completion = client.chat().completions().create(chat().build());

    assertThat(completion.model()).isEqualTo("support-agent");
    assertThat(completion.choices().get(0).message().content()).hasValue(FIVE_TOKENS);
    assertThat(completion.choices().get(0).finishReason())
        .isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    assertThat(completion.usage().orElseThrow().totalTokens()).isEqualTo(4 + 5);
  }

  @Test
  void streamsAChatCompletionWithUsage() {
    ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    ChatCompletionCreateParams params =
        chat()
            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
            .build();

    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(params)) {
      stream.stream().forEach(chunk -> chunks.add(accumulator.accumulate(chunk)));
    }

    ChatCompletion completion = accumulator.chatCompletion();
    assertThat(completion.choices().get(0).message().content()).hasValue(FIVE_TOKENS);
    assertThat(chunks.get(chunks.size() - 1).usage().orElseThrow().completionTokens()).isEqualTo(5);
  }

  @Test
  void createsAndStreamsLegacyCompletions() {
    CompletionCreateParams params =
        CompletionCreateParams.builder().model("support-agent").prompt("once upon a time").build();

    Completion whole = client.completions().create(params);
    StringBuilder streamed = new StringBuilder();
    // Unvalidated: the SDK's schema requires finish_reason, yet OpenAI and vLLM stream it as null
    // until the last chunk, and so does the simulator.
    try (StreamResponse<Completion> stream =
        client
            .withOptions(options -> options.responseValidation(false))
            .completions()
            .createStreaming(params)) {
      stream.stream().forEach(chunk -> chunk.choices().forEach(c -> streamed.append(c.text())));
    }

    assertThat(whole.choices().get(0).text()).isEqualTo(FIVE_TOKENS);
    assertThat(whole.usage().orElseThrow().promptTokens()).isEqualTo(4);
    assertThat(streamed.toString()).isEqualTo(FIVE_TOKENS);
  }

  @Test
  void readsEmbeddingsInTheSdksDefaultBase64AndAsFloats() {
    EmbeddingCreateParams.Builder params =
        EmbeddingCreateParams.builder().model("support-agent").input("embed me");
    received.clear();

    CreateEmbeddingResponse byDefault = client.embeddings().create(params.build());
    String defaultRequest = received.peek().body();
    CreateEmbeddingResponse asFloats =
        client
            .embeddings()
            .create(params.encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT).build());

    assertThat(defaultRequest).contains("\"encoding_format\":\"base64\"");
    List<Float> vector = asFloats.data().get(0).embedding();
    assertThat(vector).hasSize(EmbeddingsApi.DEFAULT_DIMENSIONS);
    assertThat(byDefault.data().get(0).embedding()).isEqualTo(vector);
    assertThat(byDefault.usage().promptTokens()).isEqualTo(2);
  }

  @Test
  void createsAResponse() {
    Response response =
        client
            .responses()
            .create(ResponseCreateParams.builder().model("support-agent").input("hi").build());

    assertThat(response.status())
        .hasValueSatisfying(s -> assertThat(s.asString()).isEqualTo("completed"));
    assertThat(response.output().get(0).asMessage().content().get(0).asOutputText().text())
        .isEqualTo(FIVE_TOKENS);
    assertThat(response.usage().orElseThrow().outputTokens()).isEqualTo(5);
  }

  @Test
  void streamsAResponse() {
    ResponseAccumulator accumulator = ResponseAccumulator.create();
    StringBuilder deltas = new StringBuilder();
    ResponseCreateParams params =
        ResponseCreateParams.builder().model("support-agent").input("hi").build();

    try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(params)) {
      stream.stream()
          .map(accumulator::accumulate)
          .forEach(event -> event.outputTextDelta().ifPresent(d -> deltas.append(d.delta())));
    }

    assertThat(deltas.toString()).isEqualTo(FIVE_TOKENS);
    Response response = accumulator.response();
    assertThat(response.output().get(0).asMessage().content().get(0).asOutputText().text())
        .isEqualTo(FIVE_TOKENS);
  }

  @Test
  void listsModels() {
    List<Model> models = client.models().list().data();

    assertThat(models).extracting(Model::id).containsExactly("support-agent");
    assertThat(models.get(0).ownedBy()).isEqualTo("modelgate-sim");
    assertThat(client.models().retrieve("support-agent").id()).isEqualTo("support-agent");
  }

  @Test
  void surfacesInjectedErrorsAsServerErrors() {
    simulator.errorRate(1.0);
    try {
      assertThatThrownBy(() -> client.chat().completions().create(chat().build()))
          .isInstanceOfSatisfying(
              InternalServerException.class,
              e -> {
                assertThat(e.statusCode()).isEqualTo(500);
                assertThat(e.type()).hasValue("server_error");
              });
    } finally {
      simulator.errorRate(0.0);
    }
  }

  private static ChatCompletionCreateParams.Builder chat() {
    return ChatCompletionCreateParams.builder()
        .model("support-agent")
        .addSystemMessage("be brief")
        .addUserMessage("hello world");
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future
        .toCompletionStage()
        .toCompletableFuture()
        .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }
}
