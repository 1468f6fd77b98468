package dev.modelgate.gateway.registry.mlflow;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import dev.modelgate.gateway.auth.Hmac;
import dev.modelgate.gateway.registry.WebhookVerifier;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Function;

/**
 * Verifies MLflow 3 webhooks as {@code mlflow/webhooks/delivery.py} (mlflow/mlflow) signs them:
 * {@code X-MLflow-Signature: v1,<base64 HMAC-SHA256(secret, "<delivery id>.<timestamp>.<raw body>")>},
 * with {@code X-MLflow-Delivery-Id} (a UUID) and {@code X-MLflow-Timestamp} (Unix seconds). A
 * timestamp more than {@link #TOLERANCE} away from the receiver's clock is refused, and so is a
 * delivery id already accepted within that time: a captured delivery cannot be replayed, and one
 * older than the tolerance is refused as stale, so the ids remembered stay bounded by the traffic
 * of five minutes (and by {@link #MAX_REMEMBERED}, beyond which the oldest go first).
 */
public final class MlflowWebhookVerifier implements WebhookVerifier {
  public static final String SIGNATURE = "X-MLflow-Signature";
  public static final String DELIVERY_ID = "X-MLflow-Delivery-Id";
  public static final String TIMESTAMP = "X-MLflow-Timestamp";
  static final Duration TOLERANCE = Duration.ofMinutes(5);
  static final int MAX_REMEMBERED = 100_000;
  private static final String VERSION = "v1,";

  private final byte[] secret;
  // Accepted delivery ids with when they were accepted, oldest first; guarded by this.
  private final Deque<Accepted> accepted = new ArrayDeque<>();
  private final Set<String> ids = new HashSet<>();

  private record Accepted(String id, Instant at) {}

  public MlflowWebhookVerifier(String secret) {
    requireNonNull(secret, "secret");
    if (secret.isEmpty()) {
      throw new IllegalArgumentException("secret: is empty (expected: the webhook's secret as set in MLflow)");
    }
    this.secret = secret.getBytes(UTF_8);
  }

  @Override
  public void verify(Function<String, String> header, byte[] body, Instant now) throws WebhookRefusedException {
    String signature = header.apply(SIGNATURE);
    String deliveryId = header.apply(DELIVERY_ID);
    String timestamp = header.apply(TIMESTAMP);
    if (signature == null || deliveryId == null || timestamp == null) {
      throw new WebhookRefusedException("missing " + (signature == null ? SIGNATURE : deliveryId == null ? DELIVERY_ID : TIMESTAMP)
          + " (expected: an MLflow webhook with a secret configured)");
    }
    if (!signature.startsWith(VERSION)) {
      throw new WebhookRefusedException(SIGNATURE + " is not a v1 signature (expected: v1,<base64 HMAC-SHA256>)");
    }
    byte[] presented;
    try {
      presented = Base64.getDecoder().decode(signature.substring(VERSION.length()));
    } catch (IllegalArgumentException e) {
      throw new WebhookRefusedException(SIGNATURE + " is not base64 after v1, (expected: v1,<base64 HMAC-SHA256>)");
    }
    ByteArrayOutputStream signed = new ByteArrayOutputStream(body.length + 64);
    signed.writeBytes((deliveryId + "." + timestamp + ".").getBytes(UTF_8));
    signed.writeBytes(body);
    if (!Hmac.matches(Hmac.sha256(secret, signed.toByteArray()), presented)) {
      throw new WebhookRefusedException(SIGNATURE + " does not match (expected: HMAC-SHA256 of delivery id, timestamp and body with the configured secret)");
    }
    // Judged only once signed: an unsigned timestamp proves nothing.
    long seconds;
    try {
      seconds = Long.parseLong(timestamp.strip());
    } catch (NumberFormatException e) {
      throw new WebhookRefusedException(TIMESTAMP + " is not Unix seconds");
    }
    Duration age = Duration.between(Instant.ofEpochSecond(seconds), now).abs();
    if (age.compareTo(TOLERANCE) > 0) {
      throw new WebhookRefusedException(TIMESTAMP + " is " + age.toSeconds() + " s away from this gateway's clock (expected: within "
          + TOLERANCE.toSeconds() + " s; stale deliveries are refused)");
    }
    synchronized (this) {
      while (!accepted.isEmpty() && (accepted.size() >= MAX_REMEMBERED
          || Duration.between(accepted.peekFirst().at(), now).compareTo(TOLERANCE.multipliedBy(2)) > 0)) {
        ids.remove(accepted.removeFirst().id());
      }
      if (!ids.add(deliveryId)) {
        throw new WebhookRefusedException(DELIVERY_ID + " was delivered already (a replay is refused)");
      }
      accepted.addLast(new Accepted(deliveryId, now));
    }
  }
}
