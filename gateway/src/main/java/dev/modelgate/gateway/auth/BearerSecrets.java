package dev.modelgate.gateway.auth;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * Secrets an {@code Authorization: Bearer <secret>} header may present, in a fixed order. A header
 * is compared with every secret, whether or not one already matched, and each comparison takes the
 * same time whatever the bytes, so response timing tells nothing about near misses. Immutable, so
 * one instance serves every event loop.
 */
public final class BearerSecrets {
  private static final String SCHEME = "Bearer ";

  private final byte[][] secrets;

  private BearerSecrets(byte[][] secrets) {
    this.secrets = secrets;
  }

  /**
   * @param secrets the accepted secrets, surrounding whitespace ignored; their order gives the
   *     indexes {@link #indexOf} answers
   * @throws IllegalArgumentException for a blank secret, which would accept an empty header
   */
  public static BearerSecrets of(List<String> secrets) {
    byte[][] bytes = new byte[secrets.size()][];
    for (int i = 0; i < bytes.length; i++) {
      String secret = requireNonNull(secrets.get(i), "secret").strip();
      if (secret.isEmpty()) {
        throw new IllegalArgumentException("secret " + i + " is blank");
      }
      bytes[i] = secret.getBytes(StandardCharsets.UTF_8);
    }
    return new BearerSecrets(bytes);
  }

  /** Whether no secret is configured. */
  public boolean isEmpty() {
    return secrets.length == 0;
  }

  /**
   * The index of the first secret {@code authorization} presents, or -1 for none, a missing header
   * or another scheme. The scheme is matched without regard to case (RFC 9110 §11.1).
   */
  public int indexOf(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      return -1;
    }
    byte[] presented = authorization.substring(SCHEME.length()).strip().getBytes(StandardCharsets.UTF_8);
    int found = -1;
    for (int i = 0; i < secrets.length; i++) {
      // The secret first: isEqual's time follows its first argument's length, never the presented one.
      if (MessageDigest.isEqual(secrets[i], presented) && found < 0) {
        found = i;
      }
    }
    return found;
  }

  /** Whether {@code authorization} presents one of the secrets. */
  public boolean accepts(String authorization) {
    return indexOf(authorization) >= 0;
  }
}
