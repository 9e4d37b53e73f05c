package io.etcdj.raft;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A node's view of its log: the stable part in {@link LogStorage} followed by the unstable part
 * (entries and possibly a snapshot not yet persisted), with the commit and applied indices.
 *
 * <p>Design note. Worked example: storage holds entries 1..5, the node accepts an append that
 * replaces 5 and adds 6. Then {@code unstableOffset = 5}, {@code unstable = [5', 6]}; lookups at
 * index >= 5 read the unstable part even though storage still has the old entry 5, until the
 * application persists 5' and 6 and {@link #stableTo} drops them from the unstable part. Invariant:
 * when {@code unstable} is empty, {@code unstableOffset} is one past the last stable index.
 *
 * <p>Confined to the thread that owns the node.
 */
final class RaftLog {
  /** Returned by {@link #term} for an index that is compacted or beyond the log. */
  static final long UNKNOWN_TERM = -1;

  private final LogStorage storage;
  private final ArrayList<Entry> unstable = new ArrayList<>();
  private long unstableOffset;
  private @Nullable Snapshot unstableSnapshot;
  private long committed;
  private long applied;

  RaftLog(LogStorage storage) {
    this.storage = storage;
    this.unstableOffset = storage.lastIndex() + 1;
    this.committed = storage.firstIndex() - 1;
    this.applied = storage.firstIndex() - 1;
  }

  LogStorage storage() {
    return storage;
  }

  long committed() {
    return committed;
  }

  long applied() {
    return applied;
  }

  long firstIndex() {
    Snapshot snapshot = unstableSnapshot;
    return snapshot != null ? snapshot.metadata().index() + 1 : storage.firstIndex();
  }

  long lastIndex() {
    if (!unstable.isEmpty()) {
      return unstableOffset + unstable.size() - 1;
    }
    Snapshot snapshot = unstableSnapshot;
    return snapshot != null ? snapshot.metadata().index() : storage.lastIndex();
  }

  long lastTerm() {
    return term(lastIndex());
  }

  /** The highest index whose entry (or snapshot) is persisted and still part of this log. */
  long lastStableIndex() {
    if (unstableSnapshot != null) {
      return 0;
    }
    return unstableOffset - 1;
  }

  /** The term at {@code index}, or {@link #UNKNOWN_TERM} if compacted or beyond the last index. */
  long term(long index) {
    if (index > lastIndex() || index < 0) {
      return UNKNOWN_TERM;
    }
    if (index >= unstableOffset) {
      return unstable.get((int) (index - unstableOffset)).term();
    }
    Snapshot snapshot = unstableSnapshot;
    if (snapshot != null) {
      return index == snapshot.metadata().index() ? snapshot.metadata().term() : UNKNOWN_TERM;
    }
    if (index < storage.firstIndex() - 1) {
      return UNKNOWN_TERM;
    }
    return storage.term(index);
  }

  boolean matchTerm(long index, long term) {
    long found = term(index);
    return found != UNKNOWN_TERM && found == term;
  }

  /**
   * Raft §5.4.1: a candidate's log is at least as up-to-date as ours if its last term is higher, or
   * equal with a last index at least ours.
   */
  boolean isUpToDate(long lastLogIndex, long lastLogTerm) {
    long ourTerm = lastTerm();
    return lastLogTerm > ourTerm || (lastLogTerm == ourTerm && lastLogIndex >= lastIndex());
  }

  /**
   * The follower side of an append (Raft §5.3): if our entry at {@code prevIndex} has {@code
   * prevTerm}, drop conflicting entries, append the new ones and learn the commit index. Returns
   * the last index of the new entries, or -1 if {@code prevIndex} does not match.
   */
  long maybeAppend(long prevIndex, long prevTerm, long leaderCommit, List<Entry> entries) {
    if (!matchTerm(prevIndex, prevTerm)) {
      return -1;
    }
    long lastNew = prevIndex + entries.size();
    long conflict = findConflict(entries);
    if (conflict != 0) {
      if (conflict <= committed) {
        throw new IllegalStateException(
            "entry " + conflict + " conflicts with committed entry (committed=" + committed + ")");
      }
      append(entries.subList((int) (conflict - entries.get(0).index()), entries.size()));
    }
    commitTo(Math.min(leaderCommit, lastNew));
    return lastNew;
  }

  /** The first index of {@code entries} that is new or has a different term than ours, or 0. */
  private long findConflict(List<Entry> entries) {
    for (Entry entry : entries) {
      if (!matchTerm(entry.index(), entry.term())) {
        return entry.index();
      }
    }
    return 0;
  }

  /**
   * The highest index <= {@code index} whose term is <= {@code term} (or that is compacted): the
   * best guess of where a log ending in a {@code term} entry at {@code index} can match ours.
   */
  long findConflictByTerm(long index, long term) {
    long i = Math.min(index, lastIndex());
    for (; i > 0; i--) {
      long found = term(i);
      if (found == UNKNOWN_TERM || found <= term) {
        return i;
      }
    }
    return 0;
  }

  /** Appends after truncating any entries at or after the first new index; returns last index. */
  long append(List<Entry> entries) {
    if (entries.isEmpty()) {
      return lastIndex();
    }
    long first = entries.get(0).index();
    if (first <= committed) {
      throw new IllegalStateException("append at " + first + " below commit " + committed);
    }
    if (first > lastIndex() + 1) {
      throw new IllegalStateException("gap: append at " + first + " after " + lastIndex());
    }
    if (first <= unstableOffset) {
      unstable.clear();
      unstableOffset = first;
    } else {
      unstable.subList((int) (first - unstableOffset), unstable.size()).clear();
    }
    unstable.addAll(entries);
    return lastIndex();
  }

  /** Entries {@code [low, high)} within a byte budget (at least one), from storage and unstable. */
  List<Entry> slice(long low, long high, long maxBytes) {
    if (low >= high) {
      return List.of();
    }
    if (low < firstIndex() || high > lastIndex() + 1) {
      throw new IllegalArgumentException(
          "slice [" + low + ", " + high + ") outside [" + firstIndex() + ", " + lastIndex() + "]");
    }
    List<Entry> result = new ArrayList<>();
    long size = 0;
    if (low < unstableOffset) {
      List<Entry> stored = storage.entries(low, Math.min(high, unstableOffset), maxBytes);
      result.addAll(stored);
      for (Entry entry : stored) {
        size += entry.sizeBytes();
      }
      if (stored.size() < Math.min(high, unstableOffset) - low) {
        return result;
      }
    }
    if (high > unstableOffset) {
      long from = Math.max(low, unstableOffset);
      for (long i = from; i < high; i++) {
        Entry entry = unstable.get((int) (i - unstableOffset));
        if (!result.isEmpty() && size + entry.sizeBytes() > maxBytes) {
          break;
        }
        size += entry.sizeBytes();
        result.add(entry);
      }
    }
    return result;
  }

  void commitTo(long index) {
    if (index > committed) {
      if (index > lastIndex()) {
        throw new IllegalStateException(
            "commit " + index + " beyond last index " + lastIndex() + ": log lost or corrupted");
      }
      committed = index;
    }
  }

  /** Commits {@code index} if it is newer and its entry has {@code term} (Raft §5.4.2). */
  boolean maybeCommit(long index, long term) {
    if (index > committed && term(index) == term) {
      commitTo(index);
      return true;
    }
    return false;
  }

  /** Replaces the log by {@code snapshot}, which the application must persist (unstable). */
  void restore(Snapshot snapshot) {
    committed = snapshot.metadata().index();
    unstable.clear();
    unstableOffset = snapshot.metadata().index() + 1;
    unstableSnapshot = snapshot;
  }

  @Nullable Snapshot unstableSnapshot() {
    return unstableSnapshot;
  }

  boolean hasUnstableEntries() {
    return !unstable.isEmpty();
  }

  List<Entry> unstableEntries() {
    return unstable.isEmpty() ? List.of() : List.copyOf(unstable);
  }

  /** The application persisted entries up to {@code index} (with {@code term}). */
  void stableTo(long index, long term) {
    if (index < unstableOffset || index >= unstableOffset + unstable.size()) {
      return;
    }
    if (unstable.get((int) (index - unstableOffset)).term() != term) {
      return;
    }
    unstable.subList(0, (int) (index - unstableOffset) + 1).clear();
    unstableOffset = index + 1;
  }

  void stableSnapshotTo(long index) {
    Snapshot snapshot = unstableSnapshot;
    if (snapshot != null && snapshot.metadata().index() == index) {
      unstableSnapshot = null;
    }
  }

  boolean hasNextCommittedEntries() {
    return committed > Math.max(applied, firstIndex() - 1);
  }

  List<Entry> nextCommittedEntries(long maxBytes) {
    long low = Math.max(applied + 1, firstIndex());
    return low <= committed ? slice(low, committed + 1, maxBytes) : List.of();
  }

  void appliedTo(long index) {
    if (index > committed) {
      throw new IllegalStateException("applied " + index + " beyond commit " + committed);
    }
    applied = Math.max(applied, index);
  }

  /** Restart: the application already applied up to {@code index}. */
  void setApplied(long index) {
    applied = Math.max(applied, Math.min(index, committed));
  }

  /** Restart: the persisted commit index. */
  void setCommittedFromHardState(long commit) {
    if (commit > lastIndex() || commit < committed) {
      if (commit > lastIndex()) {
        throw new IllegalStateException(
            "hard state commit " + commit + " beyond last index " + lastIndex());
      }
      return;
    }
    committed = commit;
  }
}
