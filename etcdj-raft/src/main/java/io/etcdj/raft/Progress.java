package io.etcdj.raft;

/**
 * What a leader knows about one follower's log (Raft §5.3: nextIndex, matchIndex) and how it sends
 * to it.
 *
 * <ul>
 *   <li>{@link State#PROBE}: the leader does not know where the logs match; it sends one append per
 *       heartbeat interval and moves {@code next} back on rejections.
 *   <li>{@link State#REPLICATE}: the logs match up to {@code match}; appends are pipelined, {@code
 *       next} advances when sent, bounded by the inflight window.
 *   <li>{@link State#SNAPSHOT}: the follower needs compacted entries; a snapshot is on its way and
 *       nothing else is sent until it is reported or acknowledged.
 * </ul>
 *
 * Invariant: {@code 0 <= match < next}. Owned by the leader role; mutable.
 */
final class Progress {
  /** How the leader replicates to a follower. */
  enum State {
    PROBE,
    REPLICATE,
    SNAPSHOT
  }

  long match;
  long next;
  State state = State.PROBE;
  long pendingSnapshot;
  boolean recentActive;
  boolean probeSent;
  final Inflights inflights;

  Progress(long next, int maxInflightMsgs, long maxInflightBytes) {
    this.next = next;
    this.inflights = new Inflights(maxInflightMsgs, maxInflightBytes);
  }

  void becomeProbe() {
    if (state == State.SNAPSHOT) {
      long pending = pendingSnapshot;
      resetState(State.PROBE);
      next = Math.max(match + 1, pending + 1);
    } else {
      resetState(State.PROBE);
      next = match + 1;
    }
  }

  void becomeReplicate() {
    resetState(State.REPLICATE);
    next = match + 1;
  }

  void becomeSnapshot(long snapshotIndex) {
    resetState(State.SNAPSHOT);
    pendingSnapshot = snapshotIndex;
    next = snapshotIndex + 1;
  }

  private void resetState(State newState) {
    state = newState;
    probeSent = false;
    pendingSnapshot = 0;
    inflights.reset();
  }

  /** True if the leader should not send appends now. */
  boolean isPaused() {
    return switch (state) {
      case PROBE -> probeSent;
      case REPLICATE -> inflights.full();
      case SNAPSHOT -> true;
    };
  }

  /** An append with {@code count} entries ending at {@code lastIndex} was sent. */
  void sentEntries(int count, long lastIndex, long bytes) {
    switch (state) {
      case REPLICATE -> {
        if (count > 0) {
          next = lastIndex + 1;
          inflights.add(lastIndex, bytes);
        }
      }
      case PROBE -> probeSent = true;
      case SNAPSHOT -> throw new IllegalStateException("sending entries in snapshot state");
    }
  }

  /** An acknowledgement up to {@code index}; returns false if it is stale. */
  boolean maybeUpdate(long index) {
    boolean updated = false;
    if (match < index) {
      match = index;
      updated = true;
      probeSent = false;
    }
    next = Math.max(next, index + 1);
    return updated;
  }

  /**
   * A rejection of the append at {@code rejected}; {@code matchHint} is the highest index that may
   * match. Returns false if the rejection is stale.
   */
  boolean maybeDecreaseTo(long rejected, long matchHint) {
    return switch (state) {
      case REPLICATE -> {
        if (rejected <= match) {
          yield false;
        }
        next = match + 1;
        yield true;
      }
      case PROBE -> {
        if (next - 1 != rejected) {
          yield false;
        }
        next = Math.max(Math.min(rejected, matchHint + 1), match + 1);
        probeSent = false;
        yield true;
      }
      case SNAPSHOT -> false;
    };
  }
}
