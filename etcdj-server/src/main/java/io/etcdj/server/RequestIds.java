package io.etcdj.server;

/**
 * Unique request IDs for one member, made as etcd makes them: the low 16 bits of the member ID,
 * then 40 bits of the start time in milliseconds, then an 8-bit counter; every ID after the first
 * adds one to the low 48 bits. IDs of different members never collide, and a restarted member
 * starts above where it was as long as its clock moved forward.
 *
 * <p>Lease IDs chosen by the server are the next request ID masked to 63 bits (positive).
 *
 * <p>Not thread-safe by itself; the server calls it under its proposal lock or from one thread.
 */
public final class RequestIds {
  private static final long SUFFIX_MASK = (1L << 48) - 1;

  private final long prefix;
  private long suffix;

  /**
   * @param memberId this member's ID
   * @param startMillis the wall-clock time of start, in Unix milliseconds (taken by the caller)
   */
  public RequestIds(long memberId, long startMillis) {
    this.prefix = (memberId & 0xffffL) << 48;
    this.suffix = ((startMillis & ((1L << 40) - 1)) << 8);
  }

  /** The next ID as a positive lease ID (63 bits), as etcd picks lease IDs. */
  public long nextLeaseId() {
    return next() & Long.MAX_VALUE;
  }

  /** The next ID; never repeats for this instance. */
  public long next() {
    suffix = (suffix + 1) & SUFFIX_MASK;
    return prefix | suffix;
  }
}
