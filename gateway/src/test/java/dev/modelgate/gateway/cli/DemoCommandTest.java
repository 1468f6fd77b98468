package dev.modelgate.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * {@code modelgate demo} in process, on free ports: the admin token it prints opens its admin API,
 * {@code ctl} moves its split with it, and the token of one run opens no other.
 */
@Timeout(120)
class DemoCommandTest {
  private static final Duration WAIT = Duration.ofSeconds(45);
  private static final Pattern TOKEN = Pattern.compile("export MODELGATE_ADMIN_TOKEN=(\\S+)");
  private static final Pattern ADMIN_URL = Pattern.compile("admin API and /metrics on (http://\\S+)\\)");
  private static final Pattern GATEWAY_URL = Pattern.compile("gateway +(http://\\S+)/v1");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private Demo first;
  private Demo second;

  /** A demo running on a thread of its own, its output collected. */
  private static final class Demo {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final AtomicInteger exitCode = new AtomicInteger(-1);
    final Thread thread;
    String token;
    String adminUrl;
    String gatewayUrl;

    Demo() {
      CommandLine commandLine = ModelgateCommand.commandLine(new String[] {"demo"});
      commandLine.setOut(new PrintWriter(out, true));
      commandLine.setErr(new PrintWriter(err, true));
      thread = new Thread(() -> exitCode.set(commandLine.execute("demo", "--port", "0", "--admin-port", "0", "--stable-port", "0",
          "--canary-port", "0", "--duration", "100s", "--canary-fails-after", "10m")), "demo-under-test");
      thread.start();
    }

    /** Waits for the banner and reads the token and URLs from it. */
    Demo started() throws InterruptedException {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (System.nanoTime() < deadline && thread.isAlive() && !out.toString().contains("SLO guard")) {
        Thread.sleep(50);
      }
      String banner = out.toString();
      assertThat(banner).as("demo banner; stderr: %s", err).contains("SLO guard");
      token = group(TOKEN, banner);
      adminUrl = group(ADMIN_URL, banner);
      gatewayUrl = group(GATEWAY_URL, banner);
      return this;
    }

    void stop() throws InterruptedException {
      thread.interrupt();
      thread.join(WAIT.toMillis());
    }

    private static String group(Pattern pattern, String text) {
      Matcher m = pattern.matcher(text);
      assertThat(m.find()).as("%s in %s", pattern, text).isTrue();
      return m.group(1);
    }
  }

  @AfterEach
  void stopDemos() throws InterruptedException {
    for (Demo demo : new Demo[] {first, second}) {
      if (demo != null) {
        demo.stop();
      }
    }
  }

  private HttpResponse<String> get(String url, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(WAIT);
    if (token != null) {
      request.header("authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void printsAnAdminTokenThatCtlUsesToMoveTheSplitLive() throws Exception {
    first = new Demo().started();
    assertThat(first.token).matches("[0-9a-f]{64}");
    assertThat(first.out.toString()).contains("export MODELGATE_ADMIN_URL=" + first.adminUrl)
        .contains("ctl weights support-agent production v7=50 v8=50");

    HttpResponse<String> models = get(first.adminUrl + "/admin/v1/models", first.token);
    assertThat(models.statusCode()).as(models.body()).isEqualTo(200);
    assertThat(models.body()).contains("support-agent");
    assertThat(get(first.adminUrl + "/admin/v1/models", null).statusCode()).isEqualTo(401);
    assertThat(get(first.adminUrl + "/admin/v1/models", first.token + "0").statusCode()).isEqualTo(401);

    StringWriter ctlOut = new StringWriter();
    StringWriter ctlErr = new StringWriter();
    CommandLine ctl = ModelgateCommand.commandLine();
    ctl.setOut(new PrintWriter(ctlOut, true));
    ctl.setErr(new PrintWriter(ctlErr, true));
    int status = ctl.execute("ctl", "--url", first.adminUrl, "--token", first.token,
        "weights", "support-agent", "production", "v7=50", "v8=50", "--reason", "try it");
    assertThat(status).as("ctl weights: %s%s", ctlOut, ctlErr).isZero();

    JsonNode production = JSON.readTree(get(first.adminUrl + "/admin/v1/models/support-agent/aliases/production", first.token).body());
    assertThat(production.path("weights").path("v7").asInt()).isEqualTo(50);
    assertThat(production.path("weights").path("v8").asInt()).isEqualTo(50);
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline && !first.out.toString().contains("support-agent:production is now {v7=50, v8=50}")) {
      Thread.sleep(50);
    }
    assertThat(first.out.toString()).as("the demo reports the change it routes by")
        .contains("support-agent:production is now {v7=50, v8=50}");
    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(first.gatewayUrl + "/v1/chat/completions")).timeout(WAIT)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"support-agent\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(answer.headers().firstValue("x-modelgate-version")).isPresent();

    first.stop();
    assertThat(first.thread.isAlive()).as("the demo stopped").isFalse();
    assertThat(first.exitCode.get()).as(first.err.toString()).isZero();
    CommandLineTest.assertCanBind(URI.create(first.adminUrl).getPort());
    CommandLineTest.assertCanBind(URI.create(first.gatewayUrl).getPort());
  }

