package dev.modelgate.core.cache;

/** An inference path an alias may cache, by the name the config file gives it. */
public enum CachePath {
  EMBEDDINGS("embeddings", "/v1/embeddings"),
  CHAT("chat", "/v1/chat/completions"),
  COMPLETIONS("completions", "/v1/completions"),
  RESPONSES("responses", "/v1/responses");

  /** The names a config file may list, for "expected: …" in messages. */
  public static final String EXPECTED = "embeddings, chat, completions or responses";

  private final String key;
  private final String requestPath;

  CachePath(String key, String requestPath) {
    this.key = key;
    this.requestPath = requestPath;
  }

  /** The name in {@code cache.paths}. */
  public String key() {
    return key;
  }

  /** The data-plane path it names, e.g. {@code /v1/embeddings}. */
  public String requestPath() {
    return requestPath;
  }

  /** The path named {@code key} in a config file, or {@code null}. */
  public static CachePath ofKey(String key) {
    for (CachePath path : values()) {
      if (path.key.equals(key)) {
        return path;
      }
    }
    return null;
  }

  /** The path a request targets, or {@code null} for one that is never cached. */
  public static CachePath ofRequestPath(String requestPath) {
    for (CachePath path : values()) {
      if (path.requestPath.equals(requestPath)) {
        return path;
      }
    }
    return null;
  }
}
