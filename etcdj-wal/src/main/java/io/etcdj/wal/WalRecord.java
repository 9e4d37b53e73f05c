package io.etcdj.wal;

import io.etcdj.raft.Entry;
import io.etcdj.raft.HardState;

/**
 * The records a WAL holds. Every segment starts with a {@link Crc} (the running CRC carried in from
 * the previous segment) and a {@link Metadata}; then come entries, hard states and snapshot markers
 * in the order they were saved.
 */
public sealed interface WalRecord {

  /** Identifies the member and cluster the log belongs to; the first data record of a segment. */
  record Metadata(long memberId, long clusterId) implements WalRecord {}

  /** A raft entry; a later entry with the same or a lower index replaces the earlier ones. */
  record EntryRecord(Entry entry) implements WalRecord {}

  /** A raft hard state; the last one wins. */
  record State(HardState state) implements WalRecord {}

  /** The running CRC at the end of the previous segment (0 in the first). */
  record Crc(int crc) implements WalRecord {}

  /**
   * A snapshot was saved at {@code index} (entry term {@code term}); the log may start after it.
   */
  record SnapshotMarker(long index, long term) implements WalRecord {}
}
