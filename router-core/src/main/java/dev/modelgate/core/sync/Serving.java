package dev.modelgate.core.sync;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.registry.ModelVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How a registry version becomes a routable version (the {@code source.serving} of the config file):
 * the endpoints, the {@code served_model} template and the backend's key. A version's own registry
 * metadata {@code modelgate.endpoints} and {@code modelgate.served_model} (W&B metadata keys, MLflow
 * version tags) override the template, so a pipeline can point one version at its own server.
 *
 * @param servedModel the template: {@code {version}} is the registry's number for the version,
 *     {@code {metadata.KEY}} the version's metadata value of {@code KEY}
 * @param apiKeyEnv the environment variable holding the backend's key, or {@code null}
 */
public record Serving(List<String> endpoints, String servedModel, String apiKeyEnv) {
  public static final String ENDPOINTS_KEY = "modelgate.endpoints";
  public static final String SERVED_MODEL_KEY = "modelgate.served_model";

  public Serving {
    endpoints = List.copyOf(endpoints);
    requireNonNull(servedModel, "servedModel");
  }

  /**
   * Version {@code v<number>} as this template and the version's metadata make it.
   *
   * @throws IllegalArgumentException naming the version and what is missing or wrong
   */
  public ModelVersion render(long number, String artifact, Map<String, Object> lineage, Map<String, String> metadata) {
    String served = metadata.get(SERVED_MODEL_KEY);
    if (served == null) {
      served = fill(servedModel, number, metadata);
    }
    List<String> urls = endpoints;
    String listed = metadata.get(ENDPOINTS_KEY);
    if (listed != null) {
      urls = urls(listed, number);
    }
    return new ModelVersion("v" + number, artifact, served, urls, apiKeyEnv, lineage, null);
  }

  /**
   * Every problem with the template itself, as {@code key: what (expected: …)} under {@code serving};
   * empty when it is valid. Placeholders are checked here, metadata keys only when a version is rendered.
   */
  public List<String> problems() {
    List<String> problems = new ArrayList<>();
    int at = 0;
    while ((at = servedModel.indexOf('{', at)) >= 0) {
      int end = servedModel.indexOf('}', at);
      String name = end < 0 ? servedModel.substring(at) : servedModel.substring(at + 1, end);
      if (end < 0 || !(name.equals("version") || (name.startsWith("metadata.") && name.length() > "metadata.".length()))) {
        problems.add("served_model: '" + servedModel + "' has placeholder {" + name + (end < 0 ? "" : "}")
            + " (expected: {version} or {metadata.KEY})");
        break;
      }
      at = end + 1;
    }
    return problems;
  }

  private static String fill(String template, long number, Map<String, String> metadata) {
    StringBuilder out = new StringBuilder();
    int at = 0;
    int open;
    while ((open = template.indexOf('{', at)) >= 0) {
      int close = template.indexOf('}', open);
      if (close < 0) {
        break;
      }
      out.append(template, at, open);
      String name = template.substring(open + 1, close);
      if (name.equals("version")) {
        out.append(number);
      } else {
        String key = name.substring("metadata.".length());
        String value = metadata.get(key);
        if (value == null || value.isBlank()) {
          throw new IllegalArgumentException("version " + number + ": serving.served_model '" + template + "' needs metadata '" + key
              + "', which the version does not have (expected: the key in the version's metadata or tags)");
        }
        out.append(value);
      }
      at = close + 1;
    }
    return out.append(template.substring(at)).toString();
  }

  // "http://a:8000, http://b:8000" or ["http://a:8000", "http://b:8000"]: a tag is text, W&B metadata may be a list.
  private static List<String> urls(String listed, long number) {
    List<String> urls = new ArrayList<>();
    for (String item : listed.strip().replaceAll("^\\[|\\]$", "").split("[\\s,]+")) {
      String url = item.replaceAll("^\"|\"$", "");
      if (!url.isEmpty()) {
        urls.add(url);
      }
    }
    if (urls.isEmpty()) {
      throw new IllegalArgumentException("version " + number + ": metadata '" + ENDPOINTS_KEY + "' lists no URL (expected: base URLs"
          + " separated by commas, e.g. http://vllm-a:8000, http://vllm-b:8000)");
    }
    return urls;
  }
}
