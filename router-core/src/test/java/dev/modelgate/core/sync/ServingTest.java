package dev.modelgate.core.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelgate.core.registry.ModelVersion;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServingTest {
  private static final Serving SERVING = new Serving(List.of("http://vllm:8000"), "{metadata.adapter}-{version}", "VLLM_KEY");

  @Test
  void fillsTheTemplateFromTheVersionNumberAndItsMetadata() {
    ModelVersion v = SERVING.render(8, "models:/m/8", Map.of("run_id", "abc"), Map.of("adapter", "support-lora"));
    assertThat(v.id()).isEqualTo("v8");
    assertThat(v.servedModel()).isEqualTo("support-lora-8");
    assertThat(v.endpoints()).containsExactly("http://vllm:8000");
    assertThat(v.apiKeyEnv()).isEqualTo("VLLM_KEY");
    assertThat(v.lineage()).containsEntry("run_id", "abc");
  }

  @Test
  void theVersionsOwnMetadataOverridesTheTemplate() {
    ModelVersion v = SERVING.render(8, "models:/m/8", Map.of(),
        Map.of(Serving.SERVED_MODEL_KEY, "special", Serving.ENDPOINTS_KEY, "[\"http://a:8000\", \"http://b:8000\"]"));
    assertThat(v.servedModel()).isEqualTo("special");
    assertThat(v.endpoints()).containsExactly("http://a:8000", "http://b:8000");
  }

  @Test
  void aMissingMetadataKeyIsNamed() {
    assertThatThrownBy(() -> SERVING.render(8, "models:/m/8", Map.of(), Map.of()))
        .hasMessage("version 8: serving.served_model '{metadata.adapter}-{version}' needs metadata 'adapter', which the version does not have"
            + " (expected: the key in the version's metadata or tags)");
  }

  @Test
  void anUnknownPlaceholderIsAProblemOfTheTemplate() {
    assertThat(new Serving(List.of(), "m-{versoin}", null).problems())
        .containsExactly("served_model: 'm-{versoin}' has placeholder {versoin} (expected: {version} or {metadata.KEY})");
    assertThat(SERVING.problems()).isEmpty();
  }
}
