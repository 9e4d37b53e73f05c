package io.etcdj.backend;

import java.nio.charset.StandardCharsets;

/**
 * The named key spaces of etcd's backend, with etcd's bucket names.
 *
 * <p>Iteration order for hashing and for the snapshot stream is the unsigned order of the names
 * (bbolt's order), given by {@link #byName()}.
 */
public enum Bucket {
  KEY("key"),
  META("meta"),
  LEASE("lease"),
  AUTH("auth"),
  AUTH_USERS("authUsers"),
  AUTH_ROLES("authRoles"),
  MEMBERS("members"),
  MEMBERS_REMOVED("members_removed"),
  CLUSTER("cluster"),
  ALARM("alarm");

  private static final java.util.List<Bucket> BY_NAME =
      java.util.Arrays.stream(values())
          .sorted(
              (a, b) ->
                  java.util.Arrays.compareUnsigned(
                      a.nameBytes.toByteArray(), b.nameBytes.toByteArray()))
          .toList();

  private final String bucketName;

  @SuppressWarnings("ImmutableEnumChecker") // ByteSequence is immutable
  private final ByteSequence nameBytes;

  Bucket(String bucketName) {
    this.bucketName = bucketName;
    this.nameBytes = ByteSequence.copyOf(bucketName.getBytes(StandardCharsets.US_ASCII));
  }

  /** etcd's name of the bucket, e.g. {@code members_removed}. */
  public String bucketName() {
    return bucketName;
  }

  /** The name as bytes (what hashes include). */
  public ByteSequence nameBytes() {
    return nameBytes;
  }

  /** All buckets in unsigned order of their names. */
  public static java.util.List<Bucket> byName() {
    return BY_NAME;
  }

  /** The bucket called {@code name}. */
  public static Bucket named(String name) {
    for (Bucket b : values()) {
      if (b.bucketName.equals(name)) {
        return b;
      }
    }
    throw new IllegalArgumentException("no bucket named " + name);
  }
}
