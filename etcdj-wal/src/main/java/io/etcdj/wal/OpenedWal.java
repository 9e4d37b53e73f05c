package io.etcdj.wal;

import io.etcdj.raft.Entry;
import io.etcdj.raft.HardState;
import java.util.List;

/**
 * What opening a WAL at a snapshot found.
 *
 * @param wal the log, positioned to append after the last good record
 * @param metadata the member and cluster the log belongs to
 * @param state the last hard state saved ({@link HardState#EMPTY} if none)
 * @param entries the entries after the snapshot index, in index order, with later overwrites
 *     applied
 * @param repairs what was repaired (a torn tail truncated), one line each; empty if nothing
 */
public record OpenedWal(
    Wal wal,
    WalRecord.Metadata metadata,
    HardState state,
    List<Entry> entries,
    List<String> repairs) {
  public OpenedWal {
    entries = List.copyOf(entries);
    repairs = List.copyOf(repairs);
  }
}
