package io.etcdj.backend.lmdb;

/**
 * How an LMDB store is opened.
 *
 * @param mapSizeBytes the LMDB map size: the most the file may grow to; reserved address space only
 *     (the file is sparse). See {@link #forQuota(long)}.
 * @param maxReaders concurrent read transactions allowed (LMDB's reader table size)
 */
public record LmdbConfig(long mapSizeBytes, int maxReaders) {
  /** etcd's default {@code --quota-backend-bytes}: 2 GiB. */
  public static final long DEFAULT_QUOTA_BYTES = 2L << 30;

  public LmdbConfig {
    if (mapSizeBytes < (1 << 20)) {
      throw new IllegalArgumentException("mapSizeBytes must be >= 1 MiB: " + mapSizeBytes);
    }
    if (maxReaders < 1) {
      throw new IllegalArgumentException("maxReaders must be >= 1: " + maxReaders);
    }
  }

  /**
   * The map sized from the backend quota with headroom: twice the quota, at least quota + 1 GiB, so
   * that the server refuses writes (NOSPACE) well before LMDB itself runs out of map ({@code
   * MDB_MAP_FULL} would be fatal), and so that a store at its quota with many free pages can still
   * take the writes that compaction needs.
   */
  public static LmdbConfig forQuota(long quotaBytes) {
    long quota = quotaBytes <= 0 ? DEFAULT_QUOTA_BYTES : quotaBytes;
    long map = Math.max(quota * 2, quota + (1L << 30));
    return new LmdbConfig(map, 1024);
  }
}
