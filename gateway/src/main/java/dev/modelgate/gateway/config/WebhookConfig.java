package dev.modelgate.gateway.config;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.ledger.Action;
import java.util.Arrays;
import java.util.List;

/**
 * One entry of {@code webhooks}: every audit event whose action is in {@code events} is POSTed to
 * {@code url}, signed with the secret in environment variable {@code secretEnv}.
 *
 * @param events audit actions, a subset of {@link #EVENTS}; all of them unless configured
 */
public record WebhookConfig(String url, String secretEnv, List<String> events) {
  /** Every audit action (docs/admin-api.md), in the order the docs list them. */
  public static final List<String> EVENTS = Arrays.stream(Action.values()).map(Action::wireName).toList();

  public WebhookConfig {
    requireNonNull(url, "url");
    requireNonNull(secretEnv, "secretEnv");
    events = List.copyOf(events);
  }
}
