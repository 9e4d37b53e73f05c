package io.etcdj.mvcc;

import io.etcdj.backend.ByteSequence;
import org.jspecify.annotations.Nullable;

/**
 * A watch on {@code key} or {@code [key, end)} ({@code end} null or empty: the key alone; one zero
 * byte: every key from {@code key}) from {@code startRevision} (inclusive; 0 = from the next
 * revision).
 *
 * @param prevKv attach the previous version of the key to each event (omitted when compacted)
 * @param noPut drop PUT events
 * @param noDelete drop DELETE events
 */
public record WatchRequest(
    ByteSequence key,
    @Nullable ByteSequence end,
    long startRevision,
    boolean prevKv,
    boolean noPut,
    boolean noDelete) {

  public static WatchRequest key(ByteSequence key, long startRevision) {
    return new WatchRequest(key, null, startRevision, false, false, false);
  }

  boolean isRange() {
    return end != null && !end.isEmpty();
  }

  boolean matches(ByteSequence k) {
    ByteSequence e = end;
    if (e == null || e.isEmpty()) {
      return k.equals(key);
    }
    if (k.compareTo(key) < 0) {
      return false;
    }
    return (e.size() == 1 && e.byteAt(0) == 0) || k.compareTo(e) < 0;
  }
}
