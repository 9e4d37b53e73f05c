package io.etcdj.server;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The server's counters and histograms, rendered by the edge in Prometheus text under etcd's names.
 * Thread-safe (atomics).
 */
public final class ServerMetrics {
  /** A Prometheus histogram with fixed upper bounds in seconds. */
  public static final class Histogram {
    private final double[] bounds;
    private final AtomicLongArray counts;
    private final AtomicLong sumNanos = new AtomicLong();
    private final AtomicLong count = new AtomicLong();

    Histogram(double[] bounds) {
      this.bounds = bounds.clone();
      this.counts = new AtomicLongArray(bounds.length);
    }

    public void observeNanos(long nanos) {
      double seconds = nanos / 1e9;
      for (int i = 0; i < bounds.length; i++) {
        if (seconds <= bounds[i]) {
          counts.incrementAndGet(i);
          break;
        }
      }
      sumNanos.addAndGet(nanos);
      count.incrementAndGet();
    }

    /** Appends the series in Prometheus text format. */
    public void render(StringBuilder out, String name, String help) {
      out.append("# HELP ").append(name).append(' ').append(help).append('\n');
      out.append("# TYPE ").append(name).append(" histogram\n");
      long cumulative = 0;
      for (int i = 0; i < bounds.length; i++) {
        cumulative += counts.get(i);
        out.append(name)
            .append("_bucket{le=\"")
            .append(format(bounds[i]))
            .append("\"} ")
            .append(cumulative)
            .append('\n');
      }
      out.append(name).append("_bucket{le=\"+Inf\"} ").append(count.get()).append('\n');
      out.append(name).append("_sum ").append(sumNanos.get() / 1e9).append('\n');
      out.append(name).append("_count ").append(count.get()).append('\n');
    }

    private static String format(double d) {
      return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
  }

  private static double[] exponential(double start, double factor, int n) {
    double[] b = new double[n];
    for (int i = 0; i < n; i++) {
      b[i] = start * Math.pow(factor, i);
    }
    return b;
  }

  final Histogram walFsync = new Histogram(exponential(0.001, 2, 14));
  final Histogram backendCommit = new Histogram(exponential(0.001, 2, 14));
  final AtomicLong leaderChanges = new AtomicLong();
  final AtomicLong proposalsFailed = new AtomicLong();
  final AtomicLong proposalsPending = new AtomicLong();
  final AtomicLong walWrites = new AtomicLong();
  final AtomicLong slowReadIndexes = new AtomicLong();
  final AtomicLong readIndexFailed = new AtomicLong();
  final AtomicLong leasesGranted = new AtomicLong();
  final AtomicLong leasesRevoked = new AtomicLong();
  final AtomicLong leasesRenewed = new AtomicLong();
  final AtomicLong leasesExpired = new AtomicLong();
  final AtomicLong watchStreams = new AtomicLong();
  final AtomicLong puts = new AtomicLong();
  final AtomicLong ranges = new AtomicLong();
  final AtomicLong deletes = new AtomicLong();
  final AtomicLong txns = new AtomicLong();

  void walSaved(boolean synced) {
    walWrites.incrementAndGet();
  }
}
