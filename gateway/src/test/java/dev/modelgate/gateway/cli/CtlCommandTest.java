package dev.modelgate.gateway.cli;

import java.time.Duration;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.proxy.GatewayHarness;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * {@code modelgate ctl} end to end: each subcommand run in process, as a user would type it, against
 * a real gateway on loopback. Every test works on models of its own, so the order they run in does
 * not matter.
 */
@Timeout(60)
class CtlCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String VIEWER = "viewer-secret";
  private static final String OPERATOR = "operator-secret";
  private static final String ADMIN = "admin-secret";
  private static final GatewayHarness gateway = new GatewayHarness();
  private static String backend;

  @BeforeAll
  static void start() throws Exception {
    backend = GatewayHarness.url(gateway.sim(SimOptions.defaults().withTtft(Duration.ofMillis(1)).withInterTokenLatency(Duration.ZERO).withTokens(2)));
    StringBuilder yaml = new StringBuilder(GatewayHarness.adminFixture(backend));
    for (String model : List.of("weighed", "stale", "guarded", "promoted", "audited", "followed", "streamed")) {
      yaml.append("""
            %s:
              versions:
                v1: {artifact: "s3://m/v1", served_model: m, endpoints: [%s]}
                v2: {artifact: "s3://m/v2", served_model: m, endpoints: [%2$s]}
              aliases:
                production: {weights: {v1: 100}, stable: v1}
                staging: {weights: {v1: 50, v2: 50}, stable: v1}
          """.formatted(model, backend));
    }
    gateway.start(yaml.toString(), Map.of("VIEWER_TOKEN", VIEWER, "OPERATOR_TOKEN", OPERATOR, "ADMIN_TOKEN", ADMIN, "LLAMA_KEY", "llama-backend-key"));
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  private record Run(int exitCode, String out, String err) {
    JsonNode json() throws IOException {
      return JSON.readTree(out);
    }
  }

  private static Map<String, String> env(String token) {
    Map<String, String> env = new HashMap<>();
    env.put(CtlCommand.URL_ENV, gateway.adminUri("").toString());
    if (token != null) {
      env.put(CtlCommand.TOKEN_ENV, token);
    }
    return env;
  }

  private static Run ctl(Map<String, String> env, String... args) {
    return ctl(env, new StringWriter(), args);
  }

  private static Run ctl(Map<String, String> env, StringWriter out, String... args) {
    StringWriter err = new StringWriter();
    CommandLine commandLine = ModelgateCommand.commandLine();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    ((CtlCommand) commandLine.getSubcommands().get("ctl").getCommand()).environment = env::get;
    String[] full = new String[args.length + 1];
    full[0] = "ctl";
    System.arraycopy(args, 0, full, 1, args.length);
    int exitCode = commandLine.execute(full);
    return new Run(exitCode, out.toString(), err.toString());
  }

  private static Run operator(String... args) {
    return ctl(env(OPERATOR), args);
  }

  private static Run admin(String... args) {
    return ctl(env(ADMIN), args);
  }

  private static long revision(String model, String alias) throws IOException {
    Run show = ctl(env(VIEWER), "alias", "show", model, alias, "--json");
    assertThat(show.exitCode).as(show.err).isZero();
    return show.json().path("revision").asLong();
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  @Test
  void modelsListsARowPerModelAliasWithItsWeightsAndJsonIsTheServersOwnBody() throws Exception {
    Run human = ctl(env(VIEWER), "models");
    Run json = ctl(env(VIEWER), "models", "--json");
    Run jsonFirst = ctl(env(VIEWER), "--json", "models");

    assertThat(human.exitCode).as(human.err).isZero();
    assertThat(human.out.lines().findFirst()).hasValueSatisfying(header -> assertThat(header).matches("MODEL:ALIAS\\s+REVISION\\s+STABLE\\s+WEIGHTS\\s+VERSIONS"));
    assertThat(human.out).containsPattern("support-agent:production\\s+\\d+\\s+v7\\s+v7 90%, v8 10%\\s+v7 v8\n")
        .containsPattern("meta-llama/Llama-3.1-8B:production\\s+\\d+\\s+v3\\s+v3 100%")
        .containsPattern("guarded:staging\\s+\\d+\\s+v1\\s+v1 50%, v2 50%\\s+v1 v2\n");
    assertThat(json.exitCode).isZero();
    assertThat(json.json().path("models").findValuesAsText("name")).contains("support-agent", "meta-llama/Llama-3.1-8B");
    assertThat(jsonFirst.json().path("models").isArray()).isTrue();
  }

  @Test
  void aliasShowPrintsRevisionStableAndEachVersionsWeightWithLiveSloFigures() throws Exception {
    for (int i = 0; i < 10; i++) {
      assertThat(gateway.post("/v1/chat/completions", GatewayHarness.chat("support-agent")).statusCode()).isEqualTo(200);
    }

    Run slo = ctl(env(VIEWER), "alias", "show", "support-agent", "production");
    Run plain = ctl(env(VIEWER), "alias", "show", "meta-llama/Llama-3.1-8B", "production");
    Run json = ctl(env(VIEWER), "alias", "show", "support-agent", "production", "--json");

    assertThat(slo.exitCode).as(slo.err).isZero();
    assertThat(slo.out).containsPattern("model\\s+support-agent\n").containsPattern("alias\\s+production\n")
        .containsPattern("revision\\s+\\d+\n").containsPattern("stable\\s+v7\n")
        .containsPattern("slo\\s+error rate <= 5.0%, p99 <= 2s over 1m, judged from 50 requests\n")
        .containsPattern("VERSION\\s+WEIGHT\\s+ROUTE\\s+REQUESTS\\s+ERROR RATE\\s+P99\n")
        .containsPattern("v7\\s+90%\\s+stable\\s+[1-9]\\d*\\s+0.0%\\s+\\d+ ms\n")
        .containsPattern("v8\\s+10%\\s+canary\\s+\\d+\\s+");
    assertThat(plain.exitCode).as(plain.err).isZero();
    assertThat(plain.out).containsPattern("model\\s+meta-llama/Llama-3.1-8B\n")
        .containsPattern("VERSION\\s+WEIGHT\\s+ROUTE\n").containsPattern("v3\\s+100%\\s+stable\n")
        .doesNotContain("REQUESTS");
    assertThat(json.json().path("slo").path("versions").path("v7").path("requests").asLong()).isPositive();
    assertThat(json.json().path("weights").path("v8").asInt()).isEqualTo(10);
  }

  @Test
  void weightsMovesTheSplitAndAliasShowThenShowsTheNewWeightsAndRevision() throws Exception {
    long before = revision("weighed", "production");

    Run weights = operator("weights", "weighed", "production", "v1=80", "v2=20", "--reason", "widen the canary", "--if-revision", Long.toString(before));
    Run show = ctl(env(VIEWER), "alias", "show", "weighed", "production");
    Run json = operator("weights", "weighed", "production", "v1=70", "v2=30", "--stable", "v2", "--json");

    assertThat(weights.exitCode).as(weights.err).isZero();
    assertThat(weights.out).isEqualTo("weighed:production is at revision " + (before + 1) + ": v1 80%, v2 20%, stable v1\n");
    assertThat(show.out).containsPattern("revision\\s+" + (before + 1) + "\n")
        .containsPattern("v1\\s+80%\\s+stable\n").containsPattern("v2\\s+20%\\s+canary\n");
    assertThat(json.exitCode).isZero();
    assertThat(json.json().path("revision").asLong()).isEqualTo(before + 2);
    assertThat(json.json().path("stable").asText()).isEqualTo("v2");
    assertThat(json.json().path("weights").path("v2").asInt()).isEqualTo(30);
  }

  @Test
  void weightsWithAStaleRevisionExitsOneWithTheServers409MessageAndChangesNothing() throws Exception {
    long before = revision("stale", "production");

    Run stale = operator("weights", "stale", "production", "v1=50", "v2=50", "--if-revision", Long.toString(before + 7));
    Run badSum = operator("weights", "stale", "production", "v1=50", "v2=45");

    assertThat(stale.exitCode).isEqualTo(1);
    assertThat(stale.out).isEmpty();
    assertThat(stale.err).isEqualTo("modelgate ctl: 409 if_revision is " + (before + 7) + " but the alias is at revision " + before
        + "; read it again and retry.\n");
    assertThat(badSum.exitCode).isEqualTo(1);
    assertThat(badSum.err).startsWith("modelgate ctl: 422 ").contains("sum is 95 (expected: 100)");
    assertThat(revision("stale", "production")).isEqualTo(before);
  }

  @Test
  void aViewerTokenCannotPromoteAndGetsTheServers403MessageWithoutTheTokenEverPrinted() throws Exception {
    long before = revision("guarded", "production");

    Run promote = ctl(env(VIEWER), "promote", "guarded", "production", "v2");
    Run noToken = ctl(env(null), "models");
    Run flagToken = ctl(env(null), "promote", "guarded", "production", "v2", "--token", VIEWER);

    assertThat(promote.exitCode).isEqualTo(1);
    assertThat(promote.err).isEqualTo("modelgate ctl: 403 This call needs the operator role; the token has viewer.\n");
    assertThat(noToken.exitCode).isEqualTo(1);
    assertThat(noToken.err).startsWith("modelgate ctl: 401 ").contains(CtlCommand.TOKEN_ENV);
    assertThat(flagToken.exitCode).isEqualTo(1);
    assertThat(flagToken.err).contains("403");
    assertThat(promote.out + promote.err + flagToken.out + flagToken.err).doesNotContain(VIEWER);
    assertThat(revision("guarded", "production")).isEqualTo(before);
  }

  @Test
  void promoteAndRollbackMoveTheAliasAndTheAuditLogNamesThemWithTheirReasons() throws Exception {
    Run promote = operator("promote", "promoted", "production", "v2", "--reason", "v2 looks good");
    Run spread = operator("weights", "promoted", "production", "v1=50", "v2=50");
    Run rollback = operator("rollback", "promoted", "production", "--reason", "changed my mind", "--json");
    Run audit = ctl(env(VIEWER), "audit", "--model", "promoted", "--alias", "production");

    assertThat(promote.exitCode).as(promote.err).isZero();
    assertThat(promote.out).contains("promoted:production").contains(": v2 100%, stable v2");
    assertThat(spread.exitCode).isZero();
    assertThat(rollback.exitCode).isZero();
    assertThat(rollback.json().path("weights").path("v2").asInt()).isEqualTo(100);
    assertThat(audit.out.lines().findFirst()).hasValueSatisfying(h -> assertThat(h).matches("SEQ\\s+TIME\\s+ACTOR\\s+ACTION\\s+TARGET\\s+CHANGE\\s+REASON"));
    assertThat(audit.out)
        .containsPattern("\\d+\\s+\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\s+token:OPERATOR_TOKEN\\s+promote\\s+promoted:production\\s+"
            + "v1 100% → (v1 0%, )?v2 100% \\(stable v1 → v2\\)\\s+v2 looks good\n")
        .containsPattern("token:OPERATOR_TOKEN\\s+set_weights\\s+promoted:production\\s+(v1 0%, )?v2 100% → v1 50%, v2 50%\\s+-\n")
        .containsPattern("token:OPERATOR_TOKEN\\s+rollback\\s+promoted:production\\s+v1 50%, v2 50% → (v1 0%, )?v2 100%\\s+changed my mind\n");
  }

  @Test
  void registerAddsAVersionOnceAcceptsTheSameAgainAndRefusesOtherContent() throws Exception {
    String[] register = {"register", "meta-llama/Llama-3.1-8B", "--version", "v4", "--artifact", "hf://meta-llama/Llama-3.1-8B@v4",
        "--served-model", "llama-4", "--endpoint", backend, "--endpoint", backend + "/v1", "--api-key-env", "LLAMA_KEY",
        "--lineage", "code_commit=4f2a9c1", "--lineage", "dataset_version=tickets-2026q3"};

    Run first = admin(register);
    Run again = admin(register);
    Run json = admin("register", "meta-llama/Llama-3.1-8B", "--version", "v5", "--artifact", "hf://x@v5", "--served-model", "llama-5",
        "--endpoint", backend, "--json");
    Run other = admin("register", "meta-llama/Llama-3.1-8B", "--version", "v4", "--artifact", "hf://somewhere-else",
        "--served-model", "llama-4", "--endpoint", backend);
    Run byOperator = operator("register", "meta-llama/Llama-3.1-8B", "--version", "v6", "--artifact", "hf://x@v6",
        "--served-model", "llama-6", "--endpoint", backend);
    Run models = ctl(env(VIEWER), "models");

    assertThat(first.exitCode).as(first.err).isZero();
    assertThat(first.out).startsWith("registered meta-llama/Llama-3.1-8B v4\n")
        .containsPattern("artifact\\s+hf://meta-llama/Llama-3.1-8B@v4\n").containsPattern("served_model\\s+llama-4\n")
        .containsPattern("endpoints\\s+" + Pattern.quote(backend + " " + backend + "/v1") + "\n")
        .containsPattern("api_key_env\\s+LLAMA_KEY\n").containsPattern("lineage\\s+code_commit=4f2a9c1 dataset_version=tickets-2026q3\n");
    assertThat(again.exitCode).isZero();
    assertThat(again.out).startsWith("meta-llama/Llama-3.1-8B v4 was already registered with this content\n");
    assertThat(json.exitCode).as(json.err).isZero();
    assertThat(json.json().path("version").asText()).isEqualTo("v5");
    assertThat(json.json().path("lineage").isEmpty()).isTrue();
    assertThat(other.exitCode).isEqualTo(1);
    assertThat(other.err).startsWith("modelgate ctl: 409 ").contains("already has v4 with other content");
    assertThat(byOperator.exitCode).isEqualTo(1);
    assertThat(byOperator.err).startsWith("modelgate ctl: 403 ").contains("admin role");
    assertThat(models.out).containsPattern("meta-llama/Llama-3.1-8B:production\\s+\\d+\\s+v3\\s+v3 100%\\s+v3 v4 v5\n");
  }

  @Test
  void anAdminApiThatCannotBeReachedExitsThreeNamingTheUrl() throws Exception {
    String nowhere = "http://127.0.0.1:" + closedPort();
    Map<String, String> env = env(VIEWER);
    env.put(CtlCommand.URL_ENV, nowhere);

    Run viaEnv = ctl(env, "models");
    Run viaFlag = ctl(env(VIEWER), "models", "--url", nowhere + "/");
    Run flagWins = ctl(env, "--url", gateway.adminUri("").toString(), "models");

    assertThat(viaEnv.exitCode).isEqualTo(3);
    assertThat(viaEnv.err).isEqualTo("modelgate ctl: cannot reach the admin API at " + nowhere + ": connection refused\n");
    assertThat(viaFlag.exitCode).isEqualTo(3);
    assertThat(viaFlag.err).contains(nowhere);
    assertThat(flagWins.exitCode).isZero();
  }

  @Test
  void malformedArgumentsAreUsageErrorsNamingTheArgumentAndSendNothing() throws Exception {
    long before = revision("weighed", "staging");

    Run empty = operator("weights", "weighed", "staging", "v1=50", "v2=");
    Run word = operator("weights", "weighed", "staging", "v1=abc", "v2=50");
    Run noVersion = operator("weights", "weighed", "staging", "=100");
    Run twice = operator("weights", "weighed", "staging", "v1=50", "v1=50");
    Run noWeights = operator("weights", "weighed", "staging");
    Run lineage = admin("register", "weighed", "--version", "v9", "--artifact", "s3://m/v9", "--served-model", "m",
        "--endpoint", backend, "--lineage", "commit");
    Map<String, String> badUrl = env(OPERATOR);
    badUrl.put(CtlCommand.URL_ENV, "127.0.0.1:8081");
    Run url = ctl(badUrl, "models");
    Run revision = operator("weights", "weighed", "staging", "v1=100", "--if-revision", "latest");

    assertThat(List.of(empty, word, noVersion, twice, noWeights, lineage, url, revision)).allSatisfy(r -> assertThat(r.exitCode).isEqualTo(2));
    assertThat(empty.err).contains("weights: 'v2=' (expected: VERSION=WEIGHT");
    assertThat(word.err).contains("'v1=abc'");
    assertThat(noVersion.err).contains("'=100'");
    assertThat(twice.err).contains("v1 is given twice");
    assertThat(noWeights.err).contains("VERSION=WEIGHT");
    assertThat(lineage.err).contains("--lineage: 'commit' (expected: KEY=VALUE");
    assertThat(url.err).contains(CtlCommand.URL_ENV + ": '127.0.0.1:8081'");
    assertThat(revision.err).contains("--if-revision").contains("latest");
    assertThat(ctl(env(VIEWER)).exitCode).isEqualTo(2);
    assertThat(ctl(env(VIEWER), "alias").exitCode).isEqualTo(2);
    assertThat(revision("weighed", "staging")).isEqualTo(before);
  }

  @Test
  void auditFiltersByModelAndAlias() throws Exception {
    operator("weights", "audited", "production", "v1=90", "v2=10", "--reason", "on production");
    operator("weights", "audited", "staging", "v1=10", "v2=90", "--reason", "on staging");

    Run staging = ctl(env(VIEWER), "audit", "--model", "audited", "--alias", "staging");
    Run json = ctl(env(VIEWER), "audit", "--model", "audited", "--alias", "staging", "--json");
    Run model = ctl(env(VIEWER), "audit", "--model", "audited", "--json");
    Run none = ctl(env(VIEWER), "audit", "--model", "audited", "--alias", "no-such-alias");

    assertThat(staging.exitCode).as(staging.err).isZero();
    assertThat(staging.out).contains("audited:staging").contains("on staging").doesNotContain("on production").doesNotContain("audited:production");
    List<JsonNode> events = new ArrayList<>();
    json.json().path("events").forEach(events::add);
    assertThat(events).singleElement().satisfies(e -> {
      assertThat(e.path("alias").asText()).isEqualTo("staging");
      assertThat(e.path("after").path("weights").path("v2").asInt()).isEqualTo(90);
    });
    assertThat(model.json().path("events").findValuesAsText("action")).containsExactly("config", "set_weights", "set_weights");
    assertThat(none.out).isEqualTo("no audit events\n");
  }

  @Test
  void followPrintsWhatIsThereThenAnEventMadeAfterItStartedAndStopsWhenInterrupted() throws Exception {
    StringWriter out = new StringWriter();
    AtomicInteger exitCode = new AtomicInteger(-1);
    Thread follower = new Thread(() -> exitCode.set(
        ctl(env(VIEWER), out, "audit", "--follow", "--model", "followed", "--poll-interval", "20ms", "--max-polls", "5000").exitCode));
    follower.start();
    try {
      awaitTrue(() -> out.toString().contains("model declared"), "the events already there");

      Run change = operator("weights", "followed", "production", "v1=60", "v2=40", "--reason", "made while following");

      assertThat(change.exitCode).as(change.err).isZero();
      awaitTrue(() -> out.toString().contains("made while following"), "the new event");
    } finally {
      follower.interrupt();
      follower.join();
    }
    assertThat(exitCode.get()).isZero();
    assertThat(out.toString().lines().findFirst()).hasValueSatisfying(h -> assertThat(h).startsWith("SEQ"));
    assertThat(out.toString().lines().filter(l -> l.contains("model declared"))).hasSize(1);
    assertThat(out.toString().lines().filter(l -> l.contains("made while following"))).singleElement()
        .satisfies(l -> assertThat(l).contains("set_weights").contains("followed:production").contains("v1 100% → v1 60%, v2 40%"));
  }

  @Test
  void followWithJsonPrintsOneEventPerLineAndEndsAfterItsLastPoll() throws Exception {
    operator("weights", "streamed", "staging", "v1=20", "v2=80");
    Run all = ctl(env(VIEWER), "audit", "--model", "streamed", "--json");
    long first = all.json().path("events").get(0).path("seq").asLong();

    Run follow = ctl(env(VIEWER), "audit", "--follow", "--json", "--model", "streamed", "--since", Long.toString(first), "--max-polls", "2",
        "--poll-interval", "1ms");
    Run limited = ctl(env(VIEWER), "audit", "--follow", "--limit", "5");

    assertThat(follow.exitCode).as(follow.err).isZero();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : follow.out.lines().toList()) {
      lines.add(JSON.readTree(line));
    }
    assertThat(lines).singleElement().satisfies(e -> {
      assertThat(e.path("action").asText()).isEqualTo("set_weights");
      assertThat(e.path("seq").asLong()).isGreaterThan(first);
    });
    assertThat(limited.exitCode).isEqualTo(2);
    assertThat(limited.err).contains("--limit");
  }
}
