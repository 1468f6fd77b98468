package dev.modelgate.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.modelgate.core.registry.Alias;
import dev.modelgate.core.registry.HealthCheck;
import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;
import dev.modelgate.core.registry.StickyKey;
import dev.modelgate.core.slo.SloPolicy;
import dev.modelgate.gateway.config.AuthConfig.AdminToken;
import dev.modelgate.gateway.config.AuthConfig.Role;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  /** The smallest valid file; other tests add to it. */
  static final String MINIMAL = """
      models:
        support-agent:
          versions:
            v7:
              artifact: wandb-artifact://acme/llm/support-agent:v7
              served_model: support-agent
              endpoints: [http://127.0.0.1:9001]
          aliases:
            production:
              weights: {v7: 100}
      """;

  static final String FULL = """
      server:
        port: 9080
        admin_port: 0
        host: 127.0.0.1
        admin_host: 127.0.0.2
        sse_ping_interval: 500ms
        drain_timeout: 0
        max_body_bytes: 1024
        upstream_timeout: 1m
        connect_timeout: 1.5s
        client_idle_timeout: 75s
        request_read_timeout: 20s
        max_header_bytes: 32768
        max_headers: 50
        max_url_bytes: 4096
        circuit_breaker:
          failure_rate: 0.25
          min_calls: 5
          window: 30s
          slow_call_duration: 20s
          slow_call_rate: 0.8
          open_for: 1m
          half_open_probes: 2
        replica_id: gw-1
      state:
        kind: postgres
        url: postgresql://modelgate@127.0.0.1:5432/modelgate
        password_env: MODELGATE_DB_PASSWORD
        pool_size: 8
      auth:
        admin_tokens:
          - {token_env: ROOT_TOKEN, role: admin}
          - {token_env: SRE_TOKEN, role: operator}
          - {token_env: DASHBOARD_TOKEN, role: viewer}
        client_keys_env: [CLIENT_KEY_A, CLIENT_KEY_B]
      access_log: "-"
      webhooks:
        - url: https://hooks.acme.example/modelgate?team=ml
          secret_env: HOOK_SECRET
          events: [auto_rollback, rollback]
        - url: http://127.0.0.1:9900/events
          secret_env: LOCAL_HOOK_SECRET
      models:
        support-agent:
          default_alias: live
          description: Answers tickets
          owner: ml-platform
          tags: [support, chat]
          versions:
            v7:
              artifact: wandb-artifact://acme/llm/support-agent:v7
              served_model: support-agent
              endpoints: [http://127.0.0.1:9001, http://127.0.0.1:9011/v1]
              lineage:
                base_model: meta-llama/Llama-3.1-8B
                epochs: 3
                big: 12345678901234567890
                learning_rate: 0.0002
                merged: true
                evals: {helpfulness: 0.81, suites: [mmlu, gsm8k]}
            v8:
              artifact: s3://acme-models/support-agent/v8
              served_model: support-agent-v8
              endpoints: [https://gpu-1.acme.internal:8443]
              api_key_env: V8_KEY
              health_check: {path: /ready, interval: 10s}
          aliases:
            live:
              weights: {v7: 90, v8: 10}
              stable: v7
              sticky: header:X-Session-Id
              slo:
                window: 2m
                evaluation_interval: 10s
                min_requests: 100
                max_error_rate: 0.02
                max_p99_latency: 1500ms
                relative_to_stable: 2
                breaches_to_revert: 3
                cooldown: 1h
            candidate:
              weights: {v7: 0, v8: 100}
              sticky: body:user
              slo: {}
        meta-llama/Llama-3.1-8B:
          versions:
            v1:
              artifact: hf://meta-llama/Llama-3.1-8B
              served_model: meta-llama/Llama-3.1-8B
              endpoints: [http://127.0.0.1:9100]
      """;

  @Test
  void readsEveryKeyOfAFullFileIntoRecords() throws ConfigException {
    GatewayConfig config = ConfigLoader.parse(FULL, "full.yaml");

    assertThat(config.server()).isEqualTo(new ServerConfig(9080, 0, "127.0.0.1", "127.0.0.2", Duration.ofMillis(500),
        Duration.ZERO, 1024, Duration.ofMinutes(1), Duration.ofMillis(1500),
        new BreakerConfig(0.25, 5, 0, Duration.ofSeconds(30), Duration.ofSeconds(20), 0.8, Duration.ofMinutes(1), 2),
        new ClientLimits(Duration.ofSeconds(75), Duration.ofSeconds(20), 32_768, 50, 4096), "gw-1", 268_435_456L));
    assertThat(config.state()).isEqualTo(new StateConfig("postgres", null, "postgresql://modelgate@127.0.0.1:5432/modelgate",
        "MODELGATE_DB_PASSWORD", 8));
    assertThat(config.auth()).isEqualTo(new AuthConfig(
        List.of(new AdminToken("ROOT_TOKEN", Role.ADMIN), new AdminToken("SRE_TOKEN", Role.OPERATOR), new AdminToken("DASHBOARD_TOKEN", Role.VIEWER)),
        List.of("CLIENT_KEY_A", "CLIENT_KEY_B"), false));
    assertThat(config.accessLog()).isEqualTo("-");
    assertThat(config.webhooks()).containsExactly(
        new WebhookConfig("https://hooks.acme.example/modelgate?team=ml", "HOOK_SECRET", List.of("auto_rollback", "rollback")),
        new WebhookConfig("http://127.0.0.1:9900/events", "LOCAL_HOOK_SECRET", WebhookConfig.EVENTS));

    assertThat(config.registry().models()).containsOnlyKeys("support-agent", "meta-llama/Llama-3.1-8B");
    Model model = config.registry().models().get("support-agent");
    assertThat(model.name()).isEqualTo("support-agent");
    assertThat(model.defaultAlias()).isEqualTo("live");
    assertThat(model.description()).isEqualTo("Answers tickets");
    assertThat(model.owner()).isEqualTo("ml-platform");
    assertThat(model.tags()).containsExactly("support", "chat");
    assertThat(model.versions()).containsOnlyKeys("v7", "v8");
    assertThat(model.versions().get("v7")).isEqualTo(new ModelVersion("v7", "wandb-artifact://acme/llm/support-agent:v7", "support-agent",
        List.of("http://127.0.0.1:9001", "http://127.0.0.1:9011/v1"), null,
        Map.of("base_model", "meta-llama/Llama-3.1-8B", "epochs", 3, "big", new BigInteger("12345678901234567890"),
            "learning_rate", 0.0002, "merged", true,
            "evals", Map.of("helpfulness", 0.81, "suites", List.of("mmlu", "gsm8k"))),
        null));
    assertThat(model.versions().get("v8")).isEqualTo(new ModelVersion("v8", "s3://acme-models/support-agent/v8", "support-agent-v8",
        List.of("https://gpu-1.acme.internal:8443"), "V8_KEY", Map.of(),
        new HealthCheck("/ready", Duration.ofSeconds(10), HealthCheck.DEFAULT_TIMEOUT)));

    assertThat(model.aliases().keySet()).containsExactly("live", "candidate");
    assertThat(model.aliases().get("live")).isEqualTo(new Alias("live", Map.of("v7", 90, "v8", 10), "v7", 1,
        new SloPolicy(Duration.ofMinutes(2), Duration.ofSeconds(10), 100, 0.02, Duration.ofMillis(1500), 2.0, 3, Duration.ofHours(1)),
        StickyKey.parse("header:x-session-id")));
    assertThat(model.aliases().get("live").weights().keySet()).containsExactly("v7", "v8");
    assertThat(model.aliases().get("candidate")).isEqualTo(new Alias("candidate", Map.of("v7", 0, "v8", 100), "v8", 1,
        new SloPolicy(SloPolicy.DEFAULT_WINDOW, SloPolicy.DEFAULT_EVALUATION_INTERVAL, SloPolicy.DEFAULT_MIN_REQUESTS,
            SloPolicy.DEFAULT_MAX_ERROR_RATE, SloPolicy.DEFAULT_MAX_P99_LATENCY, null, SloPolicy.DEFAULT_BREACHES_TO_REVERT,
            SloPolicy.DEFAULT_COOLDOWN),
        new StickyKey(StickyKey.Source.BODY, "user")));

    Model llama = config.registry().models().get("meta-llama/Llama-3.1-8B");
    assertThat(llama.defaultAlias()).isEqualTo("production");
    assertThat(llama.aliases()).isEmpty();
  }

  @Test
  void appliesEveryDefaultToAMinimalFile() throws ConfigException {
    GatewayConfig config = ConfigLoader.parse(MINIMAL, "minimal.yaml");

    assertThat(config.server()).isEqualTo(ServerConfig.defaults());
    assertThat(config.server()).isEqualTo(new ServerConfig(8080, 8081, "0.0.0.0", "127.0.0.1", Duration.ofSeconds(15),
        Duration.ofSeconds(30), 10_485_760L, Duration.ofSeconds(120), Duration.ofSeconds(2),
        new BreakerConfig(0.5, 10, 20, null, Duration.ofSeconds(60), 1.0, Duration.ofSeconds(10), 3),
        new ClientLimits(Duration.ofSeconds(60), Duration.ofSeconds(60), 16_384, 100, 8192),
        ServerConfig.DEFAULT_REPLICA_ID, 268_435_456L));
    assertThat(config.state()).isEqualTo(new StateConfig("file", Path.of("./data"), null, null, 4)).isEqualTo(StateConfig.defaults());
    assertThat(config.auth().adminTokens()).isEmpty();
    assertThat(config.auth().clientKeysEnv()).isEmpty();
    assertThat(config.accessLog()).isEqualTo("./data/access.jsonl");
    assertThat(config.webhooks()).isEmpty();

    Model model = config.registry().models().get("support-agent");
    assertThat(model.defaultAlias()).isEqualTo("production");
    assertThat(model.description()).isNull();
    assertThat(model.owner()).isNull();
    assertThat(model.tags()).isEmpty();
    ModelVersion v7 = model.versions().get("v7");
    assertThat(v7.apiKeyEnv()).isNull();
    assertThat(v7.lineage()).isEmpty();
    assertThat(v7.healthCheck()).isNull();
    Alias production = model.aliases().get("production");
    assertThat(production.stable()).isEqualTo("v7");
    assertThat(production.revision()).isEqualTo(1);
    assertThat(production.slo()).isNull();
    assertThat(production.sticky()).isNull();
  }

  @Test
  void emptyHealthCheckTakesEveryDefault() throws ConfigException {
    GatewayConfig config = ConfigLoader.parse(MINIMAL.replace("endpoints: [http://127.0.0.1:9001]",
        "endpoints: [http://127.0.0.1:9001]\n        health_check: {}"), "t.yaml");
    assertThat(config.registry().models().get("support-agent").versions().get("v7").healthCheck())
        .isEqualTo(new HealthCheck("/health", Duration.ofSeconds(5), Duration.ofSeconds(1)));
  }

  @Test
  void authSectionWithoutAdminTokensGetsTheDefaultAdminToken() throws ConfigException {
    AuthConfig auth = ConfigLoader.parse("auth:\n  client_keys_env: [K]\n" + MINIMAL, "t.yaml").auth();
    assertThat(auth.adminTokens()).containsExactly(new AdminToken("MODELGATE_ADMIN_TOKEN", Role.ADMIN));
    assertThat(auth.clientKeysEnv()).containsExactly("K");
    assertThat(ConfigLoader.parse("auth: {}\n" + MINIMAL, "t.yaml").auth().adminTokens())
        .containsExactly(new AdminToken("MODELGATE_ADMIN_TOKEN", Role.ADMIN));
  }

  @Test
  void explicitlyEmptyAdminTokensMeansNone() throws ConfigException {
    assertThat(ConfigLoader.parse("auth: {admin_tokens: []}\n" + MINIMAL, "t.yaml").auth().adminTokens()).isEmpty();
  }

  @Test
  void accessLogOffIsOffWhetherYamlReadsItAsWordOrBoolean() throws ConfigException {
    assertThat(ConfigLoader.parse("access_log: off\n" + MINIMAL, "t.yaml").accessLog()).isEqualTo("off");
    assertThat(ConfigLoader.parse("access_log: \"off\"\n" + MINIMAL, "t.yaml").accessLog()).isEqualTo("off");
    assertThat(ConfigLoader.parse("access_log: false\n" + MINIMAL, "t.yaml").accessLog()).isEqualTo("off");
    assertThat(ConfigLoader.parse("access_log: '-'\n" + MINIMAL, "t.yaml").accessLog()).isEqualTo("-");
    assertThat(ConfigLoader.parse("access_log: /var/log/mg.jsonl\n" + MINIMAL, "t.yaml").accessLog()).isEqualTo("/var/log/mg.jsonl");
  }

  @Test
  void yesNoOnOffAreTextNotBooleans() throws ConfigException {
    GatewayConfig config = ConfigLoader.parse(MINIMAL.replace("served_model: support-agent", "served_model: on"), "t.yaml");
    assertThat(config.registry().models().get("support-agent").versions().get("v7").servedModel()).isEqualTo("on");
  }

  @Test
  void stateFileTakesItsDirectory() throws ConfigException {
    assertThat(ConfigLoader.parse("state: {dir: /var/lib/modelgate}\n" + MINIMAL, "t.yaml").state())
        .isEqualTo(StateConfig.file(Path.of("/var/lib/modelgate")));
  }

  @Test
  void emptyModelsIsAllowed() throws ConfigException {
    assertThat(ConfigLoader.parse("models: {}", "t.yaml").registry().models()).isEmpty();
  }

  @Test
  void bundledExampleFilesLoadWithoutProblems() throws ConfigException {
    GatewayConfig example = ConfigLoader.load(Path.of("..", "config", "gateway.yaml"));
    assertThat(example.registry().models()).containsKey("support-agent");
    assertThat(example.webhooks()).as("its webhook example needs a secret, so it is commented out").isEmpty();

    GatewayConfig demo = ConfigLoader.load(Path.of("..", "config", "demo.yaml"));
    assertThat(demo.server().port()).isEqualTo(8080);
    assertThat(demo.server().adminPort()).isEqualTo(8081);
    assertThat(demo.auth().adminTokens()).isEmpty();
    Model model = demo.registry().models().get("support-agent");
    assertThat(model.defaultAlias()).isEqualTo("production");
    assertThat(model.versions().get("v7").artifact()).isEqualTo("wandb-artifact://acme/llm/support-agent:v7");
    assertThat(model.versions().get("v7").endpoints()).containsExactly("http://127.0.0.1:9001");
    assertThat(model.versions().get("v8").artifact()).isEqualTo("wandb-artifact://acme/llm/support-agent:v8");
    assertThat(model.versions().get("v8").endpoints()).containsExactly("http://127.0.0.1:9002");
    Alias production = model.aliases().get("production");
    assertThat(production.weights()).isEqualTo(Map.of("v7", 80, "v8", 20));
    assertThat(production.stable()).isEqualTo("v7");
    assertThat(production.slo()).isEqualTo(new SloPolicy(Duration.ofSeconds(30), Duration.ofSeconds(2), 20, 0.1,
        Duration.ofSeconds(2), null, 2, Duration.ofMinutes(10)));
  }

  @Test
  void loadReadsAFileAndNamesItInProblems(@TempDir Path dir) throws IOException, ConfigException {
    Path file = dir.resolve("gw.yaml");
    Files.writeString(file, MINIMAL);
    assertThat(ConfigLoader.load(file).registry().models()).containsKey("support-agent");

    Files.writeString(file, "models: {}\nserver: {port: -1}\n");
    assertThatThrownBy(() -> ConfigLoader.load(file))
        .isInstanceOf(ConfigException.class)
        .hasMessage(file + ": 1 problem:\n  - server.port: -1 (expected: an integer from 0 to 65535)");
  }

  @Test
  void missingOrUndecodableFileIsAProblem(@TempDir Path dir) throws IOException {
    Path missing = dir.resolve("nope.yaml");
    assertThat(problemsOfLoading(missing)).singleElement().asString().startsWith("cannot be read: java.nio.file.NoSuchFileException");

    Path latin1 = dir.resolve("latin1.yaml");
    Files.write(latin1, "models: {}\n# caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
    assertThat(problemsOfLoading(latin1)).containsExactly("the file is not UTF-8 text");
  }

  @Test
  void messageListsEveryProblemUnderTheSource() {
    ConfigException e = catchThrowableOfType(ConfigException.class,
        () -> ConfigLoader.parse("server: {port: abc, admin_port: 70000}\nmodels: {}\n", "gw.yaml"));
    assertThat(e.source()).isEqualTo("gw.yaml");
    assertThat(e.problems()).containsExactly(
        "server.port: 'abc' (expected: an integer from 0 to 65535)",
        "server.admin_port: 70000 (expected: an integer from 0 to 65535)");
    assertThat(e).hasMessage("gw.yaml: 2 problems:\n"
        + "  - server.port: 'abc' (expected: an integer from 0 to 65535)\n"
        + "  - server.admin_port: 70000 (expected: an integer from 0 to 65535)");
  }

  /** Models of three versions and two aliases, then a comment to make the text exactly {@code chars} long. */
  private static String registryOf(int chars) {
    StringBuilder yaml = new StringBuilder("models:\n");
    for (int i = 0; yaml.length() < chars - 2_000; i++) {
      yaml.append("  team/model-").append(i).append(":\n    versions:\n");
      for (int v = 1; v <= 3; v++) {
        yaml.append("      v").append(v).append(": {artifact: s3://models/").append(i).append("/v").append(v)
            .append(", served_model: m").append(i).append(", endpoints: [http://127.0.0.1:").append(9000 + v).append("/v1]}\n");
      }
      yaml.append("    aliases:\n      production: {weights: {v2: 90, v3: 10}, stable: v2}\n      staging: {weights: {v3: 100}}\n");
    }
    while (yaml.length() < chars) {
      int room = chars - yaml.length();
      yaml.append("#").append("x".repeat(Math.max(0, Math.min(room, ConfigLoader.MAX_RUN_CHARS) - 2))).append(room == 1 ? "" : "\n");
    }
    return yaml.toString();
  }

  @Test
  void acceptsAFileOfExactlyTheCapAndRefusesOneCharacterMore() throws ConfigException {
    String atCap = registryOf(ConfigLoader.MAX_CHARS);
    assertThat(atCap).hasSize(16 * 1024 * 1024);
    GatewayConfig config = ConfigLoader.parse(atCap, "big.yaml");
    assertThat(config.registry().models()).hasSizeGreaterThan(10_000);
    Model last = config.registry().models().get("team/model-" + (config.registry().models().size() - 1));
    assertThat(last.versions()).containsOnlyKeys("v1", "v2", "v3");
    assertThat(last.aliases()).containsOnlyKeys("production", "staging");

    assertThat(problemsOf(atCap + " "))
        .containsExactly("the file is 16777217 characters long (expected: at most 16777216)");
  }

  @Test
  void refusesAValueOverTheRunCapNamingItsLine() throws ConfigException {
    String longest = "models: {}\n# " + "x".repeat(ConfigLoader.MAX_RUN_CHARS) + "\n";
    assertThat(ConfigLoader.parse(longest, "ok.yaml").registry().models()).isEmpty();
    assertThat(problemsOf(longest + "server: {host: \"" + "1".repeat(ConfigLoader.MAX_RUN_CHARS - 1) + "\"}\n"))
        .containsExactly("line 3: more than 131072 characters without a space or line break (expected: at most 131072 in one value)");
  }

  static List<String> problemsOf(String yaml) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(yaml, "test.yaml"));
    assertThat(e).as("a ConfigException for:\n%s", yaml).isNotNull();
    return e.problems();
  }

  private static List<String> problemsOfLoading(Path file) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file));
    assertThat(e).isNotNull();
    assertThat(e.source()).isEqualTo(file.toString());
    return e.problems();
  }
}
