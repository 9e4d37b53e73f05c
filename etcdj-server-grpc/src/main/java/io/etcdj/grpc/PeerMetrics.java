package io.etcdj.grpc;

import io.etcdj.server.ServerMetrics;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the peer port counts, for etcd's {@code etcd_network_*} series: bytes and failures per peer
 * in each direction, round-trip times, active and disconnected peers, and snapshot transfers. The
 * transport and the peer server record; {@code /metrics} renders.
 */
public final class PeerMetrics {
  /** etcd's buckets: {@code ExponentialBuckets(0.0001, 2, 16)} for round trips. */
  static final double[] RTT_BUCKETS = ServerMetrics.exponential(0.0001, 2, 16);

  /** etcd's buckets: {@code ExponentialBuckets(0.1, 2, 14)} for snapshot transfers. */
  static final double[] SNAPSHOT_BUCKETS = ServerMetrics.exponential(0.1, 2, 14);

  /** A counter per peer. */
  public static final class PerPeer {
    private final ConcurrentHashMap<Long, AtomicLong> values = new ConcurrentHashMap<>();

    public void add(long peer, long n) {
      values.computeIfAbsent(peer, p -> new AtomicLong()).addAndGet(n);
    }

    /** The counts by peer ID, in unsigned ID order. */
    public Map<Long, Long> values() {
      TreeMap<Long, Long> out = new TreeMap<>(Long::compareUnsigned);
      values.forEach((k, v) -> out.put(k, v.get()));
      return out;
    }
  }

  /** A histogram per peer. */
  public static final class Histograms {
    private final double[] bounds;
    private final ConcurrentHashMap<Long, ServerMetrics.Histogram> values =
        new ConcurrentHashMap<>();

    Histograms(double[] bounds) {
      this.bounds = bounds.clone();
    }

    public void observeNanos(long peer, long nanos) {
      values.computeIfAbsent(peer, p -> new ServerMetrics.Histogram(bounds)).observeNanos(nanos);
    }

    /** The histograms by peer ID, in unsigned ID order. */
    public Map<Long, ServerMetrics.Histogram> values() {
      TreeMap<Long, ServerMetrics.Histogram> out = new TreeMap<>(Long::compareUnsigned);
      out.putAll(values);
      return out;
    }
  }

  public final PerPeer sentBytes = new PerPeer();
  public final PerPeer sentFailures = new PerPeer();
  public final PerPeer receivedBytes = new PerPeer();
  public final PerPeer receivedFailures = new PerPeer();
  public final PerPeer disconnected = new PerPeer();
  public final PerPeer snapshotSendSuccess = new PerPeer();
  public final PerPeer snapshotSendFailures = new PerPeer();
  public final PerPeer snapshotReceiveSuccess = new PerPeer();
  public final PerPeer snapshotReceiveFailures = new PerPeer();
  public final Histograms roundTrip = new Histograms(RTT_BUCKETS);
  public final Histograms snapshotSend = new Histograms(SNAPSHOT_BUCKETS);
  public final Histograms snapshotReceive = new Histograms(SNAPSHOT_BUCKETS);
  private final ConcurrentHashMap<Long, Boolean> active = new ConcurrentHashMap<>();

  public void setActive(long peer, boolean up) {
    Boolean was = active.put(peer, up);
    if (Boolean.TRUE.equals(was) && !up) {
      disconnected.add(peer, 1);
    }
  }

  void forget(long peer) {
    active.remove(peer);
  }

  /** The peers whose link is up, in unsigned ID order. */
  public java.util.List<Long> activePeers() {
    return active.entrySet().stream()
        .filter(Map.Entry::getValue)
        .map(Map.Entry::getKey)
        .sorted(Long::compareUnsigned)
        .toList();
  }
}
