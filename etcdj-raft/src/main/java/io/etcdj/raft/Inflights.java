package io.etcdj.raft;

/**
 * The appends in flight to one follower: a ring of (last index, bytes) in send order, bounded by a
 * message count and optionally a byte total. Freed from the front when the follower acknowledges.
 */
final class Inflights {
  private final long[] lastIndices;
  private final long[] sizes;
  private final long maxBytes;
  private int start;
  private int count;
  private long bytes;

  Inflights(int maxMessages, long maxBytes) {
    this.lastIndices = new long[maxMessages];
    this.sizes = new long[maxMessages];
    this.maxBytes = maxBytes;
  }

  void add(long lastIndex, long size) {
    if (count == lastIndices.length) {
      throw new IllegalStateException("inflight window is full");
    }
    int slot = (start + count) % lastIndices.length;
    lastIndices[slot] = lastIndex;
    sizes[slot] = size;
    count++;
    bytes += size;
  }

  /** Frees every append whose last index is <= {@code index}. */
  void freeLessOrEqual(long index) {
    while (count > 0 && lastIndices[start] <= index) {
      bytes -= sizes[start];
      start = (start + 1) % lastIndices.length;
      count--;
    }
    if (count == 0) {
      start = 0;
    }
  }

  /** Frees the oldest append, so one more can be sent when acknowledgements were lost. */
  void freeFirstOne() {
    if (count > 0) {
      freeLessOrEqual(lastIndices[start]);
    }
  }

  boolean full() {
    return count == lastIndices.length || (maxBytes > 0 && bytes >= maxBytes);
  }

  int count() {
    return count;
  }

  long bytes() {
    return bytes;
  }

  void reset() {
    start = 0;
    count = 0;
    bytes = 0;
  }
}
