package io.etcdj.mvcc;

/**
 * etcd's HashKV: the CRC-32C {@code hash} (an unsigned 32-bit value in an int), the store's compact
 * revision when hashing started (-1 if never compacted), the current revision and the revision
 * hashed.
 */
public record HashKvResult(
    int hash, long compactRevision, long currentRevision, long hashRevision) {
  public long unsignedHash() {
    return Integer.toUnsignedLong(hash);
  }
}
