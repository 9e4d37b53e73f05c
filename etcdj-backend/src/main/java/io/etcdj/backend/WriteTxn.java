package io.etcdj.backend;

/**
 * The one open write transaction. Reads see the pending batch and this transaction's own writes.
 *
 * <p>Confinement: the writer thread (the apply loop), which also calls {@link Backend#maybeCommit}
 * and {@link Backend#forceCommit()}. At most one is open at a time.
 *
 * <p>Effects become visible to new read transactions at {@link #end()}, all at once; they become
 * durable at the next batch commit. Arrays passed in are copied.
 */
public interface WriteTxn extends ReadView, AutoCloseable {
  /**
   * Stores {@code value} under {@code key}; key length must be 1..{@value Backend#MAX_KEY_BYTES}.
   */
  void put(Bucket bucket, byte[] key, byte[] value);

  /** Removes {@code key} if present. */
  void delete(Bucket bucket, byte[] key);

  /** Number of puts and deletes so far in this transaction. */
  int operations();

  /**
   * Publishes this transaction's writes to readers and adds them to the pending batch, which is
   * committed here if it reached the batch limit. Idempotent.
   */
  void end();

  /** Same as {@link #end()}. */
  @Override
  default void close() {
    end();
  }
}
