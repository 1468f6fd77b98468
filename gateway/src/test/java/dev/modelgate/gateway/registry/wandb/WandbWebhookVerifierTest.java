package dev.modelgate.gateway.registry.wandb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelgate.gateway.registry.WebhookVerifier.WebhookRefusedException;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class WandbWebhookVerifierTest {
  private static final String SECRET = "whsec-support-agent-7f3a";
  private static final byte[] BODY = """
      {"event_type": "ADD_ARTIFACT_ALIAS", "alias": "production", "artifact_version": "wandb-artifact://_id/QXJ0aWZhY3Q6NDI=",
       "artifact_collection_name": "support-agent", "entity_name": "acme-org-entity", "project_name": "wandb-registry-model"}"""
      .getBytes(StandardCharsets.UTF_8);
  private static final Instant NOW = Instant.parse("2026-12-04T15:00:00Z");

  private final WandbWebhookVerifier verifier = new WandbWebhookVerifier(SECRET);

  @Test
  void acceptsTheBodySignedAsWandbDocumentsIt() {
    // The docs' script: openssl dgst -sha256 -hmac "$SECRET" -binary | base64
    String signature = Base64.getEncoder().encodeToString(hmac(SECRET, BODY));

    assertThatCode(() -> verifier.verify(headers(Map.of("x-wandb-signature", signature)), BODY, NOW)).doesNotThrowAnyException();
  }

  @Test
  void acceptsWhatTheFakeRegistrysAutomationSendsAndOnlyWithItsSecret() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (FakeWandb fake = FakeWandb.start(vertx, "key")) {
      fake.link("acme-org-entity/wandb-registry-model/support-agent", "{}", "production");
      FakeWandb.Delivery delivery = fake.aliasAdded(SECRET, "acme-org-entity/wandb-registry-model/support-agent", "production", 0);

      assertThatCode(() -> verifier.verify(headers(Map.of("X-Wandb-Signature", delivery.signature())), delivery.body(), NOW))
          .doesNotThrowAnyException();
      assertThatThrownBy(() -> new WandbWebhookVerifier("other").verify(headers(Map.of("X-Wandb-Signature", delivery.signature())),
          delivery.body(), NOW)).isInstanceOf(WebhookRefusedException.class);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void acceptsTheSameDeliveryAgainSinceWandbSendsNothingToTellRepeatsApart() throws Exception {
    String signature = Base64.getEncoder().encodeToString(hmac(SECRET, BODY));

    verifier.verify(headers(Map.of("X-Wandb-Signature", signature)), BODY, NOW);
    assertThatCode(() -> verifier.verify(headers(Map.of("X-Wandb-Signature", signature)), BODY, NOW.plusSeconds(86_400)))
        .doesNotThrowAnyException();
  }

  @Test
  void refusesASignatureMadeWithAnotherSecret() {
    String signature = Base64.getEncoder().encodeToString(hmac("another-secret", BODY));

    assertThatThrownBy(() -> verifier.verify(headers(Map.of("X-Wandb-Signature", signature)), BODY, NOW))
        .isInstanceOf(WebhookRefusedException.class)
        .hasMessage("X-Wandb-Signature: does not match the body (expected: signed with the configured webhook secret)");
  }

  @Test
  void refusesABodyChangedAfterSigning() {
    String signature = Base64.getEncoder().encodeToString(hmac(SECRET, BODY));
    byte[] tampered = new String(BODY, StandardCharsets.UTF_8).replace("production", "productiom").getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> verifier.verify(headers(Map.of("X-Wandb-Signature", signature)), tampered, NOW))
        .isInstanceOf(WebhookRefusedException.class)
        .hasMessageStartingWith("X-Wandb-Signature: does not match the body");
  }

  @Test
  void refusesADeliveryWithoutSignature() {
    assertThatThrownBy(() -> verifier.verify(headers(Map.of()), BODY, NOW))
        .isInstanceOf(WebhookRefusedException.class)
        .hasMessage("X-Wandb-Signature: missing (expected: base64 HMAC-SHA256 of the body with the webhook's secret)");
    assertThatThrownBy(() -> verifier.verify(headers(Map.of("X-Wandb-Signature", "  ")), BODY, NOW))
        .hasMessageStartingWith("X-Wandb-Signature: missing");
  }

  @Test
  void refusesHexAndPrefixedFormsWandbDoesNotSend() {
    String hex = HexFormat.of().formatHex(hmac(SECRET, BODY));

    assertThatThrownBy(() -> verifier.verify(headers(Map.of("X-Wandb-Signature", hex)), BODY, NOW))
        .hasMessageStartingWith("X-Wandb-Signature: does not match the body");
    assertThatThrownBy(() -> verifier.verify(headers(Map.of("X-Wandb-Signature", "sha256=" + hex)), BODY, NOW))
        .hasMessage("X-Wandb-Signature: not base64 (expected: base64 HMAC-SHA256 of the body with the webhook's secret)");
  }

  @Test
  void noRefusalShowsTheSecret() {
    for (String presented : new String[] {SECRET, "bad", Base64.getEncoder().encodeToString(SECRET.getBytes(StandardCharsets.UTF_8))}) {
      assertThatThrownBy(() -> verifier.verify(headers(Map.of("X-Wandb-Signature", presented)), BODY, NOW))
          .isInstanceOf(WebhookRefusedException.class)
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));
    }
  }

  @Test
  void anEmptySecretIsRefusedAtConfiguration() {
    assertThatThrownBy(() -> new WandbWebhookVerifier(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("webhook secret: empty (expected: the secret set on the W&B webhook)");
  }

  /** Headers by name, case-insensitive, as the receiver hands them over. */
  private static Function<String, String> headers(Map<String, String> headers) {
    TreeMap<String, String> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    byName.putAll(headers);
    return byName::get;
  }

  // Computed here with the JDK directly, not through Hmac, so the test checks the verifier against W&B's documented form.
  private static byte[] hmac(String secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return mac.doFinal(body);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
