package dev.modelgate.gateway.proxy;

import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/** Request ids: the client's when it is a sane token, a random 128-bit hex id otherwise. */
final class RequestIds {
  private static final int MAX_LENGTH = 128;
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
    @Override
    protected byte[] initialValue() {
      return new byte[32];
    }
  };

  private RequestIds() {}

  static String acceptOrGenerate(String fromClient) {
    return isAcceptable(fromClient) ? fromClient : generate();
  }

  // Visible ASCII only: the id is echoed in headers and logs, where control characters could forge lines.
  private static boolean isAcceptable(String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  static String generate() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    // Bytes, not chars: a Latin-1 String takes them with one copy and no compression pass. The
    // String copies them anyway, so they are written into the thread's scratch array.
    byte[] out = SCRATCH.get();
    long hi = random.nextLong();
    long lo = random.nextLong();
    for (int i = 0; i < 16; i++) {
      out[i] = HEX[(int) (hi >>> (60 - 4 * i)) & 0xf];
      out[16 + i] = HEX[(int) (lo >>> (60 - 4 * i)) & 0xf];
    }
    return new String(out, StandardCharsets.ISO_8859_1);
  }
}
