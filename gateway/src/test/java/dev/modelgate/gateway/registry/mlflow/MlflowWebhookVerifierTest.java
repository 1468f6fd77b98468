package dev.modelgate.gateway.registry.mlflow;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelgate.gateway.auth.Hmac;
import dev.modelgate.gateway.registry.WebhookVerifier.WebhookRefusedException;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class MlflowWebhookVerifierTest {
  private static final String SECRET = "s3cret";
  private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
  private static final byte[] BODY = "{\"entity\":\"model_version_alias\",\"action\":\"created\"}".getBytes(UTF_8);

  @Test
  void acceptsWhatMlflowSignsOnceAndRefusesItsReplay() {
    MlflowWebhookVerifier verifier = new MlflowWebhookVerifier(SECRET);
    Function<String, String> headers = signed("d-1", NOW.getEpochSecond(), SECRET);
    assertThatCode(() -> verifier.verify(headers, BODY, NOW)).doesNotThrowAnyException();
    assertThatThrownBy(() -> verifier.verify(headers, BODY, NOW.plusSeconds(10))).isInstanceOf(WebhookRefusedException.class)
        .hasMessageContaining("delivered already");
  }

  @Test
  void refusesAnotherSecretAnAlteredBodyAStaleOrFutureTimestampAndMissingHeaders() {
    MlflowWebhookVerifier verifier = new MlflowWebhookVerifier(SECRET);
    assertThatThrownBy(() -> verifier.verify(signed("d-2", NOW.getEpochSecond(), "other"), BODY, NOW)).hasMessageContaining("does not match");
    assertThatThrownBy(() -> verifier.verify(signed("d-3", NOW.getEpochSecond(), SECRET), "{}".getBytes(UTF_8), NOW))
        .hasMessageContaining("does not match");
    assertThatThrownBy(() -> verifier.verify(signed("d-4", NOW.getEpochSecond() - 301, SECRET), BODY, NOW))
        .hasMessageContaining("301 s away").hasMessageContaining("stale");
    assertThatThrownBy(() -> verifier.verify(signed("d-5", NOW.getEpochSecond() + 400, SECRET), BODY, NOW)).hasMessageContaining("400 s away");
    assertThatThrownBy(() -> verifier.verify(name -> null, BODY, NOW)).hasMessageContaining("missing X-MLflow-Signature");
    assertThatThrownBy(() -> verifier.verify(header("d-6", "1", "sha256=abc"), BODY, NOW)).hasMessageContaining("not a v1 signature");
    // A refused delivery is not remembered: the genuine one with that id still gets through.
    assertThatCode(() -> verifier.verify(signed("d-2", NOW.getEpochSecond(), SECRET), BODY, NOW)).doesNotThrowAnyException();
  }

  @Test
  void theRefusalNeverEchoesTheSecret() {
    MlflowWebhookVerifier verifier = new MlflowWebhookVerifier(SECRET);
    assertThatThrownBy(() -> verifier.verify(signed("d-7", NOW.getEpochSecond(), "x"), BODY, NOW)).message().doesNotContain(SECRET);
  }

  private static Function<String, String> signed(String delivery, long timestamp, String secret) {
    byte[] signed = (delivery + "." + timestamp + "." + new String(BODY, UTF_8)).getBytes(UTF_8);
    return header(delivery, Long.toString(timestamp), "v1," + Base64.getEncoder().encodeToString(Hmac.sha256(secret.getBytes(UTF_8), signed)));
  }

  // Header names as a server hands them over: any case.
  private static Function<String, String> header(String delivery, String timestamp, String signature) {
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.put("x-mlflow-delivery-id", delivery);
    headers.put("x-mlflow-timestamp", timestamp);
    headers.put("x-mlflow-signature", signature);
    return headers::get;
  }
}