  @Test
  void eachRunHasATokenOfItsOwnThatOpensNoOtherRun() throws Exception {
    first = new Demo();
    second = new Demo();
    first.started();
    second.started();

    assertThat(first.token).isNotEqualTo(second.token);
    assertThat(get(first.adminUrl + "/admin/v1/models", first.token).statusCode()).isEqualTo(200);
    assertThat(get(second.adminUrl + "/admin/v1/models", second.token).statusCode()).isEqualTo(200);
    assertThat(get(first.adminUrl + "/admin/v1/models", second.token).statusCode()).isEqualTo(401);
    assertThat(get(second.adminUrl + "/admin/v1/models", first.token).statusCode()).isEqualTo(401);
  }

  @Test
  void refusesAPortOutOfRangeNamingTheFlag() {
    StringWriter err = new StringWriter();
    CommandLine commandLine = ModelgateCommand.commandLine();
    commandLine.setErr(new PrintWriter(err, true));

    assertThat(commandLine.execute("demo", "--admin-port", "70000")).isEqualTo(2);
    assertThat(err.toString()).contains("--admin-port").contains("70000");
  }

  @Test
  void theRolloutDemoTakesAHealthyCandidateToStableAndRollsAFailingOneBackMidway() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine = ModelgateCommand.commandLine();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));

    int status = commandLine.execute("demo", "--rollout", "--port", "0", "--admin-port", "0");

    assertThat(status).as("stdout: %s%nstderr: %s", out, err).isZero();
    String printed = out.toString();
    String healthy = printed.substring(printed.indexOf("Rolling out v8"), printed.indexOf("Rolling out v9"));
    assertThat(healthy.lines().filter(line -> line.matches("  \\[ *\\d+\\.\\ds\\] .*")).map(line -> line.substring(11).split(" +")[0]))
        .containsExactly("rollout_started", "rollout_advanced", "rollout_advanced", "rollout_advanced", "rollout_advanced", "rollout_completed");
    assertThat(healthy).contains("started rolling out v8 from v7: the shadow phase (20 % mirrored)")
        .contains("now at step 1 (5 %)").contains("now at step 2 (25 %)").contains("now at step 3 (50 %)").contains("now at step 4 (100 %)")
        .contains("v8 is stable").contains("phases: shadow ");
    String failing = printed.substring(printed.indexOf("Rolling out v9"));
    assertThat(failing).contains("v9 starts failing").contains("auto_rollback").contains("at step 2 (25 %)").contains("v8 has 100 % again");
    assertThat(printed).contains("Done: v8 is completed and stable; v9 was rolled back at step 2 (25 %)");
  }
}
