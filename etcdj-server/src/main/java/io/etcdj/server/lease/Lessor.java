package io.etcdj.server.lease;

import com.google.protobuf.InvalidProtocolBufferException;
import io.etcdj.api.etcdserverpb.StoredLease;
import io.etcdj.backend.Bucket;
import io.etcdj.backend.ByteSequence;
import io.etcdj.backend.ReadView;
import io.etcdj.backend.WriteTxn;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Leases and the keys attached to them, as etcd's lessor.
 *
 * <p>Grants and revocations are applied on every member through raft (by the apply loop, inside its
 * backend write transaction, bucket {@code lease}); expiry is decided only by the primary (the
 * leader), on the monotonic clock passed in: only the primary keeps deadlines; every other member
 * holds its leases forever until the primary's revocation arrives. A member that becomes primary
 * gives every lease its full TTL again, counted from then, plus the election timeout ({@link
 * #promote}), so a leader change never expires a lease early; a lease therefore lives at least its
 * TTL after its last renewal. With checkpoints (etcd's {@code
 * --experimental-enable-lease-checkpoint}) the primary records remaining TTLs through raft and a
 * new primary starts from them, so a leader change extends a lease by at most one checkpoint
 * interval, an election timeout and a second of rounding, and leader changes alone do not keep it
 * alive; without, each change may extend a lease by up to one TTL plus an election timeout, as in
 * etcd. A renewal of a checkpointed lease records a remainder of 0 through raft before it is
 * answered ({@link Renewal#clearCheckpoint}), or the next leader would start from the old one.
 *
 * <p>Thread-safety: every method is synchronized; the lessor never calls out while locked.
 */
public final class Lessor {
  /** etcd's largest TTL in seconds. */
  public static final long MAX_TTL_SECONDS = 9_000_000_000L;

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  /** A lease's state as the API reports it. */
  public record LeaseInfo(long id, long grantedTtl, long remainingTtl, List<ByteSequence> keys) {}

  private static final class Lease {
    final long id;
    final long ttl;
    long expiryNanos = Long.MAX_VALUE;
    // The remaining TTL a checkpoint recorded (seconds, 0 = none): a new leader starts from it.
    long remainingTtl;
    // The primary proposed a checkpoint of this lease that has not been applied yet.
    boolean checkpointInFlight;
    final TreeSet<ByteSequence> keys = new TreeSet<>();

    Lease(long id, long ttl) {
      this.id = id;
      this.ttl = ttl;
    }
  }

  private final long minTtlSeconds;
  private final Map<Long, Lease> leases = new LinkedHashMap<>();
  private boolean primary;

  /**
   * @param minTtlSeconds the shortest TTL granted: etcd's {@code ceil(1.5 × election timeout)}
   */
  public Lessor(long minTtlSeconds) {
    this.minTtlSeconds = minTtlSeconds;
  }

  /** The minimum TTL for an election timeout, as etcd computes it. */
  public static long minTtlSeconds(long electionTimeoutMillis) {
    return (long) Math.ceil(1.5 * electionTimeoutMillis / 1000.0);
  }

  /** Loads the persisted leases and re-attaches the keys mvcc found with a lease. */
  public synchronized void restore(ReadView view, Map<ByteSequence, Long> keyLeases) {
    leases.clear();
    view.forEach(
        Bucket.LEASE,
        new byte[0],
        null,
        (k, v) -> {
          try {
            StoredLease stored = StoredLease.parseFrom(v);
            Lease lease = new Lease(stored.getID(), stored.getTTL());
            lease.remainingTtl = stored.getRemainingTTL();
            leases.put(stored.getID(), lease);
          } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("damaged lease record", e);
          }
          return true;
        });
    keyLeases.forEach(
        (key, id) -> {
          Lease l = leases.get(id);
          if (l != null) {
            l.keys.add(key);
          }
        });
  }

  /** The TTL a grant of {@code requested} seconds gets. */
  public long effectiveTtl(long requested) {
    return Math.max(requested, minTtlSeconds);
  }

  public synchronized boolean exists(long id) {
    return leases.containsKey(id);
  }

  /**
   * Applies a grant (the caller checked the ID is free and the TTL not too large).
   *
   * @return the TTL granted
   */
  public synchronized long grant(WriteTxn btx, long id, long requestedTtl, long nowNanos) {
    long ttl = effectiveTtl(requestedTtl);
    Lease lease = new Lease(id, ttl);
    if (primary) {
      lease.expiryNanos = deadline(nowNanos, ttl);
    }
    leases.put(id, lease);
    btx.put(
        Bucket.LEASE,
        idKey(id),
        StoredLease.newBuilder().setID(id).setTTL(ttl).build().toByteArray());
    return ttl;
  }

  /**
   * Removes the lease (applied); returns its keys in key order, which the caller deletes in the
   * same transaction, or null if there is no such lease.
   */
  public synchronized @org.jspecify.annotations.Nullable List<ByteSequence> revoke(
      WriteTxn btx, long id) {
    Lease lease = leases.remove(id);
    if (lease == null) {
      return null;
    }
    btx.delete(Bucket.LEASE, idKey(id));
    return new ArrayList<>(lease.keys);
  }

  /** Attaches {@code key} to lease {@code id} (a put with that lease was applied). */
  public synchronized void attach(long id, ByteSequence key) {
    Lease lease = leases.get(id);
    if (lease != null) {
      lease.keys.add(key);
    }
  }

  /** Detaches {@code key} from lease {@code id} (the key was deleted or moved to another lease). */
  public synchronized void detach(long id, ByteSequence key) {
    Lease lease = leases.get(id);
    if (lease != null) {
      lease.keys.remove(key);
    }
  }

  /**
   * What a renewal did: the TTL granted again (0 if the lease does not exist), and whether the
   * caller must record a remaining TTL of 0 through raft before answering, because a checkpoint of
   * this lease is applied or under way: a next leader would otherwise start from the old remainder
   * and expire the renewed lease early.
   */
  public record Renewal(long ttl, boolean clearCheckpoint) {}

  /**
   * Renews a lease on the primary: its full TTL from now.
   *
   * @throws IllegalStateException if this member is not the primary
   */
  public synchronized Renewal renew(long id, long nowNanos) {
    if (!primary) {
      throw new IllegalStateException("not a primary lessor");
    }
    Lease lease = leases.get(id);
    if (lease == null || lease.expiryNanos <= nowNanos) {
      return new Renewal(0, false);
    }
    lease.expiryNanos = deadline(nowNanos, lease.ttl);
    return new Renewal(lease.ttl, lease.remainingTtl > 0 || lease.checkpointInFlight);
  }

  /**
   * Applies a checkpoint (on every member, through raft): the lease's remaining TTL as the leader
   * counted it, which the next leader starts from instead of the full TTL.
   */
  public synchronized void checkpoint(WriteTxn btx, long id, long remainingSeconds) {
    Lease lease = leases.get(id);
    if (lease == null) {
      return;
    }
    lease.remainingTtl = Math.max(0, remainingSeconds);
    lease.checkpointInFlight = false;
    btx.put(
        Bucket.LEASE,
        idKey(id),
        StoredLease.newBuilder()
            .setID(id)
            .setTTL(lease.ttl)
            .setRemainingTTL(lease.remainingTtl)
            .build()
            .toByteArray());
  }

  /**
   * Every lease with its remaining TTL in whole seconds, rounded up (never below 1), for the
   * primary's next checkpoint; each is marked in flight until a checkpoint of it is applied.
   */
  public synchronized Map<Long, Long> checkpointAll(long nowNanos) {
    Map<Long, Long> out = new LinkedHashMap<>();
    if (!primary) {
      return out;
    }
    for (Lease lease : leases.values()) {
      if (lease.expiryNanos == Long.MAX_VALUE) {
        continue;
      }
      long remaining = (lease.expiryNanos - nowNanos + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND;
      out.put(lease.id, Math.max(1, remaining));
      lease.checkpointInFlight = true;
    }
    return out;
  }

  /** What TimeToLive reports: null if the lease does not exist. */
  public synchronized @org.jspecify.annotations.Nullable LeaseInfo timeToLive(
      long id, long nowNanos) {
    Lease lease = leases.get(id);
    if (lease == null) {
      return null;
    }
    long remaining;
    if (lease.expiryNanos == Long.MAX_VALUE) {
      remaining = lease.ttl;
    } else {
      remaining = Math.max(0, (lease.expiryNanos - nowNanos) / NANOS_PER_SECOND);
    }
    return new LeaseInfo(lease.id, lease.ttl, remaining, List.copyOf(lease.keys));
  }

  /** Every lease ID, soonest expiry first (grant order among equals), as etcd lists them. */
  public synchronized List<Long> ids() {
    List<Lease> all = new ArrayList<>(leases.values());
    all.sort(Comparator.comparingLong(l -> l.expiryNanos));
    List<Long> ids = new ArrayList<>(all.size());
    for (Lease l : all) {
      ids.add(l.id);
    }
    return ids;
  }

  public synchronized int size() {
    return leases.size();
  }

  /** Up to {@code max} leases whose deadline has passed (the primary proposes their revocation). */
  public synchronized List<Long> expired(long nowNanos, int max) {
    List<Long> out = new ArrayList<>();
    if (!primary) {
      return out;
    }
    for (Lease lease : leases.values()) {
      if (lease.expiryNanos <= nowNanos) {
        out.add(lease.id);
        if (out.size() >= max) {
          break;
        }
      }
    }
    return out;
  }

  /**
   * This member became the leader and applied every entry of the terms before its own: every lease
   * gets its checkpointed remaining TTL, or else its full TTL, from now plus {@code extendNanos}
   * (the election timeout), as etcd's promote.
   */
  public synchronized void promote(long nowNanos, long extendNanos) {
    primary = true;
    for (Lease lease : leases.values()) {
      long ttl = lease.remainingTtl > 0 ? lease.remainingTtl : lease.ttl;
      lease.expiryNanos = deadline(nowNanos + extendNanos, ttl);
    }
  }

  /** This member is no longer the leader: deadlines are forgotten. */
  public synchronized void demote() {
    primary = false;
    for (Lease lease : leases.values()) {
      lease.expiryNanos = Long.MAX_VALUE;
      lease.checkpointInFlight = false;
    }
  }

  public synchronized boolean isPrimary() {
    return primary;
  }

  private static long deadline(long fromNanos, long ttlSeconds) {
    long ttlNanos =
        ttlSeconds > Long.MAX_VALUE / NANOS_PER_SECOND
            ? Long.MAX_VALUE / 2
            : ttlSeconds * NANOS_PER_SECOND;
    return fromNanos + ttlNanos;
  }

  private static byte[] idKey(long id) {
    return ByteBuffer.allocate(8).putLong(id).array();
  }
}
