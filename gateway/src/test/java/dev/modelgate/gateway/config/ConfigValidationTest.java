package dev.modelgate.gateway.config;

import static dev.modelgate.gateway.config.ConfigLoaderTest.MINIMAL;
import static dev.modelgate.gateway.config.ConfigLoaderTest.problemsOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelgate.gateway.config.AuthConfig.AdminToken;
import dev.modelgate.gateway.config.AuthConfig.Role;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each kind of mistake, reported with its exact path and what was expected. */
class ConfigValidationTest {
  private static final String DURATION = "(expected: a number and a unit (ms, s, m or h), e.g. 250ms, 5s, 1.5m or 1h30m)";
  private static final String ALIASES = "models.support-agent.aliases.";
  private static final String VERSIONS = "models.support-agent.versions.";

  /** Two versions and no aliases, for alias tests to add to. */
  private static final String TWO_VERSIONS = """
      models:
        support-agent:
          versions:
            v7: {artifact: a://7, served_model: sa, endpoints: [http://127.0.0.1:9001]}
            v8: {artifact: a://8, served_model: sa, endpoints: [http://127.0.0.1:9002]}
          aliases:
      """;

  private static String withAlias(String alias) {
    return TWO_VERSIONS + "      " + alias + "\n";
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource(delimiter = '|', value = {
    "port: abc                | server.port: 'abc' (expected: an integer from 0 to 65535)",
    "port: 70000              | server.port: 70000 (expected: an integer from 0 to 65535)",
    "port: -1                 | server.port: -1 (expected: an integer from 0 to 65535)",
    "port: 80.5               | server.port: 80.5 (expected: an integer from 0 to 65535)",
    "port: '8080'             | server.port: '8080' (expected: an integer from 0 to 65535, without quotes)",
    "admin_port: [1]          | server.admin_port: a list (expected: an integer from 0 to 65535)",
    "admin_port: 8080         | server.admin_port: 8080 is also server.port (expected: a port of its own)",
    "host: ''                 | server.host: '' (expected: a host name or IP address, e.g. 127.0.0.1)",
    "admin_host: 'a b'        | server.admin_host: 'a b' (expected: a host name or IP address, e.g. 127.0.0.1)",
    "sse_ping_interval: 0s    | server.sse_ping_interval: 0s (expected: a positive duration such as 15s)",
    "drain_timeout: abc       | server.drain_timeout: 'abc' is not a duration " + DURATION,
    "max_body_bytes: 0        | server.max_body_bytes: 0 (expected: a number of bytes from 1 to 2147483647)",
    "max_body_bytes: 3000000000 | server.max_body_bytes: 3000000000 (expected: a number of bytes from 1 to 2147483647)",
    "upstream_timeout: 5      | server.upstream_timeout: '5' is not a duration " + DURATION,
    "connect_timeout: -2s     | server.connect_timeout: '-2s' is not a duration " + DURATION,
    "client_idle_timeout: 0s  | server.client_idle_timeout: 0s (expected: a positive duration such as 1m)",
    "request_read_timeout: x  | server.request_read_timeout: 'x' is not a duration " + DURATION,
    "max_header_bytes: 100    | server.max_header_bytes: 100 (expected: a number of bytes from 1024 to 1048576)",
    "max_headers: 0           | server.max_headers: 0 (expected: a number of headers from 1 to 10000)",
    "max_url_bytes: 2000000   | server.max_url_bytes: 2000000 (expected: a number of bytes from 1024 to 1048576)",
  })
  void serverProblems(String entry, String problem) {
    assertThat(problemsOf("server: {" + entry + "}\n" + MINIMAL)).containsExactly(problem);
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource(delimiter = '|', value = {
    "failure_rate: 0          | server.circuit_breaker.failure_rate: 0.0 (expected: a share above 0 and at most 1, e.g. 0.5)",
    "failure_rate: 50         | server.circuit_breaker.failure_rate: 50.0 (expected: a share above 0 and at most 1, e.g. 0.5)",
    "failure_rate: half       | server.circuit_breaker.failure_rate: 'half' (expected: a number, e.g. 0.05)",
    "slow_call_rate: 1.5      | server.circuit_breaker.slow_call_rate: 1.5 (expected: a share above 0 and at most 1, e.g. 1.0)",
    "min_calls: 0             | server.circuit_breaker.min_calls: 0 (expected: an integer from 1 to 10000)",
    "min_calls: 30            | server.circuit_breaker.min_calls: 30 is more than window: 20 calls (expected: at most the window)",
    "window: 0                | server.circuit_breaker.window: 0 (expected: a number of calls from 1 to 10000, or a duration in whole seconds such as 30s)",
    "window: 1500ms           | server.circuit_breaker.window: 1500ms (expected: a number of calls such as 20, or whole seconds such as 30s)",
    "window: soon             | server.circuit_breaker.window: 'soon' is not a duration " + DURATION,
    "open_for: 0s             | server.circuit_breaker.open_for: 0s (expected: a positive duration such as 10s)",
    "slow_call_duration: 0s   | server.circuit_breaker.slow_call_duration: 0s (expected: a positive duration such as 1m)",
    "half_open_probes: 0      | server.circuit_breaker.half_open_probes: 0 (expected: an integer from 1 to 10000)",
    "open_fro: 1s             | server.circuit_breaker.open_fro: unknown key (did you mean 'open_for'?)",
  })
  void circuitBreakerProblems(String entry, String problem) {
    assertThat(problemsOf("server: {circuit_breaker: {" + entry + "}}\n" + MINIMAL)).containsExactly(problem);
  }

  @Test
  void circuitBreakerWindowIsCallsOrWholeSeconds() throws ConfigException {
    BreakerConfig calls = ConfigLoader.parse("server: {circuit_breaker: {window: 5, min_calls: 5}}\n" + MINIMAL, "t").server().circuitBreaker();
    BreakerConfig time = ConfigLoader.parse("server: {circuit_breaker: {window: 1m, min_calls: 50}}\n" + MINIMAL, "t").server().circuitBreaker();

    assertThat(calls.windowCalls()).isEqualTo(5);
    assertThat(calls.windowTime()).isNull();
    assertThat(time.windowCalls()).isZero();
    assertThat(time.windowTime()).isEqualTo(Duration.ofMinutes(1));
    assertThat(time.minCalls()).isEqualTo(50);
  }

  @Test
  void samePortIsFineOnTwoSpecificAddresses() throws ConfigException {
    ServerConfig server = ConfigLoader.parse("server: {port: 9000, admin_port: 9000, host: 10.0.0.1}\n" + MINIMAL, "t").server();
    assertThat(server.port()).isEqualTo(server.adminPort()).isEqualTo(9000);
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource(delimiter = '|', value = {
    "state: {kind: mysql}                      | state.kind: 'mysql' (expected: file or postgres)",
    "state: postgres                           | state: 'postgres' (expected: a mapping such as {kind: file, dir: ./data} or {kind: postgres, url: postgresql://…})",
    "state: {kind: postgres}                   | state.url: missing (expected: a postgresql:// URL when kind is postgres)",
    "state: {kind: postgres, url: mysql://x/y} | state.url: 'mysql://x/y' (expected: a postgresql:// or postgres:// URL)",
    "state: {url: postgresql://h/db}           | state.url: is only for kind: postgres (expected: no url, or kind: postgres)",
    "state: {dir: ''}                          | state.dir: is empty (expected: a directory, e.g. ./data)",
    "state: {dir: 7}                           | state.dir: 7 (expected: a string; quote it to keep it as text)",
    "state: {password_env: PGPASS}             | state.password_env: is only for kind: postgres (expected: no password_env, or kind: postgres)",
    "state: {pool_size: 2}                     | state.pool_size: is only for kind: postgres (expected: no pool_size, or kind: postgres)",
    "state: {kind: postgres, url: 'postgresql://mg:s3cret@db/mg'} | state.url: has a password in it (expected: no password in the URL; name the environment variable that holds it in state.password_env)",
    "state: {kind: postgres, url: 'postgresql://db/mg?user=mg&password=s3cret'} | state.url: has a password in it (expected: no password in the URL; name the environment variable that holds it in state.password_env)",
    "state: {kind: postgres, url: 'mysql://mg:s3cret@db/mg'} | state.url: has a password in it (expected: no password in the URL; name the environment variable that holds it in state.password_env)",
    "state: {kind: postgres, url: 'postgresql:///mg'} | state.url: 'postgresql:///mg' has no host (expected: postgresql://user@host:5432/database)",
    "state: {kind: postgres, url: 'postgresql://db/mg', password_env: 1PW} | state.password_env: '1PW' is not an environment variable name (expected: letters, digits and _, not starting with a digit)",
    "state: {kind: postgres, url: 'postgresql://db/mg', pool_size: 0} | state.pool_size: 0 (expected: an integer from 1 to 100)",
  })
  void stateProblems(String section, String problem) {
    assertThat(problemsOf(section + "\n" + MINIMAL)).containsExactly(problem);
  }

  @Test
  void postgresTakesAUrlAPasswordVariableAndAPoolSize() throws ConfigException {
    assertThat(ConfigLoader.parse("state: {kind: postgres, url: 'postgres://mg@db:5433/mg?sslmode=require', password_env: PGPASS}\n"
        + MINIMAL, "t").state()).isEqualTo(StateConfig.postgres("postgres://mg@db:5433/mg?sslmode=require", "PGPASS", 4));
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource(delimiter = '|', value = {
    "replica_id: gw-1.eu_west | gw-1.eu_west",
    "port: 1                  | ",
  })
  void replicaIdIsASafeNameDefaultingToHostAndPid(String entry, String expected) throws ConfigException {
    String replicaId = ConfigLoader.parse("server: {" + entry + "}\n" + MINIMAL, "t").server().replicaId();
    assertThat(replicaId).isEqualTo(expected == null ? ServerConfig.DEFAULT_REPLICA_ID : expected);
    assertThat(ServerConfig.DEFAULT_REPLICA_ID).matches(ServerConfig.REPLICA_ID).endsWith("-" + ProcessHandle.current().pid());
  }

  @Test
  void replicaIdMustBeASafeName() {
    assertThat(problemsOf("server: {replica_id: 'gw 1; drop'}\n" + MINIMAL)).containsExactly(
        "server.replica_id: 'gw 1; drop' (expected: 1 to 40 of A-Z a-z 0-9 . _ -, starting with a letter or digit, e.g. gw-1)");
  }

  @Test
  void postgresTakesNoDirectory() {
    assertThat(problemsOf("state: {kind: postgres, url: 'postgres://h/db', dir: /x}\n" + MINIMAL))
        .containsExactly("state.dir: is only for kind: file (expected: no dir, or kind: file)");
  }

  @Test
  void authProblems() {
    String yaml = """
        auth:
          admin_tokens:
            - {token_env: A, role: root}
            - {role: admin}
            - {token_env: 1BAD, role: Admin}
            - {token_env: A, role: viewer}
            - just-a-string
          client_keys_env: [K, K, bad-name, 7]
        """ + MINIMAL;
    assertThat(problemsOf(yaml)).containsExactly(
        "auth.admin_tokens[0].role: 'root' (expected: viewer, operator or admin)",
        "auth.admin_tokens[1].token_env: missing (expected: the environment variable holding the token, e.g. MODELGATE_ADMIN_TOKEN)",
        "auth.admin_tokens[2].token_env: '1BAD' is not an environment variable name (expected: letters, digits and _, not starting with a digit)",
        "auth.admin_tokens[2].role: 'Admin' (expected: viewer, operator or admin)",
        "auth.admin_tokens[3].token_env: A is listed twice (expected: one role per token)",
        "auth.admin_tokens[4]: 'just-a-string' (expected: a mapping such as {token_env: MODELGATE_ADMIN_TOKEN, role: admin})",
        "auth.client_keys_env[3]: 7 (expected: a string; quote it to keep it as text)",
        "auth.client_keys_env[1]: K is listed twice",
        "auth.client_keys_env[2]: 'bad-name' is not an environment variable name (expected: letters, digits and _, not starting with a digit)");
  }

  @Test
  void namesEachAdminTokenAfterItsRoleUnlessTheConfigNamesIt() throws ConfigException {
    String yaml = """
        auth:
          admin_tokens:
            - {name: ci, token_env: CI_TOKEN, role: admin}
            - {token_env: SRE_TOKEN, role: operator}
            - {name: "alice@example.com", token_env: ALICE_TOKEN, role: viewer}
          require_distinct_approver: true
        """ + MINIMAL;
    AuthConfig auth = ConfigLoader.parse(yaml, "t").auth();

    assertThat(auth.adminTokens()).containsExactly(new AdminToken("ci", "CI_TOKEN", Role.ADMIN),
        new AdminToken("operator", "SRE_TOKEN", Role.OPERATOR), new AdminToken("alice@example.com", "ALICE_TOKEN", Role.VIEWER));
    assertThat(auth.requireDistinctApprover()).isTrue();
    assertThat(ConfigLoader.parse("auth: {admin_tokens: []}\n" + MINIMAL, "t").auth().requireDistinctApprover()).isFalse();
  }

  @Test
  void refusesAdminTokenNamesThatAreMalformedOrTaken() {
    String yaml = """
        auth:
          admin_tokens:
            - {name: ci, token_env: A, role: admin}
            - {name: ci, token_env: B, role: viewer}
            - {token_env: C, role: operator}
            - {token_env: D, role: operator}
            - {name: operator, token_env: E, role: viewer}
            - {name: "has space", token_env: F, role: viewer}
            - {name: "", token_env: G, role: viewer}
            - {name: 7, token_env: H, role: viewer}
          require_distinct_approver: "true"
        """ + MINIMAL;
    String expected = "(expected: a distinct name per token; a token without name is named after its role)";
    assertThat(problemsOf(yaml)).containsExactly(
        "auth.admin_tokens[1].name: 'ci' is already the name of auth.admin_tokens[0] " + expected,
        "auth.admin_tokens[3]: 'operator' is already the name of auth.admin_tokens[2] " + expected,
        "auth.admin_tokens[4].name: 'operator' is already the name of auth.admin_tokens[2] " + expected,
        "auth.admin_tokens[5].name: 'has space' (expected: 1 to 64 of A-Z a-z 0-9 . _ : @ -, starting with a letter or digit, e.g. ci)",
        "auth.admin_tokens[6].name: '' (expected: 1 to 64 of A-Z a-z 0-9 . _ : @ -, starting with a letter or digit, e.g. ci)",
        "auth.admin_tokens[7].name: 7 (expected: a string; quote it to keep it as text)",
        "auth.require_distinct_approver: 'true' (expected: true or false, without quotes)");
  }

  @Test
  void adminTokensMustBeAList() {
    assertThat(problemsOf("auth: {admin_tokens: {token_env: A, role: admin}}\n" + MINIMAL)).containsExactly(
        "auth.admin_tokens: a mapping (expected: a list such as [{token_env: MODELGATE_ADMIN_TOKEN, role: admin}])");
  }

  @Test
  void emptyAuthKeyCountsAsNoSection() throws ConfigException {
    // "auth:" with nothing after it is null in YAML; the admin API then stays closed.
    assertThat(ConfigLoader.parse("auth:\n" + MINIMAL, "t").auth()).isEqualTo(AuthConfig.none());
    assertThat(ConfigLoader.parse("auth:\n  admin_tokens:\n" + MINIMAL, "t").auth().adminTokens())
        .containsExactly(new AdminToken("MODELGATE_ADMIN_TOKEN", Role.ADMIN));
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource(delimiter = '|', value = {
    "access_log: true         | access_log: true (expected: a file path, \"-\" for stdout, or off)",
    "access_log: ''           | access_log: '' (expected: a file path, \"-\" for stdout, or off)",
    "access_log: [a]          | access_log: a list (expected: a file path, \"-\" for stdout, or off)",
    "access_log: \"a\\0b\"    | access_log: 'a\\u0000b' (expected: a file path: Nul character not allowed)",
  })
  void accessLogProblems(String entry, String problem) {
    assertThat(problemsOf(entry + "\n" + MINIMAL)).containsExactly(problem);
  }

  @Test
  void webhookProblems() {
    String yaml = """
        webhooks:
          - {url: ftp://x, events: [promte, config, config, nonsense]}
          - {url: "http://", secret_env: S, events: []}
          - {url: "http://x y", secret_env: my-secret}
          - https://example.com/hook
        """ + MINIMAL;
    assertThat(problemsOf(yaml)).containsExactly(
        "webhooks[0].secret_env: missing (expected: the environment variable holding the signing secret)",
        "webhooks[0].url: 'ftp://x' (expected: an http:// or https:// URL with a host)",
        "webhooks[0].events[0]: 'promte' is not an audit action (did you mean 'promote'?)",
        "webhooks[0].events[2]: config is listed twice",
        "webhooks[0].events[3]: 'nonsense' is not an audit action "
            + "(expected one of: register_version, set_weights, promote, rollback, auto_rollback, config, rollout_started, rollout_advanced, rollout_paused, rollout_resumed, rollout_approved, rollout_completed, rollout_aborted, registry_synced)",
        "webhooks[1].url: 'http://' (expected: an http:// or https:// URL with a host: Expected authority)",
        "webhooks[1].events: is empty (expected: some of register_version, set_weights, promote, rollback, auto_rollback, config, "
            + "rollout_started, rollout_advanced, rollout_paused, rollout_resumed, rollout_approved, rollout_completed, rollout_aborted, registry_synced; leave it out for all)",
        "webhooks[2].url: 'http://x y' (expected: an http:// or https:// URL with a host: Illegal character in authority)",
        "webhooks[2].secret_env: 'my-secret' is not an environment variable name (expected: letters, digits and _, not starting with a digit)",
        "webhooks[3]: 'https://example.com/hook' (expected: a mapping such as {url: https://…, secret_env: HOOK_SECRET})");
  }

  @Test
  void webhooksMustBeAList() {
    assertThat(problemsOf("webhooks: {url: http://x}\n" + MINIMAL))
        .containsExactly("webhooks: a mapping (expected: a list of {url, secret_env, events})");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "server: {}     | models: missing (expected: a mapping of model name to model, e.g. {support-agent: {versions: …, aliases: …}}; {} for none)",
    "models:        | models: has no value (expected: a mapping of model name to model, e.g. {support-agent: {versions: …, aliases: …}}; {} for none)",
    "models: [a]    | models: a list (expected: a mapping of model name to model, e.g. {support-agent: {versions: …, aliases: …}})",
    "models: {m: x} | models.m: 'x' (expected: a mapping with versions and aliases)",
  })
  void modelsIsRequiredAndAMapping(String yaml, String problem) {
    assertThat(problemsOf(yaml)).containsExactly(problem);
  }

  @Test
  void versionRequiresArtifactServedModelAndEndpoints() {
    String yaml = """
        models:
          support-agent:
            versions:
              v7: {}
              v8: {artifact: x, served_model: y, endpoints: "http://127.0.0.1:1"}
              v9: {artifact: 5, served_model: [y], endpoints: [42, http://127.0.0.1:1, http://127.0.0.1:1]}
              v10:
              v11: {artifact: x, served_model: y, endpoints: []}
              v12: {artifact: '', served_model: y, endpoints: [localhost:8000]}
        """;
    assertThat(problemsOf(yaml)).containsExactly(
        VERSIONS + "v7.artifact: missing (expected: the URI of the exact binary, e.g. wandb-artifact://acme/llm/support-agent:v8)",
        VERSIONS + "v7.served_model: missing (expected: the name the backend serves this version under)",
        VERSIONS + "v7.endpoints: missing (expected: a list of base URLs, e.g. [http://127.0.0.1:9001])",
        VERSIONS + "v8.endpoints: 'http://127.0.0.1:1' (expected: a list, e.g. [a, b])",
        VERSIONS + "v9.artifact: 5 (expected: a string; quote it to keep it as text)",
        VERSIONS + "v9.served_model: a list (expected: a string)",
        VERSIONS + "v9.endpoints[0]: 42 (expected: a string; quote it to keep it as text)",
        VERSIONS + "v10.artifact: missing (expected: the URI of the exact binary, e.g. wandb-artifact://acme/llm/support-agent:v8)",
        VERSIONS + "v10.served_model: missing (expected: the name the backend serves this version under)",
        VERSIONS + "v10.endpoints: missing (expected: a list of base URLs, e.g. [http://127.0.0.1:9001])",
        // From here on RegistryRules speaks; nothing above is reported a second time by it.
        VERSIONS + "v9.endpoints[2]: http://127.0.0.1:1 is listed twice",
        VERSIONS + "v11.endpoints: is empty (expected: at least one base URL such as http://127.0.0.1:8000)",
        VERSIONS + "v12.artifact: is empty",
        VERSIONS + "v12.endpoints[0]: 'localhost:8000' (expected: an http:// or https:// base URL)");
  }

  @Test
  void versionDetailsProblems() {
    String yaml = """
        models:
          support-agent:
            default_alias: v1
            description: 42
            tags: support
            versions:
              "7": {artifact: a, served_model: s, endpoints: [http://127.0.0.1:1], lineage: [a]}
              v1: {artifact: a, served_model: s, endpoints: [http://127.0.0.1:1], lineage: {x: ~, y: [1, ~], z: {w: ~}, ok: 1}}
              v2: {artifact: a, served_model: s, endpoints: [http://127.0.0.1:1], health_check: {path: health, interval: 1y}}
              v3: {artifact: a, served_model: s, endpoints: [http://127.0.0.1:1], health_check: 5s, api_key_env: "not ok"}
          "bad name!": {}
        """;
    assertThat(problemsOf(yaml)).containsExactly(
        "models.support-agent.description: 42 (expected: a string; quote it to keep it as text)",
        "models.support-agent.tags: 'support' (expected: a list, e.g. [a, b])",
        VERSIONS + "7.lineage: a list (expected: a mapping, e.g. {base_model: …, dataset_version: …})",
        VERSIONS + "v1.lineage.x: has no value (expected: a string, number, boolean, list or mapping)",
        VERSIONS + "v1.lineage.y[1]: has no value (expected: a string, number, boolean, list or mapping)",
        VERSIONS + "v1.lineage.z.w: has no value (expected: a string, number, boolean, list or mapping)",
        VERSIONS + "v2.health_check.interval: '1y' is not a duration " + DURATION,
        VERSIONS + "v3.health_check: '5s' (expected: a mapping such as {path: /health, interval: 5s, timeout: 1s})",
        "models.support-agent.default_alias: alias 'v1' looks like a version id (expected: a name that is not v<number>)",
        VERSIONS + "7: version id '7' is not of the form v<number> (e.g. v7)",
        VERSIONS + "v2.health_check.path: 'health' (expected: a path starting with /)",
        VERSIONS + "v3.api_key_env: 'not ok' is not an environment variable name (expected: letters, digits and _, not starting with a digit)",
        "models.bad name!: model name has the character U+0020 (expected: A-Z a-z 0-9 . _ - /)");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "a: {}                                          | a.weights: missing (expected: version weights summing to 100, e.g. {v7: 90, v8: 10})",
    "a:                                             | a.weights: missing (expected: version weights summing to 100, e.g. {v7: 90, v8: 10})",
    "a: 100                                         | a: 100 (expected: a mapping with weights and stable)",
    "a: {weights: [v7], stable: v7}                 | a.weights: a list (expected: version weights summing to 100, e.g. {v7: 90, v8: 10})",
    "a: {weights: {v7: abc, v8: 100}}               | a.weights.v7: 'abc' (expected: an integer from 0 to 100)",
    "a: {weights: {v7: 99.5, v8: 1}, stable: v7}    | a.weights.v7: 99.5 (expected: an integer from 0 to 100)",
    "a: {weights: {v7: 99999999999}}                | a.weights.v7: 99999999999 (expected: an integer from 0 to 100)",
    "a: {weights: {v7: 90, v8: 10}}                 | a.stable: missing (expected: the version a rollback sends 100 % to; it may be left out only when one version has weight 100)",
    "a: {weights: {v7: 90, v8: 5}, stable: v7}      | a.weights: sum is 95 (expected: 100)",
    "a: {weights: {v7: 90, v8: 10}, stable: v9}     | a.stable: names unknown version 'v9' (expected one of: v7, v8)",
    "a: {weights: {v7: 90, v9: 10}, stable: v7}     | a.weights.v9: names unknown version 'v9' (expected one of: v7, v8)",
    "a: {weights: {}, stable: v7}                   | a.weights: is empty (expected: version weights summing to 100, e.g. {v7: 90, v8: 10})",
    "a: {weights: {v7: 100}, stable: [v7]}          | a.stable: a list (expected: a string)",
    "a: {weights: {v7: 100}, sticky: 'cookie:x'}    | a.sticky: 'cookie:x' is not a sticky key (expected: header:<name> or body:<field>, e.g. header:x-session-id)",
    "a: {weights: {v7: 100}, slo: 5s}               | a.slo: '5s' (expected: a mapping such as {max_error_rate: 0.05, max_p99_latency: 2s})",
    "a: {weights: {v7: 100}, slo: {window: 5}}      | a.slo.window: '5' is not a duration " + DURATION,
    "a: {weights: {v7: 100}, slo: {cooldown: 1x}}   | a.slo.cooldown: '1x' is not a duration " + DURATION,
    "a: {weights: {v7: 100}, slo: {max_error_rate: high} } | a.slo.max_error_rate: 'high' (expected: a number, e.g. 0.05)",
    "a: {weights: {v7: 100}, slo: {max_error_rate: 5} }    | a.slo.max_error_rate: 5.0 (expected: a fraction from 0 to 1, e.g. 0.05)",
    "a: {weights: {v7: 100}, slo: {min_requests: 1.5}}     | a.slo.min_requests: 1.5 (expected: an integer, e.g. 50)",
    "a: {weights: {v7: 100}, slo: {min_requests: 0}}       | a.slo.min_requests: 0 (expected: 1 or more)",
    "a: {weights: {v7: 100}, slo: {breaches_to_revert: 0}} | a.slo.breaches_to_revert: 0 (expected: 1 or more)",
    "a: {weights: {v7: 100}, slo: {relative_to_stable: 0.5}} | a.slo.relative_to_stable: 0.5 (expected: a factor of 1 or more, e.g. 2.0)",
    "a: {weights: {v7: 100}, slo: {max_p99_latency: 0ms}}  | a.slo.max_p99_latency: 0s (expected: a positive duration such as 5s)",
    "v3: {weights: {v7: 100}}                       | v3: alias 'v3' looks like a version id (expected: a name that is not v<number>)",
  })
  void aliasProblems(String alias, String problem) {
    assertThat(problemsOf(withAlias(alias))).containsExactly(ALIASES + problem);
  }

  @Test
  void weightsOutOfRangeAreRegistryRulesToJudge() {
    assertThat(problemsOf(withAlias("a: {weights: {v7: 150, v8: -50}, stable: v7}"))).containsExactly(
        ALIASES + "a.weights.v7: 150 (expected: an integer from 0 to 100)",
        ALIASES + "a.weights.v8: -50 (expected: an integer from 0 to 100)");
  }

  @Test
  void stableDefaultsToTheOneVersionAtHundred() throws ConfigException {
    GatewayConfig config = ConfigLoader.parse(withAlias("a: {weights: {v7: 0, v8: 100}}"), "t");
    assertThat(config.registry().models().get("support-agent").aliases().get("a").stable()).isEqualTo("v8");
  }

  @Test
  void unknownKeysAreNamedAtEveryDepth() {
    String yaml = """
        modles: {}
        server: {prot: 1, adminport: 2, foo: 3}
        state: {foo: 1}
        auth: {admin_tokens: [{token_env: A, role: admin, rol: admin}], client_key_env: []}
        webhooks: [{url: http://x, secret_env: S, evnts: []}]
        models:
          support-agent:
            versoins: {}
            versions:
              v7:
                artifact: a://x
                served_model: sa
                endpoint: [http://127.0.0.1:9001]
                endpoints: [http://127.0.0.1:9001]
                health_check: {pth: /x}
            aliases:
              production:
                wieghts: {v7: 100}
                weights: {v7: 100}
                slo: {windw: 5s, max_p99: 1s}
        """;
    assertThat(problemsOf(yaml)).containsExactly(
        "server.prot: unknown key (did you mean 'port'?)",
        "server.adminport: unknown key (did you mean 'admin_port'?)",
        "server.foo: unknown key (expected one of: port, admin_port, host, admin_host, sse_ping_interval, drain_timeout, "
            + "max_body_bytes, upstream_timeout, connect_timeout, client_idle_timeout, request_read_timeout, max_header_bytes, "
            + "max_headers, max_url_bytes, circuit_breaker, replica_id, cache)",
        "state.foo: unknown key (expected one of: kind, dir, url, password_env, pool_size)",
        "auth.admin_tokens[0].rol: unknown key (did you mean 'role'?)",
        "auth.client_key_env: unknown key (did you mean 'client_keys_env'?)",
        "webhooks[0].evnts: unknown key (did you mean 'events'?)",
        VERSIONS + "v7.health_check.pth: unknown key (did you mean 'path'?)",
        VERSIONS + "v7.endpoint: unknown key (did you mean 'endpoints'?)",
        ALIASES + "production.slo.windw: unknown key (did you mean 'window'?)",
        ALIASES + "production.slo.max_p99: unknown key (expected one of: window, evaluation_interval, min_requests, "
            + "max_error_rate, max_p99_latency, relative_to_stable, breaches_to_revert, cooldown)",
        ALIASES + "production.wieghts: unknown key (did you mean 'weights'?)",
        "models.support-agent.versoins: unknown key (did you mean 'versions'?)",
        "modles: unknown key (did you mean 'models'?)");
  }

  @Test
  void everyProblemOfAFileIsReportedAtOnce() {
    String yaml = """
        server:
          port: abc
          drain_timeout: soon
        state: {kind: postgres}
        access_log: true
        models:
          support-agent:
            versions:
              v7: {served_model: sa, endpoints: [http://127.0.0.1:9001]}
              v8: {artifact: a://8, served_model: sa, endpoints: [ftp://127.0.0.1:9002]}
            aliases:
              production:
                wieghts: {v7: 95}
              canary:
                weights: {v7: 95}
                stable: v7
                slo: {window: 1d}
        """;
    assertThat(problemsOf(yaml)).containsExactly(
        "server.port: 'abc' (expected: an integer from 0 to 65535)",
        "server.drain_timeout: 'soon' is not a duration " + DURATION,
        "state.url: missing (expected: a postgresql:// URL when kind is postgres)",
        "access_log: true (expected: a file path, \"-\" for stdout, or off)",
        VERSIONS + "v7.artifact: missing (expected: the URI of the exact binary, e.g. wandb-artifact://acme/llm/support-agent:v8)",
        ALIASES + "production.weights: missing (expected: version weights summing to 100, e.g. {v7: 90, v8: 10})",
        ALIASES + "production.wieghts: unknown key (did you mean 'weights'?)",
        ALIASES + "canary.slo.window: '1d' is not a duration " + DURATION,
        VERSIONS + "v8.endpoints[0]: 'ftp://127.0.0.1:9002' (expected: an http:// or https:// base URL)",
        ALIASES + "canary.weights: sum is 95 (expected: 100)");
  }

  @Test
  void duplicateKeysAreRejectedWithPathAndLine() {
    String yaml = """
        server:
          port: 1
          port: 2
        models:
          m:
            versions: {}
            versions: {}
          m: {}
        """;
    assertThat(problemsOf(yaml)).containsExactly(
        "server.port: duplicate key (line 3, column 3; expected: each key once per mapping)",
        "models.m.versions: duplicate key (line 7, column 5; expected: each key once per mapping)",
        "models.m: duplicate key (line 8, column 3; expected: each key once per mapping)");
  }

  @Test
  void problemsAreListedYamlFirstThenSettingsThenModelsWhereverTheModelsStandInTheFile() {
    // The models are read while the YAML is walked (one at a time); their problems still come after the settings'.
    String yaml = """
        models:
          m:
            versions: {v1: {artifact: a, served_model: m, endpoints: ['http://127.0.0.1:1/v1'], colour: red}}
            aliases: {production: {weights: {v1: 100}, stable: v1}}
          m: {}
        server: {port: x}
        """;
    assertThat(problemsOf(yaml)).containsExactly(
        "models.m: duplicate key (line 5, column 3; expected: each key once per mapping)",
        "server.port: 'x' (expected: an integer from 0 to 65535)",
        "models.m.versions.v1.colour: unknown key (expected one of: artifact, served_model, endpoints, api_key_env, lineage, health_check)");
  }

  @Test
  void duplicateKeyInAFlowMappingToo() {
    assertThat(problemsOf("server: {port: 1, port: 1}\n" + MINIMAL))
        .containsExactly("server.port: duplicate key (line 1, column 19; expected: each key once per mapping)");
  }

  @Test
  void yamlSyntaxErrorsHaveALineAndColumn() {
    assertThat(problemsOf("models:\n  m:\n    versions:\n      v1: {artifact: a\n")).containsExactly(
        "line 5, column 1: expected ',' or '}', but got <stream end> (while parsing a flow mapping that starts at line 4, column 11)");
    assertThat(problemsOf("server:\n  port: 1\n admin_port: 2\nmodels: {}\n")).containsExactly(
        "line 3, column 2: expected <block end>, but found '<block mapping start>' "
            + "(while parsing a block mapping that starts at line 1, column 1)");
    assertThat(problemsOf("models: {}\n\tserver: {}\n")).singleElement().asString()
        .startsWith("line 2, column 1: ")
        .contains("TAB");
    assertThat(problemsOf("? [a, b]\n: 1\nmodels: {}\n"))
        .containsExactly("line 1, column 4: a key is a list or mapping (expected: a plain key such as port)");
  }

  @ParameterizedTest(name = "[{index}] {1}")
  @CsvSource(delimiter = '|', value = {
    "''                   | the file is empty (expected: a mapping with at least a 'models' key)",
    "'# just a comment\n' | the file is empty (expected: a mapping with at least a 'models' key)",
    "'---\n'              | the top level is empty (expected: a mapping with at least a 'models' key)",
    "'~'                  | the top level is empty (expected: a mapping with at least a 'models' key)",
    "'- a\n- b\n'         | the top level is a list (expected: a mapping with at least a 'models' key)",
    "just text            | the top level is 'just text' (expected: a mapping with at least a 'models' key)",
    "'models: {}\n---\nmodels: {}\n' | line 3, column 1: a second YAML document (expected: one document, without another '---')",
  })
  void emptyOrNonMappingTopLevelIsAClearProblem(String yaml, String problem) {
    assertThat(problemsOf(yaml.replace("\\n", "\n"))).containsExactly(problem);
  }

  @Test
  void yamlAliasesAreRejectedRatherThanMisread() {
    String yaml = """
        models:
          m:
            versions: {v1: {artifact: &a x, served_model: *a, endpoints: [http://127.0.0.1:1]}}
        """;
    assertThat(problemsOf(yaml)).containsExactly(
        "models.m.versions.v1.served_model: YAML alias *a is not supported (line 3, column 51; expected: the value written out)");
  }

  @Test
  void hugeNumbersAreCutShortToo() {
    assertThat(problemsOf("server: {port: " + "9".repeat(500) + "}\n" + MINIMAL))
        .containsExactly("server.port: " + "9".repeat(80) + "… (expected: an integer from 0 to 65535)");
  }

  @Test
  void problemsShowTextOnOneLineAndCutShort() {
    String longName = "x".repeat(200);
    assertThat(problemsOf("server: {host: \"a\\nb\", admin_host: " + longName + " x}\n" + MINIMAL)).containsExactly(
        "server.host: 'a\\nb' (expected: a host name or IP address, e.g. 127.0.0.1)",
        "server.admin_host: '" + "x".repeat(80) + "…' (expected: a host name or IP address, e.g. 127.0.0.1)");
  }
}
