package io.etcdj.backend;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What can be read from one consistent state of the backend: point reads and ascending range scans
 * of one bucket.
 *
 * <p>Keys compare as unsigned bytes. Returned arrays are fresh and belong to the caller.
 */
public interface ReadView {
  /** The value stored under {@code key}, or {@code null}. */
  byte @Nullable [] get(Bucket bucket, byte[] key);

  /**
   * Visits the entries with {@code fromInclusive <= key < toExclusive} in ascending key order;
   * {@code toExclusive == null} means to the end of the bucket; an empty {@code fromInclusive}
   * means from the start.
   */
  void forEach(Bucket bucket, byte[] fromInclusive, byte @Nullable [] toExclusive, EntryVisitor v);

  /** Up to {@code limit} entries (0 = no limit) of {@code [from, to)}, in key order. */
  default List<Entry> range(Bucket bucket, byte[] from, byte @Nullable [] to, int limit) {
    List<Entry> out = new ArrayList<>();
    forEach(
        bucket,
        from,
        to,
        (k, v) -> {
          out.add(new Entry(ByteSequence.wrap(k), ByteSequence.wrap(v)));
          return limit <= 0 || out.size() < limit;
        });
    return out;
  }

  /** One key and its value. */
  record Entry(ByteSequence key, ByteSequence value) {}
}
