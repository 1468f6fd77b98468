package dev.modelgate.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelgate.gateway.proxy.GatewayHarness;
import dev.modelgate.gateway.schema.EventJson;
import dev.modelgate.gateway.server.Gateway;
import dev.modelgate.gateway.sim.SimOptions;
import dev.modelgate.gateway.state.postgres.EmbeddedDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code modelgate state export|import}: a ledger moved from the file store to PostgreSQL serves and audits the same. */
class StateCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "operator-secret";
  private static final Map<String, String> ENV = Map.of("OPERATOR_TOKEN", TOKEN);

  @TempDir Path dir;
  private final List<GatewayHarness> harnesses = new ArrayList<>();

  @AfterEach
  void close() {
    harnesses.forEach(GatewayHarness::close);
  }

  private record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine = ModelgateCommand.commandLine(args);
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    int exitCode = commandLine.execute(args);
    return new Run(exitCode, out.toString(), err.toString());
  }

  private static String config(String backend, String state) {
    return """
        server: {port: 0, admin_port: 0, host: 127.0.0.1}
        access_log: "off"
        auth:
          admin_tokens:
            - {name: ci, token_env: OPERATOR_TOKEN, role: operator}
        models:
          support-agent:
            versions:
              v1: {artifact: "s3://m/v1", served_model: m, endpoints: ["%1$s"]}
              v2: {artifact: "s3://m/v2", served_model: m, endpoints: ["%1$s"]}
              v3: {artifact: "s3://m/v3", served_model: m, endpoints: ["%1$s"]}
            aliases:
              production: {weights: {v1: 90, v2: 10}, stable: v1, sticky: "header:x-session-id"}
        """.formatted(backend) + state + "\n";
  }

  private Path write(String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text);
  }

  private GatewayHarness harness() {
    GatewayHarness harness = new GatewayHarness();
    harnesses.add(harness);
    return harness;
  }

  private static void change(GatewayHarness harness, String method, String path, String body) throws Exception {
    HttpResponse<String> answer = harness.admin(method, "/admin/v1/models/support-agent/aliases/production" + path, TOKEN, body);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
  }

  private static JsonNode audit(GatewayHarness harness) throws Exception {
    return JSON.readTree(harness.admin("GET", "/admin/v1/audit?limit=1000", TOKEN, null).body()).path("events");
  }

  // The version each of 40 sessions is routed to: the alias's weights and its bucket layout decide it.
  private static List<String> versionsBySession(GatewayHarness harness) throws Exception {
    List<String> versions = new ArrayList<>();
    for (int session = 0; session < 40; session++) {
      HttpResponse<String> answer = harness.post("/v1/chat/completions",
          "{\"model\":\"support-agent:production\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "x-session-id", "s" + session);
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      versions.add(answer.headers().firstValue("x-modelgate-version").orElseThrow());
    }
    return versions;
  }

  @Test
  void aLedgerExportedFromFilesAndImportedIntoPostgresRoutesAndAuditsTheSame() throws Exception {
    GatewayHarness onFiles = harness();
    String backend = GatewayHarness.url(onFiles.sim(SimOptions.defaults().withTtft(Duration.ofMillis(1)).withTokens(2)));
    Path fileConfig = write("file.yaml", config(backend, "state: {dir: \"" + dir.resolve("state") + "\"}"));
    Gateway first = onFiles.start(Files.readString(fileConfig), ENV);
    change(onFiles, "PUT", "", "{\"weights\":{\"v1\":50,\"v2\":30,\"v3\":20},\"reason\":\"canary v3\"}");
    change(onFiles, "PUT", "", "{\"weights\":{\"v1\":60,\"v3\":40},\"reason\":\"drop v2\"}");
    change(onFiles, "POST", "/rollback", "{\"reason\":\"back\"}");
    change(onFiles, "PUT", "", "{\"weights\":{\"v1\":35,\"v3\":65},\"reason\":\"again\"}");
    List<String> routedOnFiles = versionsBySession(onFiles);
    JsonNode auditOnFiles = audit(onFiles);
    first.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);

    Path exported = dir.resolve("ledger-export.jsonl");
    Run export = run("state", "export", "--config", fileConfig.toString(), "--out", exported.toString());
    assertThat(export.exitCode()).as(export.err()).isZero();
    assertThat(export.out()).contains("exported 5 events (seq 1 to 5)");
    assertThat(Files.readAllLines(exported)).hasSize(5);

    String url = EmbeddedDatabase.newDatabase();
    Path postgresConfig = write("postgres.yaml", config(backend, "state: {kind: postgres, url: \"" + url + "\"}"));
    Run imported = run("state", "import", "--config", postgresConfig.toString(), "--in", exported.toString());
    assertThat(imported.exitCode()).as(imported.err()).isZero();
    assertThat(imported.out()).contains("imported 5 events (seq 1 to 5)");

    GatewayHarness onPostgres = harness();
    onPostgres.start(Files.readString(postgresConfig), ENV);
    assertThat(audit(onPostgres)).as("the same seq, time, actor and change for every event, and nothing new").isEqualTo(auditOnFiles);
    assertThat(auditOnFiles).extracting(e -> e.path("actor").asText()).containsExactly("config", "ci", "ci", "ci", "ci");
    assertThat(versionsBySession(onPostgres)).isEqualTo(routedOnFiles).contains("v1", "v3");

    Run again = run("state", "import", "--config", postgresConfig.toString(), "--in", exported.toString());
    assertThat(again.exitCode()).isEqualTo(1);
    assertThat(again.err()).contains("already holds 5 events (expected: an empty ledger");
    Run overwrite = run("state", "export", "--config", postgresConfig.toString(), "--out", exported.toString());
    assertThat(overwrite.exitCode()).isEqualTo(2);
    assertThat(overwrite.err()).contains("--out: " + exported + " already exists (expected: a new file");
    Run missing = run("state", "import", "--config", postgresConfig.toString(), "--in", dir.resolve("nowhere.jsonl").toString());
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.err()).contains("--in: " + dir.resolve("nowhere.jsonl") + " is not a file");
  }

  @Test
  void anImportWhoseEventsDoNotFoldOrSkipASeqWritesNothing() throws Exception {
    String event1 = "{\"seq\":1,\"time\":\"2026-05-01T12:00:00Z\",\"actor\":\"admin\",\"action\":\"register_version\",\"model\":\"m\","
        + "\"alias\":null,\"before\":null,\"after\":{\"version\":\"v1\",\"artifact\":\"s3://m/v1\",\"served_model\":\"m\","
        + "\"endpoints\":[\"http://127.0.0.1:9\"],\"lineage\":{}},\"reason\":null,\"evidence\":{}}";
    String staleMove = "{\"seq\":2,\"time\":\"2026-05-01T12:00:01Z\",\"actor\":\"ci\",\"action\":\"set_weights\",\"model\":\"m\","
        + "\"alias\":\"production\",\"before\":{\"weights\":{\"v1\":100},\"stable\":\"v1\",\"revision\":4},"
        + "\"after\":{\"weights\":{\"v1\":100},\"stable\":\"v1\",\"revision\":5},\"reason\":null,\"evidence\":{}}";
    Path config = write("file.yaml", "server: {port: 0, admin_port: 0}\nmodels: {}\nstate: {dir: \"" + dir.resolve("state") + "\"}\n");

    Run unfolded = run("state", "import", "--config", config.toString(), "--in", write("stale.jsonl", event1 + "\n" + staleMove + "\n").toString());
    assertThat(unfolded.exitCode()).as(unfolded.err()).isEqualTo(1);
    assertThat(unfolded.err()).contains("event seq 2 (set_weights m:production) refused: models.m.aliases.production: no such alias")
        .contains("nothing was imported");

    Run gap = run("state", "import", "--config", config.toString(), "--in",
        write("gap.jsonl", event1 + "\n" + staleMove.replace("\"seq\":2", "\"seq\":3") + "\n").toString());
    assertThat(gap.exitCode()).isEqualTo(1);
    assertThat(gap.err()).contains("gap.jsonl:2: seq 3 (expected: 2;");

    Run unreadable = run("state", "import", "--config", config.toString(), "--in", write("bad.jsonl", event1 + "\n{\"seq\":2}\n").toString());
    assertThat(unreadable.exitCode()).isEqualTo(1);
    assertThat(unreadable.err()).contains("bad.jsonl:2: ");

    assertThat(Files.size(dir.resolve("state").resolve("ledger.jsonl"))).isZero();
    Run fine = run("state", "import", "--config", config.toString(), "--in", write("one.jsonl", event1 + "\n").toString());
    assertThat(fine.exitCode()).as(fine.err()).isZero();
    assertThat(Files.readAllLines(dir.resolve("state").resolve("ledger.jsonl"))).singleElement()
        .satisfies(line -> assertThat(EventJson.read(line)).isEqualTo(EventJson.read(event1)));
  }
}
