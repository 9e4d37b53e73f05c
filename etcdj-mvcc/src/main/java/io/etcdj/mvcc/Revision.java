package io.etcdj.mvcc;

import java.nio.ByteBuffer;

/**
 * A point in the store's history: {@code main} counts write transactions that changed something,
 * {@code sub} numbers the changes inside one. Ordered by main, then sub.
 *
 * <p>On disk (the {@code key} bucket's keys): 8 bytes big-endian main, {@code '_'}, 8 bytes
 * big-endian sub — 17 bytes, sorting in revision order; a tombstone appends {@code 't'} (18 bytes).
 */
public record Revision(long main, long sub) implements Comparable<Revision> {
  public static final int BYTES = 17;
  public static final int TOMBSTONE_BYTES = 18;
  private static final byte SEPARATOR = '_';
  private static final byte TOMBSTONE_MARK = 't';

  @Override
  public int compareTo(Revision o) {
    int c = Long.compare(main, o.main);
    return c != 0 ? c : Long.compare(sub, o.sub);
  }

  /** The 17-byte key. */
  public byte[] toBytes() {
    return ByteBuffer.allocate(BYTES).putLong(main).put(SEPARATOR).putLong(sub).array();
  }

  /** The 18-byte key of a tombstone at this revision. */
  public byte[] toTombstoneBytes() {
    return ByteBuffer.allocate(TOMBSTONE_BYTES)
        .putLong(main)
        .put(SEPARATOR)
        .putLong(sub)
        .put(TOMBSTONE_MARK)
        .array();
  }

  /** Parses the first 17 bytes of a {@code key} bucket key. */
  public static Revision fromBytes(byte[] key) {
    if (key.length < BYTES || key[8] != SEPARATOR) {
      throw new IllegalArgumentException("not a revision key: " + key.length + " bytes");
    }
    ByteBuffer b = ByteBuffer.wrap(key);
    return new Revision(b.getLong(0), b.getLong(9));
  }

  /** Whether a {@code key} bucket key marks a tombstone. */
  public static boolean isTombstone(byte[] key) {
    return key.length == TOMBSTONE_BYTES && key[BYTES] == TOMBSTONE_MARK;
  }

  @Override
  public String toString() {
    return main + "_" + sub;
  }
}
