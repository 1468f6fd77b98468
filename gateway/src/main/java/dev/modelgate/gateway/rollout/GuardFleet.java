package dev.modelgate.gateway.rollout;

import static java.util.Objects.requireNonNull;

import dev.modelgate.core.slo.WindowFigures;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The replicas whose windows the SLO guard judges together, and which of them decides
 * (docs/operations.md, "The SLO guard in a fleet"). Each evaluation, every replica {@link #exchange
 * exchanges} its figures: it publishes its own, and the one that {@link #leads()} gets back every
 * replica's fresh figures, which it sums and judges. A process with its own store is a fleet of one
 * that always leads ({@link #single}).
 */
public interface GuardFleet {

  /** One alias's figures on this replica, per version. */
  record AliasFigures(String model, String alias, Duration window, Map<String, WindowFigures> versions) {
    public AliasFigures {
      requireNonNull(model, "model");
      requireNonNull(alias, "alias");
      requireNonNull(window, "window");
      versions = Map.copyOf(versions);
    }
  }

  /** One replica's figures for one version of one alias, published within the alias's window. */
  record ReplicaFigures(String replica, String model, String alias, String version, WindowFigures figures) {
    public ReplicaFigures {
      requireNonNull(replica, "replica");
      requireNonNull(model, "model");
      requireNonNull(alias, "alias");
      requireNonNull(version, "version");
      requireNonNull(figures, "figures");
    }
  }

  /** Whether this replica decides now; it stops the moment it may no longer be the only one. */
  boolean leads();

  /** Whether other replicas may publish too, so evidence names each replica's counts. */
  boolean shared();

  /** This replica's id ({@code server.replica_id}), as its figures are published under. */
  String replicaId();

  /**
   * Publishes this replica's figures of the aliases being evaluated; on the leader, completes with
   * every replica's figures of those aliases published within their windows (this replica's
   * included), and on the others with none.
   */
  Future<List<ReplicaFigures>> exchange(List<AliasFigures> figures);

  /** The fleet of one process with its own store: it leads, and its figures are all there are. */
  static GuardFleet single(String replicaId) {
    requireNonNull(replicaId, "replicaId");
    return new GuardFleet() {
      @Override
      public boolean leads() {
        return true;
      }

      @Override
      public boolean shared() {
        return false;
      }

      @Override
      public String replicaId() {
        return replicaId;
      }

      @Override
      public Future<List<ReplicaFigures>> exchange(List<AliasFigures> figures) {
        return Future.succeededFuture(own(replicaId, figures));
      }
    };
  }

  /** {@code figures} as one replica's, the only ones there are: a fleet of one, or a replica cut off from the others. */
  static List<ReplicaFigures> own(String replicaId, List<AliasFigures> figures) {
    List<ReplicaFigures> own = new ArrayList<>();
    for (AliasFigures alias : figures) {
      alias.versions().forEach((version, counts) -> own.add(new ReplicaFigures(replicaId, alias.model(), alias.alias(), version, counts)));
    }
    return own;
  }
}
