package dev.modelgate.core;

/** Why a version served a request; the value of {@code x-modelgate-route}. */
public enum Route {
  /** The alias's stable version. */
  STABLE("stable"),
  /** Any other version the alias's weights chose. */
  CANARY("canary"),
  /** The client named the version ({@code name:vN}). */
  PINNED("pinned"),
  /** A copy of a request sent to a shadow version, whose answer is discarded. */
  SHADOW("shadow");

  private final String header;

  Route(String header) {
    this.header = header;
  }

  /** The lowercase form used in headers, metrics and logs. */
  public String header() {
    return header;
  }
}
