package io.etcdj.server;

import io.etcdj.mvcc.WatchableStore;
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

    public Histogram(double[] bounds) {
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

    /** The buckets' upper bounds in seconds, ascending (without {@code +Inf}). */
    public double[] bounds() {
      return bounds.clone();
    }

    /** Observations at most {@code bounds()[i]} seconds (Prometheus' cumulative bucket count). */
    public long cumulativeCount(int i) {
      long cumulative = 0;
      for (int b = 0; b <= i && b < bounds.length; b++) {
        cumulative += counts.get(b);
      }
      return cumulative;
    }

    /** All observations ({@code +Inf} bucket and {@code _count}). */
    public long count() {
      return count.get();
    }

    /** The sum of all observations in seconds ({@code _sum}). */
    public double sumSeconds() {
      return sumNanos.get() / 1e9;
    }
  }

  /** Prometheus' {@code ExponentialBuckets(start, factor, n)}. */
  public static double[] exponential(double start, double factor, int n) {
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

  /** {@code etcd_disk_wal_fsync_duration_seconds}. */
  public Histogram walFsync() {
    return walFsync;
  }

  /** {@code etcd_disk_backend_commit_duration_seconds}. */
  public Histogram backendCommit() {
    return backendCommit;
  }

  /** {@code etcd_server_leader_changes_seen_total}. */
  public long leaderChanges() {
    return leaderChanges.get();
  }

  /** {@code etcd_server_proposals_failed_total}. */
  public long proposalsFailed() {
    return proposalsFailed.get();
  }

  /** {@code etcd_server_proposals_pending}. */
  public long proposalsPending() {
    return proposalsPending.get();
  }

  /** WAL saves (no etcd series of its own; etcd counts bytes instead). */
  public long walWrites() {
    return walWrites.get();
  }

  /** {@code etcd_server_slow_read_indexes_total}. */
  public long slowReadIndexes() {
    return slowReadIndexes.get();
  }

  /** {@code etcd_server_read_indexes_failed_total}. */
  public long readIndexFailed() {
    return readIndexFailed.get();
  }

  /** {@code etcd_debugging_lease_granted_total}. */
  public long leasesGranted() {
    return leasesGranted.get();
  }

  /** {@code etcd_debugging_lease_revoked_total}. */
  public long leasesRevoked() {
    return leasesRevoked.get();
  }

  /** {@code etcd_debugging_lease_renewed_total}. */
  public long leasesRenewed() {
    return leasesRenewed.get();
  }

  /** {@code etcd_debugging_server_lease_expired_total}. */
  public long leasesExpired() {
    return leasesExpired.get();
  }

  /** {@code etcd_debugging_mvcc_watch_stream_total}: the watch streams open on {@code server}. */
  public long watchStreams(EtcdServer server) {
    return server.watchStreams();
  }

  /** {@code etcd_debugging_mvcc_watcher_total}: the watchers on {@code server}, of every kind. */
  public long watchers(EtcdServer server) {
    WatchableStore.Counts c = server.watchable().counts();
    return (long) c.synced() + c.unsynced() + c.victims();
  }

  /**
   * {@code etcd_debugging_mvcc_slow_watcher_total}: the watchers on {@code server} that are behind,
   * catching up from the store or holding a response their stream had no room for.
   */
  public long slowWatchers(EtcdServer server) {
    WatchableStore.Counts c = server.watchable().counts();
    return (long) c.unsynced() + c.victims();
  }

  /** {@code etcd_mvcc_put_total}. */
  public long puts() {
    return puts.get();
  }

  /** {@code etcd_mvcc_range_total}. */
  public long ranges() {
    return ranges.get();
  }

  /** {@code etcd_mvcc_delete_total}. */
  public long deletes() {
    return deletes.get();
  }

  /** {@code etcd_mvcc_txn_total}. */
  public long txns() {
    return txns.get();
  }

  void walSaved(boolean synced) {
    walWrites.incrementAndGet();
  }
}
