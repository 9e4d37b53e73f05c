package io.etcdj.raft;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link LogStorage} in memory, with the writes an application performs: append, compact, apply a
 * received snapshot, create a snapshot.
 *
 * <p>Design note: {@code entries.get(0)} is a dummy entry standing for the snapshot (its index and
 * term), so the entry at index {@code i} sits at {@code i - offset()}. Confined to the thread that
 * owns the raft node; not thread-safe.
 */
public final class MemoryStorage implements LogStorage {
  private final ArrayList<Entry> entries = new ArrayList<>();
  private HardState hardState = HardState.EMPTY;
  private Snapshot snapshot;

  /** An empty storage whose membership is {@code confState} (how a new cluster is bootstrapped). */
  public MemoryStorage(ConfState confState) {
    snapshot = new Snapshot(new SnapshotMetadata(0, 0, confState), Bytes.EMPTY);
    entries.add(new Entry(0, 0, EntryType.NORMAL, Bytes.EMPTY));
  }

  /** An empty storage for a node that joins a running cluster and learns its membership later. */
  public MemoryStorage() {
    this(ConfState.EMPTY);
  }

  /**
   * A storage whose snapshot (at index 0) names {@code voters}: the quickest way to start a
   * cluster. The membership is not in the log, so a node that joins later and replays the log from
   * index 1 must start from the same initial {@link ConfState} ({@link #MemoryStorage(ConfState)})
   * or receive a snapshot; {@link #bootstrap} keeps the membership in the log instead.
   */
  public static MemoryStorage ofVoters(List<Long> voters) {
    return new MemoryStorage(new ConfState(voters, List.of(), List.of(), List.of(), false));
  }

  /**
   * A storage that bootstraps a new cluster as etcd does: entries 1..n of term 1 add one voter each
   * and are committed, so the membership lives in the log and a node that joins later learns it by
   * replication. Every initial member starts from the same storage content.
   */
  public static MemoryStorage bootstrap(List<Long> voters) {
    MemoryStorage storage = new MemoryStorage();
    List<Entry> entries = new ArrayList<>();
    long index = 0;
    for (long voter : voters.stream().sorted().toList()) {
      entries.add(
          new Entry(1, ++index, EntryType.CONF_CHANGE, ConfChange.addVoter(voter).encode()));
    }
    storage.append(entries);
    storage.setHardState(new HardState(1, 0, index));
    return storage;
  }

  /** An independent copy (what survives a crash when this storage stands for a disk). */
  public MemoryStorage copy() {
    MemoryStorage copy = new MemoryStorage();
    copy.entries.clear();
    copy.entries.addAll(entries);
    copy.hardState = hardState;
    copy.snapshot = snapshot;
    return copy;
  }

  @Override
  public InitialState initialState() {
    return new InitialState(hardState, snapshot.metadata().confState());
  }

  public HardState hardState() {
    return hardState;
  }

  public void setHardState(HardState state) {
    hardState = state;
  }

  private long offset() {
    return entries.get(0).index();
  }

  @Override
  public long firstIndex() {
    return offset() + 1;
  }

  @Override
  public long lastIndex() {
    return offset() + entries.size() - 1;
  }

  @Override
  public long term(long index) {
    if (index < offset() || index > lastIndex()) {
      throw new IllegalArgumentException(
          "term of " + index + " outside [" + offset() + ", " + lastIndex() + "]");
    }
    return entries.get((int) (index - offset())).term();
  }

  @Override
  public List<Entry> entries(long low, long high, long maxBytes) {
    if (low < firstIndex() || high > lastIndex() + 1 || low > high) {
      throw new IllegalArgumentException(
          "entries ["
              + low
              + ", "
              + high
              + ") outside ["
              + firstIndex()
              + ", "
              + lastIndex()
              + "]");
    }
    return limitSize(entries.subList((int) (low - offset()), (int) (high - offset())), maxBytes);
  }

  static List<Entry> limitSize(List<Entry> list, long maxBytes) {
    if (list.isEmpty()) {
      return List.of();
    }
    long size = list.get(0).sizeBytes();
    int end = 1;
    while (end < list.size()) {
      size += list.get(end).sizeBytes();
      if (size > maxBytes) {
        break;
      }
      end++;
    }
    return List.copyOf(list.subList(0, end));
  }

  @Override
  public Snapshot snapshot() {
    return snapshot;
  }

  /**
   * Appends entries handed out in a {@link Ready}; entries at or after the first new index are
   * replaced (a follower's conflicting suffix). Entries already covered by the snapshot are
   * ignored.
   *
   * @throws IllegalArgumentException if the entries leave a gap after the current last index
   */
  public void append(List<Entry> newEntries) {
    if (newEntries.isEmpty()) {
      return;
    }
    long first = firstIndex();
    long last = newEntries.get(newEntries.size() - 1).index();
    if (last < first) {
      return;
    }
    List<Entry> toAdd = newEntries;
    if (newEntries.get(0).index() < first) {
      toAdd = newEntries.subList((int) (first - newEntries.get(0).index()), newEntries.size());
    }
    long start = toAdd.get(0).index();
    if (start > lastIndex() + 1) {
      throw new IllegalArgumentException(
          "gap: appending at " + start + " after last index " + lastIndex());
    }
    int keep = (int) (start - offset());
    entries.subList(keep, entries.size()).clear();
    entries.addAll(toAdd);
  }

  /**
   * Discards entries up to and including {@code index}, which a snapshot must already cover.
   *
   * @throws IllegalArgumentException if {@code index} is beyond the last index
   */
  public void compact(long index) {
    if (index <= offset()) {
      return;
    }
    if (index > lastIndex()) {
      throw new IllegalArgumentException("compact " + index + " beyond last " + lastIndex());
    }
    Entry dummy = new Entry(term(index), index, EntryType.NORMAL, Bytes.EMPTY);
    entries.subList(0, (int) (index - offset()) + 1).clear();
    entries.add(0, dummy);
  }

  /**
   * Records a snapshot of the application's state at {@code index} (<= last index), which it has
   * applied; {@code confState} is the membership as of {@code index}. Older requests are ignored
   * and return false.
   */
  public boolean createSnapshot(long index, ConfState confState, Bytes data) {
    if (index <= snapshot.metadata().index()) {
      return false;
    }
    if (index > lastIndex() || index < offset()) {
      throw new IllegalArgumentException("snapshot index " + index + " outside the log");
    }
    snapshot = new Snapshot(new SnapshotMetadata(index, term(index), confState), data);
    return true;
  }

  /**
   * Replaces the whole log by a snapshot received from the leader (handed out in a {@link Ready}).
   * An older snapshot is ignored and returns false.
   */
  public boolean applySnapshot(Snapshot received) {
    if (received.metadata().index() <= snapshot.metadata().index()) {
      return false;
    }
    snapshot = received;
    entries.clear();
    entries.add(
        new Entry(
            received.metadata().term(),
            received.metadata().index(),
            EntryType.NORMAL,
            Bytes.EMPTY));
    return true;
  }

  /** All stored entries, for tests and tools. */
  public List<Entry> allEntries() {
    return new ArrayList<>(entries.subList(1, entries.size()));
  }
}
