package io.etcdj.wal;

/**
 * Tunables of a WAL.
 *
 * @param segmentBytes size at which a segment is cut and the next begins (etcd: 64,000,000)
 * @param preallocate whether a new segment is filled with zeros up to {@code segmentBytes} before
 *     use, so that appends do not change the file size (each fsync then syncs data only) and a torn
 *     tail is followed by zeros
 */
public record WalOptions(long segmentBytes, boolean preallocate) {
  public static final long DEFAULT_SEGMENT_BYTES = 64_000_000L;
  public static final WalOptions DEFAULT = new WalOptions(DEFAULT_SEGMENT_BYTES, true);

  public WalOptions {
    if (segmentBytes < 4096 || segmentBytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "segmentBytes must be between 4096 and " + Integer.MAX_VALUE + ": " + segmentBytes);
    }
  }
}
