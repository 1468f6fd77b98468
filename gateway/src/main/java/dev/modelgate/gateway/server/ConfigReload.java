package dev.modelgate.gateway.server;

import dev.modelgate.gateway.cache.ResponseCache;
import dev.modelgate.gateway.config.ConfigException;
import dev.modelgate.gateway.config.ConfigLoader;
import dev.modelgate.gateway.config.GatewayConfig;
import dev.modelgate.gateway.rollout.RolloutPlans;
import dev.modelgate.gateway.state.ControlPlane;
import dev.modelgate.gateway.state.StateUnavailableException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Hot reload of the config file: when its content changes, the new text is validated whole and the
 * models it declares differently become {@code config} events; an invalid edit is logged with every
 * problem and the running state is kept. Content, not timestamps, says whether the file changed, so
 * an editor's save-by-rename and coarse file-system clocks are both caught.
 *
 * <p>Only the {@code models} part takes effect at runtime; a change to anything else is reported as
 * needing a restart. An edit made while the state store cannot be reached is applied once it can:
 * each check tries it again, and says so once.
 */
final class ConfigReload {
  private static final Logger LOG = Logger.getLogger(ConfigReload.class.getName());

  private final Path file;
  private final ControlPlane controlPlane;
  private final RolloutPlans plans;
  private final ResponseCache cache;
  private final GatewayConfig running;
  // A digest, not the text: a config of 10,000 models is megabytes the process need not keep.
  private byte[] lastSeen;
  // Set by the writer when the store could not take the last edit; then the next check tries it again.
  private volatile boolean waitingForStore;

  ConfigReload(Path file, ControlPlane controlPlane, RolloutPlans plans, ResponseCache cache, GatewayConfig running) throws IOException {
    this.plans = plans;
    this.cache = cache;
    this.file = file;
    this.controlPlane = controlPlane;
    this.running = running;
    this.lastSeen = digest(Files.readAllBytes(file));
  }

  /** Reads the file and applies it if it changed. Call from the control context only. */
  void checkNow() {
    byte[] content;
    try {
      content = Files.readAllBytes(file);
    } catch (IOException e) {
      // Mid-save or briefly absent: the next check sees the finished file.
      return;
    }
    byte[] digest = digest(content);
    boolean retry = waitingForStore;
    if (Arrays.equals(digest, lastSeen) && !retry) {
      return;
    }
    // One attempt in flight at a time: the next check retries only once this one has failed.
    waitingForStore = false;
    lastSeen = digest;
    GatewayConfig edited;
    try {
      edited = ConfigLoader.parse(new String(content, StandardCharsets.UTF_8), file.toString());
    } catch (ConfigException e) {
      LOG.warning("config: edit rejected, the running state is kept. " + e.getMessage());
      return;
    }
    List<String> needRestart = new ArrayList<>();
    if (!edited.server().equals(running.server())) {
      needRestart.add("server");
    }
    if (!edited.state().equals(running.state())) {
      needRestart.add("state");
    }
    if (!edited.auth().equals(running.auth())) {
      needRestart.add("auth");
    }
    if (!edited.accessLog().equals(running.accessLog())) {
      needRestart.add("access_log");
    }
    if (!edited.webhooks().equals(running.webhooks())) {
      needRestart.add("webhooks");
    }
    if (!edited.registries().equals(running.registries())) {
      needRestart.add("registries");
    }
    if (!edited.sources().equals(running.sources())) {
      needRestart.add("models.*.source");
    }
    if (!needRestart.isEmpty() && !retry) {
      LOG.warning("config: " + String.join(", ", needRestart) + " changed; that takes effect at the next restart");
    }
    controlPlane.redeclare(edited.registry(), edited.deliveries()).onComplete(ar -> {
      waitingForStore = ar.cause() instanceof StateUnavailableException;
      if (waitingForStore) {
        if (!retry) {
          LOG.warning("config: the edit of " + file + " is applied once the state store can be reached: " + ar.cause().getMessage());
        }
      } else if (ar.failed()) {
        LOG.log(Level.WARNING, "config: edit rejected, the running state is kept: " + ar.cause().getMessage());
        return;
      }
      // Plans are read when a rollout starts, so the edited ones apply to the next rollout.
      plans.update(edited.withoutRegistry());
      cache.policiesChanged(edited.caches());
      if (ar.result() > 0) {
        LOG.info("config: applied the edit of " + file + " (" + ar.result() + " model(s) changed)");
      }
    });
  }

  private static byte[] digest(byte[] content) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(content);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
