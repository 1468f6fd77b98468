package dev.modelgate.gateway.log;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessLogTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> DOCUMENTED_FIELDS = List.of("time", "request_id", "model", "alias", "version", "artifact", "route",
      "endpoint", "status", "latency_ms", "ttft_ms", "prompt_tokens", "completion_tokens");

  @TempDir
  Path dir;

  private static AccessRecord served(String requestId) {
    return new AccessRecord(1_767_225_600_123L, requestId, "POST", "/v1/chat/completions", "support-agent", "production", "v8",
        "wandb-artifact://acme/llm/support-agent:v8", "canary", "http://127.0.0.1:9002", 200, 12.3456789, 4.25, 17L, 42L, null, null, null);
  }

  private static AccessRecord refused(String requestId) {
    return new AccessRecord(1_767_225_600_000L, requestId, "POST", "/v1/chat/completions", "no \"such\"\nmodel", null, null,
        null, null, null, 404, 0.5, null, null, null, "The model does not exist.", null, null);
  }

  private List<JsonNode> lines(Path file) throws Exception {
    List<JsonNode> records = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      records.add(JSON.readTree(line));
    }
    return records;
  }

  @Test
  void writesOneJsonLinePerRecordWithEveryFieldTheSpecNames() throws Exception {
    Path file = dir.resolve("access.jsonl");
    AccessLog log = AccessLog.open(file.toString());
    log.record(served("r-1"));
    log.record(refused("r-2"));
    log.close();

    List<String> raw = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertThat(raw).hasSize(2);
    List<JsonNode> records = lines(file);
    JsonNode ok = records.get(0);
    assertThat(ok.fieldNames()).toIterable().containsAll(DOCUMENTED_FIELDS);
    assertThat(Instant.parse(ok.path("time").asText())).isEqualTo(Instant.ofEpochMilli(1_767_225_600_123L));
    assertThat(ok.path("request_id").asText()).isEqualTo("r-1");
    assertThat(ok.path("model").asText()).isEqualTo("support-agent");
    assertThat(ok.path("alias").asText()).isEqualTo("production");
    assertThat(ok.path("version").asText()).isEqualTo("v8");
    assertThat(ok.path("artifact").asText()).isEqualTo("wandb-artifact://acme/llm/support-agent:v8");
    assertThat(ok.path("route").asText()).isEqualTo("canary");
    assertThat(ok.path("endpoint").asText()).isEqualTo("http://127.0.0.1:9002");
    assertThat(ok.path("status").asInt()).isEqualTo(200);
    assertThat(ok.path("latency_ms").asDouble()).isEqualTo(12.346);
    assertThat(ok.path("ttft_ms").asDouble()).isEqualTo(4.25);
    assertThat(ok.path("prompt_tokens").asLong()).isEqualTo(17);
    assertThat(ok.path("completion_tokens").asLong()).isEqualTo(42);
    assertThat(ok.has("error")).isFalse();

    JsonNode refused = records.get(1);
    assertThat(refused.fieldNames()).toIterable().containsAll(DOCUMENTED_FIELDS);
    assertThat(refused.path("model").asText()).isEqualTo("no \"such\"\nmodel");
    for (String field : List.of("alias", "version", "artifact", "route", "endpoint", "ttft_ms", "prompt_tokens", "completion_tokens")) {
      assertThat(refused.get(field).isNull()).as(field).isTrue();
    }
    assertThat(refused.path("status").asInt()).isEqualTo(404);
    assertThat(refused.path("error").asText()).isEqualTo("The model does not exist.");
  }

  @Test
  void closeWritesEveryRecordStillQueued() throws Exception {
    Path file = dir.resolve("access.jsonl");
    AccessLog log = AccessLog.open(file.toString());
    for (int i = 0; i < 50_000; i++) {
      log.record(served("r-" + i));
    }
    log.close();

    List<String> raw = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertThat(raw).hasSize(50_000);
    assertThat(JSON.readTree(raw.get(0)).path("request_id").asText()).isEqualTo("r-0");
    assertThat(JSON.readTree(raw.get(49_999)).path("request_id").asText()).isEqualTo("r-49999");
    assertThat(log.dropped()).isZero();
  }

  @Test
  void keepsEveryRecordFromManyThreadsAtOnce() throws Exception {
    Path file = dir.resolve("access.jsonl");
    AccessLog log = AccessLog.open(file.toString());
    int threads = 8;
    int each = 5_000;
    CountDownLatch start = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(threads);
    for (int t = 0; t < threads; t++) {
      int thread = t;
      new Thread(() -> {
        try {
          start.await();
          for (int i = 0; i < each; i++) {
            log.record(served(thread + "-" + i));
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          done.countDown();
        }
      }).start();
    }
    start.countDown();
    assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    log.close();

    Set<String> ids = new HashSet<>();
    for (JsonNode record : lines(file)) {
      ids.add(record.path("request_id").asText());
    }
    assertThat(ids).hasSize(threads * each);
  }

  @Test
  void writesARecordWithoutWaitingForClose() throws Exception {
    Path file = dir.resolve("access.jsonl");
    try (AccessLog log = AccessLog.open(file.toString())) {
      log.record(served("early"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline && Files.size(file) == 0) {
        Thread.onSpinWait();
      }
      assertThat(Files.readString(file)).contains("\"request_id\":\"early\"").endsWith("\n");
    }
  }

  @Test
  void createsMissingParentDirectories() throws Exception {
    Path file = dir.resolve("missing").resolve("deeper").resolve("access.jsonl");
    AccessLog log = AccessLog.open(file.toString());
    log.record(served("r-1"));
    log.close();

    assertThat(lines(file)).hasSize(1);
  }

  @Test
  void appendsToAnExistingFile() throws Exception {
    Path file = dir.resolve("access.jsonl");
    AccessLog first = AccessLog.open(file.toString());
    first.record(served("before-restart"));
    first.close();
    AccessLog second = AccessLog.open(file.toString());
    second.record(served("after-restart"));
    second.close();

    assertThat(lines(file)).extracting(r -> r.path("request_id").asText()).containsExactly("before-restart", "after-restart");
  }

  @Test
  void offWritesNothingAnywhere() throws Exception {
    Path cwdOff = Path.of("off");
    boolean existedBefore = Files.exists(cwdOff);
    AccessLog log = AccessLog.open("off");
    log.record(served("r-1"));
    log.close();

    assertThat(log.dropped()).isZero();
    assertThat(Files.exists(cwdOff)).isEqualTo(existedBefore);
  }

  @Test
  void aDashWritesToStandardOutput() throws Exception {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    AccessLog log;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      log = AccessLog.open("-");
    } finally {
      System.setOut(original);
    }
    log.record(served("to-stdout"));
    log.close();

    String[] lines = captured.toString(StandardCharsets.UTF_8).split("\n");
    assertThat(lines).hasSize(1);
    assertThat(JSON.readTree(lines[0]).path("request_id").asText()).isEqualTo("to-stdout");
  }
}
