package dev.modelgate.gateway.auth;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256, the one signature every webhook speaks: the ones the gateway sends and the ones W&B
 * and MLflow send it.
 */
public final class Hmac {
  private Hmac() {}

  /** HMAC-SHA256 of {@code message} under {@code key}. */
  public static byte[] sha256(byte[] key, byte[] message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(message);
    } catch (GeneralSecurityException e) {
      // Every Java runtime must provide HmacSHA256, and any non-empty key fits it.
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }

  /**
   * Whether {@code presented} is {@code expected}, in a time that depends on the expected length
   * only, so timing tells a forger nothing about a near miss.
   */
  public static boolean matches(byte[] expected, byte[] presented) {
    return MessageDigest.isEqual(expected, presented);
  }
}
