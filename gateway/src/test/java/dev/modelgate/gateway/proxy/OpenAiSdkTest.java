package dev.modelgate.gateway.proxy;

import static dev.modelgate.gateway.proxy.GatewayHarness.url;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.sim.Simulator;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK, pointed at the gateway, works unchanged. */
class OpenAiSdkTest {
  private static final GatewayHarness harness = new GatewayHarness();
  private static OpenAIClient openai;

  @BeforeAll
  static void start() throws Exception {
    Simulator stable = harness.sim(SimOptions.defaults().withTtft(Duration.ofMillis(5)).withInterTokenLatency(Duration.ofMillis(2)).withTokens(6));
    Simulator canary = harness.sim(SimOptions.defaults().withTtft(Duration.ofMillis(5)).withInterTokenLatency(Duration.ofMillis(2)).withTokens(6));
    harness.start("""
        server: {port: 0, admin_port: 0, host: 127.0.0.1}
        access_log: "off"
        models:
          support-agent:
            versions:
              v7: {artifact: "wandb-artifact://acme/llm/support-agent:v7", served_model: support-agent, endpoints: [%s]}
              v8: {artifact: "wandb-artifact://acme/llm/support-agent:v8", served_model: support-agent-lora, endpoints: [%s]}
            aliases:
              production: {weights: {v7: 90, v8: 10}, stable: v7}
        """.formatted(url(stable), url(canary)));
    openai = OpenAIOkHttpClient.builder()
        .baseUrl("http://127.0.0.1:" + harness.gateway.port() + "/v1")
        .apiKey("sk-client-key-not-forwarded")
        .maxRetries(0)
        .timeout(Duration.ofSeconds(20))
        .build();
  }

  @AfterAll
  static void stop() {
    openai.close();
    harness.close();
  }

  private static ChatCompletionCreateParams chat(String model) {
    return ChatCompletionCreateParams.builder().model(model).addUserMessage("Where is my order?").build();
  }

  @Test
  void createsAChatCompletionThroughTheGateway() {
    HttpResponseFor<ChatCompletion> raw = openai.chat().completions().withRawResponse().create(chat("support-agent:v8"));
    ChatCompletion completion = raw.parse();

    assertThat(completion.choices()).hasSize(1);
    assertThat(completion.choices().get(0).message().content()).hasValueSatisfying(text -> assertThat(text).isNotBlank());
    assertThat(completion.model()).isEqualTo("support-agent-lora");
    assertThat(completion.usage()).hasValueSatisfying(usage -> assertThat(usage.completionTokens()).isEqualTo(6));
    assertThat(raw.headers().values("x-modelgate-version")).containsExactly("v8");
    assertThat(raw.headers().values("x-modelgate-route")).containsExactly("pinned");
  }

  @Test
  void streamsAChatCompletionThroughTheGateway() {
    try (StreamResponse<ChatCompletionChunk> stream = openai.chat().completions().createStreaming(chat("support-agent"))) {
      List<ChatCompletionChunk> chunks = stream.stream().collect(Collectors.toList());
      String text = chunks.stream()
          .flatMap(chunk -> chunk.choices().stream())
          .map(choice -> choice.delta().content().orElse(""))
          .collect(Collectors.joining());

      assertThat(chunks.size()).isGreaterThanOrEqualTo(6);
      assertThat(text).isNotBlank();
    }
  }

  @Test
  void createsEmbeddingsThroughTheGateway() {
    CreateEmbeddingResponse response = openai.embeddings().create(EmbeddingCreateParams.builder().model("support-agent").input("hello").build());

    assertThat(response.data()).hasSize(1);
    assertThat(response.data().get(0).embedding()).isNotEmpty();
  }

  @Test
  void surfacesAnUnknownModelAsTheSdksNotFoundError() {
    assertThatThrownBy(() -> openai.chat().completions().create(chat("no-such-model")))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("no-such-model");
  }
}
