package io.etcdj.mvcc;

import io.etcdj.backend.Bucket;
import io.etcdj.backend.ByteSequence;
import io.etcdj.backend.WriteTxn;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One mvcc write transaction (one client Put, DeleteRange or Txn, or one lease revocation): all its
 * changes share main revision {@code beginRevision + 1} with sub revisions 0, 1, 2… in execution
 * order; a transaction that changes nothing creates no revision. Its ranges see its own earlier
 * writes.
 *
 * <p>Confinement: the writer thread. Call {@link #end()} exactly once.
 */
public final class KvWriteTxn {
  private final KvStore store;
  private final WriteTxn btx;
  private final long beginRevision;
  private final List<Event> changes = new ArrayList<>();
  private boolean ended;

  KvWriteTxn(KvStore store, WriteTxn btx, long beginRevision) {
    this.store = store;
    this.btx = btx;
    this.beginRevision = beginRevision;
  }

  /** The revision this transaction's writes get. */
  public long writeRevision() {
    return beginRevision + 1;
  }

  /** The backend write transaction it writes into (for the caller's own buckets). */
  public WriteTxn backendTxn() {
    return btx;
  }

  private long readRevision() {
    return changes.isEmpty() ? beginRevision : beginRevision + 1;
  }

  private void checkOpen() {
    if (ended) {
      throw new IllegalStateException("write transaction has ended");
    }
  }

  /** Range as in {@link KvReadTxn#range}, seeing this transaction's writes. */
  public Outcome<RangeResult> range(
      ByteSequence key, @Nullable ByteSequence end, RangeOptions options) {
    checkOpen();
    long current = readRevision();
    long at = options.revision() <= 0 ? current : options.revision();
    if (at > current) {
      return Outcome.failed(MvccError.FUTURE_REVISION);
    }
    if (at < store.compactRevision()) {
      return Outcome.failed(MvccError.COMPACTED);
    }
    return Outcome.ok(store.rangeAt(btx, key, end, at, options, current));
  }

  /**
   * Puts {@code value} under {@code key} with {@code lease} (0 = none); returns the new version.
   */
  public KeyValue put(ByteSequence key, ByteSequence value, long lease) {
    checkOpen();
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key is not provided");
    }
    long rev = beginRevision + 1;
    Revision revision = new Revision(rev, changes.size());
    KeyIndex.Found previous = store.index.get(key, rev);
    long created = previous == null ? rev : previous.created().main();
    long version = previous == null ? 1 : previous.version() + 1;
    KeyValue kv = new KeyValue(key, created, rev, version, value, lease);
    btx.put(Bucket.KEY, revision.toBytes(), kv.encode());
    store.index.put(key, revision);
    changes.add(new Event(EventType.PUT, kv, null));
    return kv;
  }

  /**
   * Deletes the keys of {@code [key, end)} (conventions as {@link KvReadTxn#range}) in key order.
   *
   * @return the deleted keys' last versions
   */
  public List<KeyValue> deleteRange(ByteSequence key, @Nullable ByteSequence end) {
    checkOpen();
    long atRev = readRevision();
    TreeIndex.RangeHits hits = store.index.range(key, end, atRev, 0);
    List<KeyValue> deleted = new ArrayList<>(hits.hits().size());
    long rev = beginRevision + 1;
    for (TreeIndex.Hit hit : hits.hits()) {
      byte[] v = btx.get(Bucket.KEY, hit.found().modified().toBytes());
      if (v == null) {
        throw new IllegalStateException("index and backend disagree for " + hit.key());
      }
      KeyValue prev = KeyValue.decode(v);
      Revision revision = new Revision(rev, changes.size());
      btx.put(Bucket.KEY, revision.toTombstoneBytes(), KeyValue.tombstone(hit.key()).encode());
      store.index.tombstone(hit.key(), revision);
      changes.add(
          new Event(
              EventType.DELETE, new KeyValue(hit.key(), 0, rev, 0, ByteSequence.EMPTY, 0), prev));
      deleted.add(prev);
    }
    return deleted;
  }

  /** Number of changes so far. */
  public int changes() {
    return changes.size();
  }

  /** Ends the transaction; the changes become visible at the caller's {@link KvStore#publish()}. */
  public WriteResult end() {
    checkOpen();
    ended = true;
    long revision = changes.isEmpty() ? beginRevision : beginRevision + 1;
    store.ended(this, revision, changes);
    return new WriteResult(revision, changes);
  }
}
