package dev.modelgate.gateway.rollout;

import io.vertx.core.Future;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A fleet for guard tests, seen from replica "a": the test says whether "a" leads or is cut off,
 * and what the other replicas published; the leader gets everyone's figures, "a"'s included.
 */
final class FakeFleet implements GuardFleet {
  volatile boolean leads;
  volatile boolean cutOff;
  final List<ReplicaFigures> others = new CopyOnWriteArrayList<>();
  final List<AliasFigures> published = new CopyOnWriteArrayList<>();

  @Override
  public boolean leads() {
    return leads;
  }

  @Override
  public boolean shared() {
    return true;
  }

  @Override
  public String replicaId() {
    return "a";
  }

  @Override
  public Future<List<ReplicaFigures>> exchange(List<AliasFigures> figures) {
    if (cutOff) {
      return Future.failedFuture(new IOException("not connected to PostgreSQL"));
    }
    published.addAll(figures);
    if (!leads) {
      return Future.succeededFuture(List.of());
    }
    List<ReplicaFigures> all = new ArrayList<>(others);
    for (AliasFigures alias : figures) {
      alias.versions().forEach((version, counts) -> all.add(new ReplicaFigures("a", alias.model(), alias.alias(), version, counts)));
    }
    return Future.succeededFuture(all);
  }
}
