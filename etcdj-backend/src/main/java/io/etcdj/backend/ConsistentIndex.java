package io.etcdj.backend;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The raft index and term of the last applied entry, stored in the {@code meta} bucket under etcd's
 * keys {@code consistent_index} and {@code term} (8 bytes big-endian each).
 *
 * <p>The applier writes them into the same {@link WriteTxn} as the data the entry changed, so that
 * they reach the disk in the same batch commit and can never run ahead of it; on restart, entries
 * with an index at or below the stored one are skipped.
 */
public record ConsistentIndex(long index, long term) {
  public static final ConsistentIndex ZERO = new ConsistentIndex(0, 0);

  private static final byte[] INDEX_KEY = "consistent_index".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TERM_KEY = "term".getBytes(StandardCharsets.US_ASCII);

  /** Writes this index and term into {@code txn}. */
  public void writeTo(WriteTxn txn) {
    txn.put(Bucket.META, INDEX_KEY, ByteBuffer.allocate(8).putLong(index).array());
    txn.put(Bucket.META, TERM_KEY, ByteBuffer.allocate(8).putLong(term).array());
  }

  /** What {@code view} holds, {@link #ZERO} if nothing was ever written. */
  public static ConsistentIndex readFrom(ReadView view) {
    byte[] i = view.get(Bucket.META, INDEX_KEY);
    byte[] t = view.get(Bucket.META, TERM_KEY);
    return new ConsistentIndex(
        i == null ? 0 : ByteBuffer.wrap(i).getLong(), t == null ? 0 : ByteBuffer.wrap(t).getLong());
  }
}
