package dev.modelgate.core.ledger;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.registry.Model;
import dev.modelgate.core.registry.ModelVersion;

/**
 * What an audit event changed, as the {@code before}/{@code after} of its JSON. Each {@link Action}
 * carries exactly one kind: {@code register_version} a {@link VersionRegistered}, the four alias
 * moves an {@link AliasChanged}, {@code config} a {@link ModelDeclared}.
 */
public sealed interface Change {

  /**
   * A new version of the event's model; registering the first version creates the model with the
   * default alias {@code production} and no aliases. {@code before} is always {@code null}: a
   * version is immutable, so there is nothing it replaces.
   */
  record VersionRegistered(ModelVersion version) implements Change {
    public VersionRegistered {
      requireNonNull(version, "version");
    }
  }

  /**
   * An alias moved from {@code before} to {@code after}. {@code before} is {@code null} only when
   * {@code set_weights} creates the alias (then {@code after.revision} is 1); otherwise it must
   * equal the alias's current state, and {@code after.revision} is {@code before.revision + 1}.
   * A stale {@code before} is how a lost update shows, so the fold refuses it.
   */
  record AliasChanged(AliasState before, AliasState after) implements Change {
    public AliasChanged {
      requireNonNull(after, "after");
    }
  }

  /**
   * The config file's declaration of the event's model: {@code after} is what it declares now
   * ({@code null}: no longer declared, so the model is removed), {@code before} what it declared
   * the last time a {@code config} event was written for the model ({@code null}: never). The fold
   * compares the two to apply only what the file changed; see {@link RegistryFold}.
   */
  record ModelDeclared(Model before, Model after) implements Change {
    public ModelDeclared {
      if (before == null && after == null) {
        throw new IllegalArgumentException("a config change needs a before or an after declaration");
      }
    }
  }
}
