package dev.modelgate.gateway.registry;

/** modelgate's verdict on a version, written back to the registry. */
public enum ServingStatus {
  /** A rollout to it completed (or a switch made it serve): it takes the alias's traffic. */
  SERVING("serving"),
  /** The SLO guard rolled it back. */
  ROLLED_BACK("rolled_back");

  private final String wireName;

  ServingStatus(String wireName) {
    this.wireName = wireName;
  }

  /** {@code serving} or {@code rolled_back}: MLflow's {@code modelgate.status} tag value. */
  public String wireName() {
    return wireName;
  }
}
