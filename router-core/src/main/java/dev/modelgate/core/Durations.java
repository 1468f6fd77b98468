package dev.modelgate.core;

import static java.util.Objects.requireNonNull;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;

/**
 * Durations as the config file writes them: a number and a unit, {@code ms}, {@code s}, {@code m}
 * or {@code h} ({@code 250ms}, {@code 5s}, {@code 10m}, {@code 1h}).
 *
 * <p>What {@link #parse} accepts beyond that, and why:
 * <ul>
 *   <li>decimal fractions ({@code 1.5s}, {@code 0.5m}), as Go, Envoy and Prometheus users write
 *       them; the value must be a whole number of nanoseconds, so nothing is silently rounded;
 *   <li>several terms from the largest unit to the smallest ({@code 1h30m}, {@code 2s500ms}); a
 *       unit out of order or repeated is more likely a typo than intent, so it is rejected;
 *   <li>a bare {@code 0}, the one number whose unit does not matter.
 * </ul>
 * Signs, spaces, upper-case units and durations whose nanoseconds do not fit a {@code long}
 * (about 292 years) are rejected.
 */
public final class Durations {
  /** What a duration looks like, for "expected: …" in messages. */
  public static final String EXPECTED = "a number and a unit (ms, s, m or h), e.g. 250ms, 5s, 1.5m or 1h30m";

  private static final int MAX_LENGTH = 64;
  private static final String[] UNITS = {"h", "m", "s", "ms"};
  private static final long[] UNIT_NANOS = {3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L};
  private static final BigInteger NANOS_PER_SECOND = BigInteger.valueOf(1_000_000_000L);
  private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);

  private Durations() {}

  /**
   * Parses {@code 250ms}, {@code 5s}, {@code 1.5m}, {@code 1h30m} or {@code 0}.
   *
   * @throws IllegalArgumentException naming the text and the expected form
   */
  public static Duration parse(String text) {
    requireNonNull(text, "text");
    if (text.equals("0")) {
      return Duration.ZERO;
    }
    if (text.isEmpty() || text.length() > MAX_LENGTH) {
      throw notADuration(text);
    }
    BigDecimal nanos = BigDecimal.ZERO;
    int previousUnit = -1;
    int i = 0;
    while (i < text.length()) {
      int start = i;
      while (i < text.length() && isDigit(text.charAt(i))) {
        i++;
      }
      if (i == start) {
        throw notADuration(text);
      }
      if (i < text.length() && text.charAt(i) == '.') {
        int fraction = ++i;
        while (i < text.length() && isDigit(text.charAt(i))) {
          i++;
        }
        if (i == fraction) {
          throw notADuration(text);
        }
      }
      BigDecimal amount = new BigDecimal(text.substring(start, i));
      int unit = unitAt(text, i);
      if (unit < 0) {
        throw notADuration(text);
      }
      if (unit <= previousUnit) {
        throw new IllegalArgumentException(
            Messages.quote(text) + " is not a duration (expected: each unit once, from the largest to the smallest, e.g. 1h30m)");
      }
      previousUnit = unit;
      i += UNITS[unit].length();
      nanos = nanos.add(amount.multiply(BigDecimal.valueOf(UNIT_NANOS[unit])));
    }
    if (nanos.compareTo(MAX_NANOS) > 0) {
      throw new IllegalArgumentException(Messages.quote(text) + " is too long (expected: at most " + Long.MAX_VALUE / UNIT_NANOS[0] + "h)");
    }
    if (nanos.stripTrailingZeros().scale() > 0) {
      throw new IllegalArgumentException(Messages.quote(text) + " is finer than a nanosecond (expected: " + EXPECTED + ")");
    }
    return Duration.ofNanos(nanos.longValueExact());
  }

  /**
   * The exact text of {@code duration} in the largest unit that holds it as a whole number
   * ({@code 10m}, {@code 90s}, {@code 250ms}; zero is {@code 0s}). Below a millisecond it is a
   * decimal number of milliseconds ({@code 0.0015ms}). {@link #parse} reads every result of a
   * non-negative duration back to the same value.
   */
  public static String format(Duration duration) {
    requireNonNull(duration, "duration");
    BigInteger nanos = BigInteger.valueOf(duration.getSeconds()).multiply(NANOS_PER_SECOND).add(BigInteger.valueOf(duration.getNano()));
    if (nanos.signum() == 0) {
      return "0s";
    }
    for (int unit = 0; unit < UNITS.length; unit++) {
      BigInteger[] quotientAndRemainder = nanos.divideAndRemainder(BigInteger.valueOf(UNIT_NANOS[unit]));
      if (quotientAndRemainder[1].signum() == 0) {
        return quotientAndRemainder[0] + UNITS[unit];
      }
    }
    return new BigDecimal(nanos).movePointLeft(6).stripTrailingZeros().toPlainString() + "ms";
  }

  /** The index in {@link #UNITS} of the unit starting at {@code i}, or -1. */
  private static int unitAt(String text, int i) {
    String rest = text.substring(i);
    if (rest.startsWith("ms")) {
      return 3;
    }
    if (rest.startsWith("h")) {
      return 0;
    }
    if (rest.startsWith("m")) {
      return 1;
    }
    if (rest.startsWith("s")) {
      return 2;
    }
    return -1;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static IllegalArgumentException notADuration(String text) {
    return new IllegalArgumentException(Messages.quote(text) + " is not a duration (expected: " + EXPECTED + ")");
  }
}
