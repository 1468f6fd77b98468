package dev.modelgate.core.registry;

import dev.modelgate.core.Durations;
import dev.modelgate.core.Endpoint;
import dev.modelgate.core.Names;
import dev.modelgate.core.slo.SloPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The one validation path for registry state. The config file, the admin API and the ledger replay
 * all check a candidate {@link Registry} here, so every rule holds everywhere, and every problem is
 * reported as {@code path: what is wrong (expected: …)} with the path of the config file's keys.
 */
public final class RegistryRules {
  private static final int MAX_TEXT = 2048;

  private RegistryRules() {}

  /** Every problem with {@code registry}; empty when it is valid. */
  public static List<String> problems(Registry registry) {
    return problems(registry, Registry.EMPTY);
  }

  /**
   * Every problem with the models of {@code registry} that are not the very instance {@code checked}
   * holds under the same name; those passed the rules before, and a model is immutable.
   */
  public static List<String> problems(Registry registry, Registry checked) {
    List<String> problems = new ArrayList<>();
    Map<String, Model> known = checked.models();
    for (Map.Entry<String, Model> e : registry.models().entrySet()) {
      if (known.get(e.getKey()) != e.getValue()) {
        check(e.getKey(), e.getValue(), problems);
      }
    }
    return problems;
  }

  /** Throws {@link InvalidRegistryException} listing every problem, or returns the registry. */
  public static Registry requireValid(Registry registry) {
    List<String> problems = problems(registry);
    if (!problems.isEmpty()) {
      throw new InvalidRegistryException(problems);
    }
    return registry;
  }

  private static void check(String key, Model model, List<String> problems) {
    String path = "models." + key;
    note(problems, path, Names.modelNameProblem(key));
    if (!key.equals(model.name())) {
      problems.add(path + ": declared as '" + key + "' but names itself '" + model.name() + "'");
    }
    note(problems, path + ".default_alias", Names.aliasNameProblem(model.defaultAlias()));
    for (Map.Entry<String, ModelVersion> e : model.versions().entrySet()) {
      check(path + ".versions." + e.getKey(), e.getKey(), e.getValue(), problems);
    }
    for (Map.Entry<String, Alias> e : model.aliases().entrySet()) {
      check(path + ".aliases." + e.getKey(), e.getKey(), e.getValue(), model, problems);
    }
  }

  private static void check(String path, String key, ModelVersion version, List<String> problems) {
    note(problems, path, Names.versionIdProblem(key));
    if (!key.equals(version.id())) {
      problems.add(path + ": declared as '" + key + "' but names itself '" + version.id() + "'");
    }
    note(problems, path + ".artifact", textProblem(version.artifact()));
    note(problems, path + ".served_model", textProblem(version.servedModel()));
    if (version.endpoints().isEmpty()) {
      problems.add(path + ".endpoints: is empty (expected: at least one base URL such as http://127.0.0.1:8000)");
    }
    List<String> endpoints = version.endpoints();
    for (int i = 0; i < endpoints.size(); i++) {
      note(problems, path + ".endpoints[" + i + "]", Endpoint.urlProblem(endpoints.get(i)));
      if (endpoints.indexOf(endpoints.get(i)) < i) {
        problems.add(path + ".endpoints[" + i + "]: " + endpoints.get(i) + " is listed twice");
      }
    }
    if (version.apiKeyEnv() != null && !isEnvName(version.apiKeyEnv())) {
      problems.add(path + ".api_key_env: '" + version.apiKeyEnv() + "' is not an environment variable name (expected: letters, digits and _, not starting with a digit)");
    }
    HealthCheck health = version.healthCheck();
    if (health != null) {
      if (!health.path().startsWith("/")) {
        problems.add(path + ".health_check.path: '" + health.path() + "' (expected: a path starting with /)");
      }
      positive(path + ".health_check.interval", health.interval(), problems);
      positive(path + ".health_check.timeout", health.timeout(), problems);
    }
  }

