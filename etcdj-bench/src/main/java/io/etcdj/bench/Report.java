package io.etcdj.bench;

import java.util.Locale;
import java.util.Map;

/**
 * The result of one run, printed as etcd's benchmark prints it (summary, response time histogram,
 * latency distribution) or as one JSON object for scripts.
 *
 * @param name what ran, e.g. {@code put}
 * @param totalSeconds wall time of the run
 * @param sortedNanos every successful request's latency, ascending
 * @param errors failed requests by error message
 * @param extra command-specific figures (e.g. events/s of a watch run), in order
 */
record Report(
    String name,
    double totalSeconds,
    long[] sortedNanos,
    Map<String, Long> errors,
    Map<String, Double> extra) {

  static final double[] PERCENTILES = {10, 25, 50, 75, 90, 95, 99, 99.9};

  long successes() {
    return sortedNanos.length;
  }

  long failures() {
    return errors.values().stream().mapToLong(Long::longValue).sum();
  }

  double requestsPerSecond() {
    return totalSeconds > 0 ? sortedNanos.length / totalSeconds : 0;
  }

  /** The latency at {@code percentile} (0..100), in seconds; nearest-rank. */
  double percentileSeconds(double percentile) {
    if (sortedNanos.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(percentile / 100.0 * sortedNanos.length) - 1;
    return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, rank))] / 1e9;
  }

  double averageSeconds() {
    if (sortedNanos.length == 0) {
      return 0;
    }
    double sum = 0;
    for (long n : sortedNanos) {
      sum += n;
    }
    return sum / sortedNanos.length / 1e9;
  }

  double stddevSeconds() {
    if (sortedNanos.length == 0) {
      return 0;
    }
    double mean = averageSeconds() * 1e9;
    double squares = 0;
    for (long n : sortedNanos) {
      squares += (n - mean) * (n - mean);
    }
    return Math.sqrt(squares / sortedNanos.length) / 1e9;
  }

  double slowestSeconds() {
    return sortedNanos.length == 0 ? 0 : sortedNanos[sortedNanos.length - 1] / 1e9;
  }

  double fastestSeconds() {
    return sortedNanos.length == 0 ? 0 : sortedNanos[0] / 1e9;
  }

  String text() {
    StringBuilder out = new StringBuilder();
    out.append("\nSummary:\n");
    line(out, "Total", totalSeconds);
    line(out, "Slowest", slowestSeconds());
    line(out, "Fastest", fastestSeconds());
    line(out, "Average", averageSeconds());
    line(out, "Stddev", stddevSeconds());
    out.append(String.format(Locale.ROOT, "  Requests/sec:\t%.4f%n", requestsPerSecond()));
    extra.forEach((k, v) -> out.append(String.format(Locale.ROOT, "  %s:\t%.4f%n", k, v)));
    if (sortedNanos.length > 0) {
      out.append("\nResponse time histogram:\n");
      histogram(out);
      out.append("\nLatency distribution:\n");
      for (double p : PERCENTILES) {
        out.append(
            String.format(Locale.ROOT, "  %s%% in %.4f secs.%n", trim(p), percentileSeconds(p)));
      }
    }
    if (!errors.isEmpty()) {
      out.append("\nError distribution:\n");
      errors.forEach((k, v) -> out.append("  [").append(v).append("]\t").append(k).append('\n'));
    }
    return out.toString();
  }

  private static String trim(double p) {
    return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
  }

  private static void line(StringBuilder out, String label, double seconds) {
    out.append(String.format(Locale.ROOT, "  %s:\t%.4f secs.%n", label, seconds));
  }

  /** Ten equal-width buckets from fastest to slowest, with bars scaled to 40 characters. */
  private void histogram(StringBuilder out) {
    int buckets = 10;
    double fastest = fastestSeconds();
    double width = (slowestSeconds() - fastest) / buckets;
    long[] counts = new long[buckets + 1];
    double[] marks = new double[buckets + 1];
    for (int i = 0; i <= buckets; i++) {
      marks[i] = fastest + width * i;
    }
    int b = 0;
    for (long n : sortedNanos) {
      double s = n / 1e9;
      while (b < buckets && s > marks[b]) {
        b++;
      }
      counts[b]++;
    }
    long max = 1;
    for (long c : counts) {
      max = Math.max(max, c);
    }
    for (int i = 0; i <= buckets; i++) {
      out.append(String.format(Locale.ROOT, "  %.4f [%d]\t|", marks[i], counts[i]));
      out.append("∎".repeat((int) (counts[i] * 40 / max))).append('\n');
    }
  }

  /** One JSON object; latencies in seconds. */
  String json() {
    StringBuilder out = new StringBuilder("{");
    out.append("\"name\":\"").append(name).append('"');
    field(out, "totalSeconds", totalSeconds);
    out.append(",\"requests\":").append(successes());
    out.append(",\"errors\":").append(failures());
    field(out, "requestsPerSecond", requestsPerSecond());
    field(out, "averageSeconds", averageSeconds());
    field(out, "stddevSeconds", stddevSeconds());
    field(out, "fastestSeconds", fastestSeconds());
    field(out, "slowestSeconds", slowestSeconds());
    field(out, "p50Seconds", percentileSeconds(50));
    field(out, "p90Seconds", percentileSeconds(90));
    field(out, "p99Seconds", percentileSeconds(99));
    field(out, "p999Seconds", percentileSeconds(99.9));
    extra.forEach((k, v) -> field(out, k, v));
    out.append(",\"errorMessages\":{");
    boolean first = true;
    for (Map.Entry<String, Long> e : errors.entrySet()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      out.append('"').append(escape(e.getKey())).append("\":").append(e.getValue());
    }
    return out.append("}}").toString();
  }

  private static void field(StringBuilder out, String name, double value) {
    out.append(",\"").append(name).append("\":").append(String.format(Locale.ROOT, "%.9f", value));
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
