package io.etcdj.raft;

import java.util.List;

/**
 * The read-only port through which raft sees the stable (persisted) part of its log.
 *
 * <p>The application owns the writes: it appends the entries and installs the snapshots handed out
 * in a {@link Ready} before it calls {@link RaftNode#advance()}, and compacts the log after it has
 * taken a snapshot. Raft only reads, from the thread that owns the {@link RaftNode}.
 *
 * <p>Indices: the storage holds entries {@code [firstIndex(), lastIndex()]}; the entry just before
 * them ({@code firstIndex() - 1}) is covered by {@link #snapshot()} and only its term is known. An
 * empty log has {@code firstIndex() == lastIndex() + 1}. Callers stay inside these bounds; a call
 * outside them throws {@link IllegalArgumentException}.
 */
public interface LogStorage {

  /** What a restarting node resumes from. */
  record InitialState(HardState hardState, ConfState confState) {}

  /** The persisted hard state and the membership as of the snapshot. */
  InitialState initialState();

  /**
   * Entries {@code [low, high)}, stopping before the total {@link Entry#sizeBytes()} passes {@code
   * maxBytes} but always returning at least one entry if {@code low < high}.
   */
  List<Entry> entries(long low, long high, long maxBytes);

  /**
   * The term of the entry at {@code index}, for {@code firstIndex() - 1 <= index <= lastIndex()}.
   */
  long term(long index);

  long firstIndex();

  long lastIndex();

  /** The newest snapshot; {@link Snapshot#EMPTY}-like (index 0) if none was taken. */
  Snapshot snapshot();
}
