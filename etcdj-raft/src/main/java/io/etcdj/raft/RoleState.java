package io.etcdj.raft;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * A node's role with the state only that role has: the vote tally of a (pre-)candidate, the
 * progress of every member and the pending reads of a leader. Switching role drops the old role's
 * state, so a deposed leader cannot act on stale progress.
 */
sealed interface RoleState {
  SoftState.Role role();

  /** A follower keeps nothing beyond the node's common state. */
  record Follower() implements RoleState {
    @Override
    public SoftState.Role role() {
      return SoftState.Role.FOLLOWER;
    }
  }

  /** Collecting pre-votes for term + 1 without having changed the term (Raft thesis §9.6). */
  record PreCandidate(Map<Long, Boolean> votes) implements RoleState {
    @Override
    public SoftState.Role role() {
      return SoftState.Role.PRE_CANDIDATE;
    }
  }

  /** Collecting votes for the current term (Raft §5.2). */
  record Candidate(Map<Long, Boolean> votes) implements RoleState {
    @Override
    public SoftState.Role role() {
      return SoftState.Role.CANDIDATE;
    }
  }

  /** A leader's state: progress per member, reads, pending conf change, transfer, size limit. */
  final class Leader implements RoleState {
    final TreeMap<Long, Progress> progress = new TreeMap<>();
    final ReadOnlyQueue reads = new ReadOnlyQueue();

    /** Reads that arrived before this leader committed an entry of its term (Raft §6.4). */
    final List<Message.ReadIndex> readsAwaitingTermCommit = new ArrayList<>();

    /** Index of the newest conf change this leader may not yet see applied. */
    long pendingConfIndex;

    long leadTransferee;

    /**
     * The log holds a conf change that leaves this leader without a vote. From then on it appends
     * nothing of its own, so that when the change commits the remaining voters hold a log at least
     * as long as this one and can elect one of themselves even before they apply it.
     */
    boolean leavingConfiguration;

    long uncommittedBytes;

    @Override
    public SoftState.Role role() {
      return SoftState.Role.LEADER;
    }
  }

  /**
   * Safe ReadIndex requests waiting for a heartbeat round: in arrival order, each with the members
   * that acknowledged a heartbeat carrying its context (or a later one).
   */
  final class ReadOnlyQueue {
    record Request(long index, Bytes context, long from) {}

    private record Pending(Request request, TreeSet<Long> acks) {}

    private final LinkedHashMap<Bytes, Pending> pending = new LinkedHashMap<>();

    /** Queues a request; a context already queued is ignored. */
    void add(long index, Bytes context, long from) {
      pending.putIfAbsent(context, new Pending(new Request(index, context, from), new TreeSet<>()));
    }

    /** Records that {@code from} acknowledged {@code context}; returns the acks, or null. */
    @Nullable Set<Long> acknowledge(long from, Bytes context) {
      Pending entry = pending.get(context);
      if (entry == null) {
        return null;
      }
      entry.acks().add(from);
      return entry.acks();
    }

    /** Removes and returns every request up to and including {@code context}. */
    List<Request> releaseThrough(Bytes context) {
      List<Request> released = new ArrayList<>();
      if (!pending.containsKey(context)) {
        return released;
      }
      var iterator = pending.values().iterator();
      while (iterator.hasNext()) {
        Request request = iterator.next().request();
        iterator.remove();
        released.add(request);
        if (request.context().equals(context)) {
          break;
        }
      }
      return released;
    }

    Bytes lastContext() {
      Bytes last = Bytes.EMPTY;
      for (Bytes context : pending.keySet()) {
        last = context;
      }
      return last;
    }

    int size() {
      return pending.size();
    }
  }
}
