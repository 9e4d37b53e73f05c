package io.etcdj.raft;

import java.util.Objects;

/**
 * One raft log entry.
 *
 * @param term the leader term in which the entry was proposed, >= 1
 * @param index the entry's position in the log, >= 1
 * @param type what {@code data} holds
 * @param data the payload; empty for a leader's no-op entry
 */
public record Entry(long term, long index, EntryType type, Bytes data) {
  public Entry {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(data, "data");
    if (term < 0 || index < 0) {
      throw new IllegalArgumentException("term and index must be >= 0: " + term + "/" + index);
    }
  }

  /** Bytes this entry counts against size budgets: its payload plus a fixed overhead. */
  public long sizeBytes() {
    return data.size() + 24L;
  }
}
