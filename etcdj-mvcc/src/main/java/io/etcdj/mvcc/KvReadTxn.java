package io.etcdj.mvcc;

import io.etcdj.backend.ByteSequence;
import io.etcdj.backend.ReadTxn;
import org.jspecify.annotations.Nullable;

/**
 * A read transaction: every range sees the store at {@link #revision()} (the current revision when
 * it opened) or at an older revision not below the compact revision.
 *
 * <p>Confinement: one thread at a time; many may be open at once. Close it promptly: while it is
 * open, a compaction cannot raise the compact revision.
 */
public final class KvReadTxn implements AutoCloseable {
  private final KvStore store;
  private final ReadTxn backendTxn;
  private final long revision;
  private final long compactRevision;
  private final long stamp;
  private boolean closed;

  KvReadTxn(KvStore store, ReadTxn backendTxn, long revision, long compactRevision, long stamp) {
    this.store = store;
    this.backendTxn = backendTxn;
    this.revision = revision;
    this.compactRevision = compactRevision;
    this.stamp = stamp;
  }

  /** The current revision this transaction reads. */
  public long revision() {
    return revision;
  }

  /** The compact revision when it opened. */
  public long compactRevision() {
    return compactRevision;
  }

  /**
   * Range {@code [key, end)} ({@code end} null or empty: the key alone; one zero byte: every key
   * from {@code key}) at {@code options.revision()}.
   */
  public Outcome<RangeResult> range(
      ByteSequence key, @Nullable ByteSequence end, RangeOptions options) {
    if (closed) {
      throw new IllegalStateException("read transaction is closed");
    }
    long at = options.revision() <= 0 ? revision : options.revision();
    if (at > revision) {
      return Outcome.failed(MvccError.FUTURE_REVISION);
    }
    if (at < compactRevision) {
      return Outcome.failed(MvccError.COMPACTED);
    }
    return Outcome.ok(store.rangeAt(backendTxn, key, end, at, options, revision));
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      backendTxn.close();
      store.releaseRead(stamp);
    }
  }
}
