package io.etcdj.app;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;

/**
 * Durations written as Go writes them ({@code 100ms}, {@code 5s}, {@code 1h30m}, {@code 1.5s},
 * {@code 0}), because etcd's flags take them in that form.
 *
 * <p>Accepts what Go's {@code time.ParseDuration} accepts: an optional sign, then one or more
 * decimal numbers each followed by a unit ({@code ns}, {@code us}, {@code µs}, {@code ms}, {@code
 * s}, {@code m}, {@code h}); a bare {@code 0} is zero. Anything else is refused.
 */
final class GoDuration {
  private static final Map<String, Long> NANOS_PER_UNIT =
      Map.of(
          "ns", 1L,
          "us", 1_000L,
          "µs", 1_000L,
          "μs", 1_000L,
          "ms", 1_000_000L,
          "s", 1_000_000_000L,
          "m", 60_000_000_000L,
          "h", 3_600_000_000_000L);

  private GoDuration() {}

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException if it is not a Go duration
   */
  static Duration parse(String text) {
    String s = text;
    boolean negative = false;
    if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
      negative = s.charAt(0) == '-';
      s = s.substring(1);
    }
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    if (s.isEmpty()) {
      throw invalid(text);
    }
    BigDecimal totalNanos = BigDecimal.ZERO;
    int i = 0;
    while (i < s.length()) {
      int numberStart = i;
      while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
        i++;
      }
      String number = s.substring(numberStart, i);
      if (number.isEmpty()
          || number.equals(".")
          || number.indexOf('.') != number.lastIndexOf('.')) {
        throw invalid(text);
      }
      int unitStart = i;
      while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
        i++;
      }
      Long unit = NANOS_PER_UNIT.get(s.substring(unitStart, i));
      if (unit == null) {
        throw invalid(text);
      }
      totalNanos = totalNanos.add(new BigDecimal(number).multiply(BigDecimal.valueOf(unit)));
    }
    long nanos;
    try {
      nanos = totalNanos.longValueExact();
    } catch (ArithmeticException fractionalOrTooLarge) {
      try {
        nanos = totalNanos.setScale(0, java.math.RoundingMode.DOWN).longValueExact();
      } catch (ArithmeticException tooLarge) {
        throw invalid(text);
      }
    }
    return Duration.ofNanos(negative ? -nanos : nanos);
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException("time: invalid duration \"" + text + "\"");
  }
}
