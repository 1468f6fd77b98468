package dev.modelgate.gateway.registry.wandb;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetadataTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void nestedAndDottedKeysReadTheSameAndTheFirstOneWins() throws Exception {
    Map<String, String> text = Metadata.text(JSON.readTree("""
        {"modelgate.served_model": "first", "modelgate": {"served_model": "second", "endpoints": "http://a:8000"}}"""));

    assertThat(text).containsExactly(Map.entry("modelgate.served_model", "first"), Map.entry("modelgate.endpoints", "http://a:8000"));
  }

  @Test
  void scalarListsJoinWithCommasOtherListsStayJsonAndNullsAreLeftOut() throws Exception {
    Map<String, String> text = Metadata.text(JSON.readTree("""
        {"endpoints": ["http://a:8000", null, "http://b:8000"], "layers": [1, 2.5, true],
         "evals": [{"name": "mmlu", "score": 0.7}], "gone": null, "empty": {}, "big": 12345678901234567890}"""));

    assertThat(text).containsExactly(
        Map.entry("endpoints", "http://a:8000,http://b:8000"),
        Map.entry("layers", "1,2.5,true"),
        Map.entry("evals", "[{\"name\":\"mmlu\",\"score\":0.7}]"),
        Map.entry("big", "12345678901234567890"));
  }

  @Test
  void plainValuesKeepTypesAndDropNulls() throws Exception {
    Object plain = Metadata.plain(JSON.readTree("""
        {"a": 1, "b": [true, null, "x"], "c": {"d": null, "e": 0.5}}"""));

    assertThat(plain).isEqualTo(Map.of("a", 1, "b", List.of(true, "x"), "c", Map.of("e", 0.5)));
  }
}