  private static void check(String path, String key, Alias alias, Model model, List<String> problems) {
    note(problems, path, Names.aliasNameProblem(key));
    if (!key.equals(alias.name())) {
      problems.add(path + ": declared as '" + key + "' but names itself '" + alias.name() + "'");
    }
    if (alias.awaitsSync()) {
      // Its routing comes from the registry's first sync; only its policy is declared.
      if (alias.slo() != null) {
        check(path + ".slo", alias.slo(), problems);
      }
      return;
    }
    if (alias.weights().isEmpty()) {
      problems.add(path + ".weights: is empty (expected: version weights summing to 100, e.g. {v7: 90, v8: 10})");
    }
    long sum = 0;
    boolean inRange = true;
    for (Map.Entry<String, Integer> w : alias.weights().entrySet()) {
      String weightPath = path + ".weights." + w.getKey();
      Integer weight = w.getValue();
      if (!model.versions().containsKey(w.getKey())) {
        problems.add(weightPath + ": names unknown version '" + w.getKey() + "'" + knownVersions(model));
      }
      if (weight == null || weight < 0 || weight > 100) {
        problems.add(weightPath + ": " + weight + " (expected: an integer from 0 to 100)");
        inRange = false;
      } else {
        sum += weight;
      }
    }
    // A sum over out-of-range weights would only restate the range problem, misleadingly.
    if (!alias.weights().isEmpty() && inRange && sum != 100) {
      problems.add(path + ".weights: sum is " + sum + " (expected: 100)");
    }
    if (!model.versions().containsKey(alias.stable())) {
      problems.add(path + ".stable: names unknown version '" + alias.stable() + "'" + knownVersions(model));
    }
    if (alias.revision() < 0) {
      problems.add(path + ".revision: " + alias.revision() + " (expected: 0 or more)");
    }
    if (alias.slo() != null) {
      check(path + ".slo", alias.slo(), problems);
    }
  }

  private static void check(String path, SloPolicy slo, List<String> problems) {
    positive(path + ".window", slo.window(), problems);
    positive(path + ".evaluation_interval", slo.evaluationInterval(), problems);
    positive(path + ".max_p99_latency", slo.maxP99Latency(), problems);
    if (slo.cooldown().isNegative()) {
      problems.add(path + ".cooldown: " + Durations.format(slo.cooldown()) + " (expected: 0 or more)");
    }
    if (slo.minRequests() < 1) {
      problems.add(path + ".min_requests: " + slo.minRequests() + " (expected: 1 or more)");
    }
    if (!(slo.maxErrorRate() >= 0 && slo.maxErrorRate() <= 1)) {
      problems.add(path + ".max_error_rate: " + slo.maxErrorRate() + " (expected: a fraction from 0 to 1, e.g. 0.05)");
    }
    if (slo.relativeToStable() != null && !(slo.relativeToStable() >= 1)) {
      problems.add(path + ".relative_to_stable: " + slo.relativeToStable() + " (expected: a factor of 1 or more, e.g. 2.0)");
    }
    if (slo.breachesToRevert() < 1) {
      problems.add(path + ".breaches_to_revert: " + slo.breachesToRevert() + " (expected: 1 or more)");
    }
  }

  private static void positive(String path, Duration d, List<String> problems) {
    if (d.isZero() || d.isNegative()) {
      problems.add(path + ": " + Durations.format(d) + " (expected: a positive duration such as 5s)");
    }
  }

  private static String textProblem(String text) {
    if (text.isBlank()) {
      return "is empty";
    }
    if (text.length() > MAX_TEXT) {
      return "is " + text.length() + " characters long (expected: at most " + MAX_TEXT + ")";
    }
    for (int i = 0; i < text.length(); i++) {
      if (Character.isISOControl(text.charAt(i))) {
        return "contains a control character";
      }
    }
    return null;
  }

  private static boolean isEnvName(String s) {
    if (s.isEmpty() || (s.charAt(0) >= '0' && s.charAt(0) <= '9')) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
        return false;
      }
    }
    return true;
  }

  private static String knownVersions(Model model) {
    return model.versions().isEmpty() ? " (the model has no versions)" : " (expected one of: " + String.join(", ", model.versions().keySet()) + ")";
  }

  private static void note(List<String> problems, String path, String problem) {
    if (problem != null) {
      problems.add(path + ": " + problem);
    }
  }
}
