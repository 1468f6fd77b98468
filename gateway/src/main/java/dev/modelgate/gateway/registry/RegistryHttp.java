package dev.modelgate.gateway.registry;

import static java.util.Objects.requireNonNull;

import dev.modelgate.gateway.webhook.DeliveryPolicy;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * The one way registry clients call out. Each attempt is bounded by the policy's request timeout; a
 * connection failure, a timeout, 429 or a 5xx is retried on the policy's backoff until its give-up
 * time; anything else is the caller's to read. Failures are {@link RegistryException}s that name the
 * call and the registry, never a header, so no credential can leak into a log or an answer.
 */
public final class RegistryHttp {
  private static final int EXCERPT_CHARS = 200;

  private final Vertx vertx;
  private final DeliveryPolicy policy;
  private final String registry;

  /**
   * @param policy retry schedule, per-attempt timeout ({@code requestTimeout}) and overall budget
   *     ({@code giveUpAfter}) — the same schedule webhooks use; its queue capacity plays no part
   * @param registry the registry's configured name, for messages
   */
  public RegistryHttp(Vertx vertx, DeliveryPolicy policy, String registry) {
    this.vertx = requireNonNull(vertx, "vertx");
    this.policy = requireNonNull(policy, "policy");
    this.registry = requireNonNull(registry, "registry");
  }

  /**
   * Sends a fresh request from {@code request} (with {@code body}, or none when {@code null}) until
   * an answer that is not worth retrying comes back, and completes with it, whatever its status.
   *
   * @param what the call, for messages: {@code GET registered-models/alias}
   */
  public Future<HttpResponse<Buffer>> send(String what, Supplier<HttpRequest<Buffer>> request, Buffer body) {
    Promise<HttpResponse<Buffer>> answered = Promise.promise();
    attempt(what, request, body, 1, System.nanoTime() + policy.giveUpAfter().toNanos(), answered);
    return answered.future();
  }

  /** A failure for an answer the caller cannot use: its status and the start of its body. */
  public RegistryException refused(String what, HttpResponse<Buffer> response) {
    return new RegistryException(registry + ": " + what + " answered " + response.statusCode() + excerpt(response), false);
  }

  /** A failure for an answer whose shape is not the registry's published one. */
  public RegistryException unexpected(String what, String problem) {
    return new RegistryException(registry + ": " + what + " answered an unexpected shape: " + problem, false);
  }

  /**
   * A failure the registry reported in an answer the transport calls a success (a GraphQL {@code errors}
   * list with 200), or a refusal worth naming in words ({@code problem}: "the API key was refused (401)").
   */
  public RegistryException failed(String what, String problem) {
    return new RegistryException(registry + ": " + what + " failed: " + problem, false);
  }

  private void attempt(String what, Supplier<HttpRequest<Buffer>> request, Buffer body, int attempt, long giveUpAt,
      Promise<HttpResponse<Buffer>> answered) {
    Future<HttpResponse<Buffer>> sent;
    try {
      HttpRequest<Buffer> call = request.get().timeout(policy.requestTimeout().toMillis());
      sent = body == null ? call.send() : call.sendBuffer(body);
    } catch (IllegalStateException e) {
      // The client was closed (the gateway is stopping) while a retry waited on its timer: there, a throw
      // would go unhandled and leave the caller waiting for ever.
      answered.fail(new RegistryException(registry + ": " + what + " failed: " + e.getMessage(), false));
      return;
    }
    sent.onComplete(result -> {
      String failure;
      if (result.succeeded()) {
        int status = result.result().statusCode();
        if (status != 429 && status < 500) {
          answered.complete(result.result());
          return;
        }
        failure = "answered " + status + excerpt(result.result());
      } else {
        // The cause's message names the host and the kind of failure; the request's headers are not in it.
        failure = result.cause().getClass().getSimpleName() + ": " + result.cause().getMessage();
      }
      long delay = policy.retryDelay(attempt, ThreadLocalRandom.current().nextDouble()).toNanos();
      if (System.nanoTime() + delay > giveUpAt) {
        answered.fail(new RegistryException(registry + ": " + what + " failed after " + attempt + " attempt(s): " + failure, true));
        return;
      }
      vertx.setTimer(Math.max(1, delay / 1_000_000), id -> attempt(what, request, body, attempt + 1, giveUpAt, answered));
    });
  }

  private static String excerpt(HttpResponse<Buffer> response) {
    Buffer body = response.body();
    if (body == null || body.length() == 0) {
      return "";
    }
    String text = body.toString().strip().replaceAll("\\s+", " ");
    return ": " + (text.length() > EXCERPT_CHARS ? text.substring(0, EXCERPT_CHARS) + "…" : text);
  }
}
