package dev.modelgate.gateway.server;

import dev.modelgate.gateway.cache.ResponseCache;
import dev.modelgate.gateway.config.ConfigException;
import dev.modelgate.gateway.config.ConfigLoader;
import dev.modelgate.gateway.config.GatewayConfig;
import dev.modelgate.gateway.rollout.RolloutPlans;
import dev.modelgate.gateway.state.ControlPlane;
import dev.modelgate.gateway.state.StateUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Hot reload of the config file: when its content changes, the new text is validated whole and the
 * models it declares differently become {@code config} events; an invalid edit is logged with every
 * problem and the running state is kept. Content, not timestamps, says whether the file changed, so
 * an editor's save-by-rename and coarse file-system clocks are both caught. The content is read only
 * when it may have changed, though: a 10,000-model config is 9 MB, and reading and hashing it every
 * second cost the gateway's one core ~5 % and pushed 9 MB a second into the old generation. A file
 * whose identity, size and modification time are those of the last read, and whose modification
 * time was already well before that read, is not read again — except once every
 * {@value #READ_AT_LEAST_EVERY_MILLIS} ms, for a tool that writes in place and restores the time.
 *
 * <p>Only the {@code models} part takes effect at runtime; a change to anything else is reported as
 * needing a restart. An edit made while the state store cannot be reached is applied once it can:
 * each check tries it again, and says so once.
 */
final class ConfigReload {
  private static final Logger LOG = Logger.getLogger(ConfigReload.class.getName());
  // More than any file system's timestamp granularity: a write this close to a read may share its time.
  private static final long SAME_TIME_MARGIN_MILLIS = 2_000;
  private static final long READ_AT_LEAST_EVERY_MILLIS = 30_000;

  private final Path file;
  private final ControlPlane controlPlane;
  private final RolloutPlans plans;
  private final ResponseCache cache;
  private final GatewayConfig running;
  // A digest, not the text: a config of 10,000 models is megabytes the process need not keep.
  private byte[] lastSeen;
  private Stamp lastRead;
  // Set by the writer when the store could not take the last edit; then the next check tries it again.
  private volatile boolean waitingForStore;

  ConfigReload(Path file, ControlPlane controlPlane, RolloutPlans plans, ResponseCache cache, GatewayConfig running) throws IOException {
    this.plans = plans;
    this.cache = cache;
    this.file = file;
    this.controlPlane = controlPlane;
    this.running = running;
    this.lastRead = Stamp.of(file);
    this.lastSeen = digestOf(file);
  }

  /** What the file system says of the file when it is read, and when that was. */
  private record Stamp(Object key, long size, long modifiedMillis, long readAtMillis) {
    static Stamp of(Path file) throws IOException {
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      return new Stamp(attributes.fileKey(), attributes.size(), attributes.lastModifiedTime().toMillis(), System.currentTimeMillis());
    }

    boolean unchangedSince(Stamp read) {
      return Objects.equals(key, read.key) && size == read.size && modifiedMillis == read.modifiedMillis
          && read.modifiedMillis < read.readAtMillis - SAME_TIME_MARGIN_MILLIS
          && readAtMillis - read.readAtMillis < READ_AT_LEAST_EVERY_MILLIS;
    }
  }

  /** Reads the file and applies it if it changed. Call from the control context only. */
  void checkNow() {
    boolean retry = waitingForStore;
    byte[] content;
    try {
      Stamp now = Stamp.of(file);
      if (!retry && now.unchangedSince(lastRead)) {
        return;
      }
      byte[] seen = digestOf(file);
      lastRead = now;
      if (Arrays.equals(seen, lastSeen) && !retry) {
        return;
      }
      content = Files.readAllBytes(file);
    } catch (IOException e) {
      // Mid-save or briefly absent: the next check sees the finished file.
      return;
    }
    // What is parsed is what is remembered, should the file have changed again since its digest.
    byte[] digest = digest(content);
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
    return sha256().digest(content);
  }

  // Streamed: an unchanged file of 10,000 models is 9 MB that need not be held to be checked.
  private static byte[] digestOf(Path file) throws IOException {
    MessageDigest sha = sha256();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[64 << 10];
      for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
        sha.update(buffer, 0, read);
      }
    }
    return sha.digest();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
