package io.etcdj.backend;

/**
 * The port a durable store implements below {@link BatchedBackend}: committed state only. The
 * pending batch and the read buffer live in {@link BatchedBackend}, once, for every store.
 *
 * <p>Confinement: {@link #commit}, {@link #defragment()} and {@link #close()} are called by the
 * backend's writer thread; {@link #openSnapshot()} and the size methods from any thread.
 */
public interface DurableStore extends AutoCloseable {
  /**
   * A snapshot of the last commit. It must be safe to open snapshots while a commit runs: each sees
   * either the state before or after it.
   */
  StoreSnapshot openSnapshot();

  /** Applies {@code changes} atomically and durably (fsync before returning). */
  void commit(ChangeSet changes);

  long sizeBytes();

  long sizeInUseBytes();

  /** Rewrites compactly and swaps in; open snapshots stay valid. */
  DefragmentResult defragment();

  @Override
  void close();

  /** A read of committed state. Confinement: one thread at a time. */
  interface StoreSnapshot extends AutoCloseable {
    byte @org.jspecify.annotations.Nullable [] get(Bucket bucket, byte[] key);

    /** A cursor over {@code [from, to)} ({@code to == null}: to the end). */
    EntryCursor cursor(Bucket bucket, byte[] from, byte @org.jspecify.annotations.Nullable [] to);

    @Override
    void close();
  }

  /** Forward iteration; {@link #key()} and {@link #value()} are valid after {@link #next()}. */
  interface EntryCursor {
    boolean next();

    byte[] key();

    byte[] value();
  }

  /** The changes of one batch, each key at most once per bucket. */
  interface ChangeSet {
    /** Visits the changes; {@code value == null} is a delete. */
    void forEach(ChangeVisitor visitor);

    int size();
  }

  /** Receives one change of a {@link ChangeSet}. */
  @FunctionalInterface
  interface ChangeVisitor {
    void change(Bucket bucket, byte[] key, byte @org.jspecify.annotations.Nullable [] value);
  }
}
