package dev.modelgate.gateway.registry;

import java.time.Instant;
import java.util.function.Function;

/**
 * Checks that a webhook delivery comes from the registry: its signature over the raw body with the
 * configured secret, and where the registry sends them, its timestamp and delivery id. A verified
 * webhook is only a hint: the sync then re-reads the registry rather than trusting the payload.
 */
public interface WebhookVerifier {

  /**
   * @param header the delivery's header by name, case-insensitive; {@code null} when absent
   * @param body the raw body, exactly as received
   * @param now the receiver's clock, against which timestamps are judged
   * @throws WebhookRefusedException naming why it is refused (missing or wrong signature, stale, replayed)
   */
  void verify(Function<String, String> header, byte[] body, Instant now) throws WebhookRefusedException;

  /** A webhook delivery refused; the message says why, and never echoes the secret. */
  final class WebhookRefusedException extends Exception {
    public WebhookRefusedException(String message) {
      super(message, null, false, false);
    }
  }
}
