package io.etcdj.backend;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The backend port: etcd's bucketed key-value store under mvcc, lease, auth and membership.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li><b>One writer.</b> {@link #beginWrite()}, {@link #maybeCommit}, {@link #forceCommit()},
 *       {@link #defragment()} and {@link #close()} are confined to one thread, the apply loop. At
 *       most one write transaction is open at a time; opening a second throws.
 *   <li><b>Many readers.</b> {@link #readTxn()}, {@link #writeSnapshot}, {@link #hash()} and the
 *       size methods may be called from any thread at any time. A read transaction sees exactly the
 *       write transactions that {@linkplain WriteTxn#end() ended} before it began: writes of the
 *       pending batch are visible at once (the read buffer), later ones are not.
 *   <li><b>Batched commits.</b> Ended write transactions join a pending batch, committed atomically
 *       and durably (fsync) when it holds {@link BatchPolicy#limitOperations()} operations, when
 *       {@link #maybeCommit(long)} sees the interval elapsed, or on {@link #forceCommit()}. After a
 *       crash the backend opens at the last committed batch; the consistent index the caller writes
 *       into its write transactions tells it what to re-apply.
 *   <li><b>Keys</b> are 1 to {@value #MAX_KEY_BYTES} bytes (LMDB's limit, enforced by every
 *       implementation so that they behave alike); values any length.
 * </ul>
 */
public interface Backend extends AutoCloseable {
  /** The longest key any backend accepts. */
  int MAX_KEY_BYTES = 511;

  /** A new read transaction over the current state; close it. */
  ReadTxn readTxn();

  /** Opens the write transaction; throws {@link IllegalStateException} if one is open. */
  WriteTxn beginWrite();

  /**
   * Commits the pending batch if the batch interval has passed since the last commit or since the
   * last call that found nothing pending. The caller (the apply loop) calls this whenever it is
   * idle or at least once per interval, passing its monotonic clock in nanoseconds.
   *
   * @return whether a commit happened
   */
  boolean maybeCommit(long nowNanos);

  /** Commits the pending batch now, if any. */
  void forceCommit();

  /** Puts and deletes in the pending (not yet committed) batch. */
  int pendingOperations();

  /** Number of commits since open (for tests and metrics). */
  long commits();

  /**
   * Size of the store in bytes (the file size for a file store): what the quota is checked against.
   */
  long sizeBytes();

  /** Bytes actually holding data: {@link #sizeBytes()} less free pages. */
  long sizeInUseBytes();

  /**
   * Writes a consistent copy of every bucket to {@code out} in the backend snapshot format of
   * {@link BackendSnapshot}; the backend keeps serving readers and the writer meanwhile.
   */
  void writeSnapshot(OutputStream out) throws IOException;

  /**
   * Rewrites the store compactly and swaps it in, committing the pending batch first. Readers are
   * not blocked; the writer is (it is the caller).
   */
  DefragmentResult defragment();

  /**
   * CRC-32C over every bucket name and every key and value in bucket-name order, leaving out meta
   * {@code consistent_index} and {@code term} (etcd's {@code Hash}).
   */
  int hash();

  /** Commits the pending batch and releases the store. */
  @Override
  void close();
}
