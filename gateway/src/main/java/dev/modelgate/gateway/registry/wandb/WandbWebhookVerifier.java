package dev.modelgate.gateway.registry.wandb;

import static java.util.Objects.requireNonNull;

import dev.modelgate.gateway.auth.Hmac;
import dev.modelgate.gateway.registry.WebhookVerifier;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.function.Function;

/**
 * A W&B automation's webhook, checked by its {@code X-Wandb-Signature}: the base64 HMAC-SHA256 of the raw
 * body under the webhook's secret. That is the form of W&B's own documentation ("Troubleshoot your
 * webhook" in docs.wandb.ai …/automations/create-automations/webhook: {@code openssl dgst -sha256 -hmac
 * "$SECRET" -binary | base64}); hex digests and {@code sha256=} prefixes some third-party receivers
 * expect are not what W&B sends, and are refused.
 *
 * <p>W&B signs the body only: there is no timestamp and no delivery id, so a captured delivery can be
 * replayed and nothing here can tell. That is why a W&B webhook is only a hint: it makes the sync re-read
 * the registry, which says where the alias is now, and a replayed hint changes nothing.
 */
public final class WandbWebhookVerifier implements WebhookVerifier {
  /** The header W&B signs with. */
  public static final String SIGNATURE_HEADER = "X-Wandb-Signature";

  private final byte[] secret;

  /** @param secret the secret configured on the W&B webhook (the value {@code webhook_secret_env} names) */
  public WandbWebhookVerifier(String secret) {
    requireNonNull(secret, "secret");
    if (secret.isEmpty()) {
      throw new IllegalArgumentException("webhook secret: empty (expected: the secret set on the W&B webhook)");
    }
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
  }

  /** {@inheritDoc} W&B sends no timestamp, so {@code now} plays no part. */
  @Override
  public void verify(Function<String, String> header, byte[] body, Instant now) throws WebhookRefusedException {
    String signature = header.apply(SIGNATURE_HEADER);
    if (signature == null || signature.isBlank()) {
      throw new WebhookRefusedException(SIGNATURE_HEADER + ": missing (expected: base64 HMAC-SHA256 of the body with the webhook's secret)");
    }
    byte[] presented;
    try {
      presented = Base64.getDecoder().decode(signature.strip());
    } catch (IllegalArgumentException e) {
      throw new WebhookRefusedException(SIGNATURE_HEADER + ": not base64 (expected: base64 HMAC-SHA256 of the body with the webhook's secret)");
    }
    if (!Hmac.matches(Hmac.sha256(secret, body), presented)) {
      throw new WebhookRefusedException(SIGNATURE_HEADER + ": does not match the body (expected: signed with the configured webhook secret)");
    }
  }
}
