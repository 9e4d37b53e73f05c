package io.etcdj.backend;

/**
 * When the pending batch is committed: after {@code intervalNanos} (etcd's {@code
 * --backend-batch-interval}, 100 ms) or once {@code limitOperations} puts and deletes are pending
 * (etcd's {@code --backend-batch-limit}, 10 000), whichever comes first.
 */
public record BatchPolicy(long intervalNanos, int limitOperations) {
  public static final BatchPolicy DEFAULT = new BatchPolicy(100_000_000L, 10_000);

  public BatchPolicy {
    if (intervalNanos <= 0) {
      throw new IllegalArgumentException("intervalNanos must be > 0: " + intervalNanos);
    }
    if (limitOperations <= 0) {
      throw new IllegalArgumentException("limitOperations must be > 0: " + limitOperations);
    }
  }
}
