package dev.modelgate.gateway.rollout;

import io.vertx.core.Context;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a step on a Vert.x context and waits for it: SloGuard is confined to one, as Gateway runs it. */
final class OnContext {
  private OnContext() {}

  static void run(Context context, Runnable step) throws Exception {
    CompletableFuture<Void> ran = new CompletableFuture<>();
    context.runOnContext(v -> {
      try {
        step.run();
        ran.complete(null);
      } catch (RuntimeException | Error e) {
        ran.completeExceptionally(e);
      }
    });
    ran.get(10, TimeUnit.SECONDS);
  }
}
