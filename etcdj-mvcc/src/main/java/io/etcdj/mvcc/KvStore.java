package io.etcdj.mvcc;

import io.etcdj.backend.Backend;
import io.etcdj.backend.Bucket;
import io.etcdj.backend.ByteSequence;
import io.etcdj.backend.ReadTxn;
import io.etcdj.backend.ReadView;
import io.etcdj.backend.WriteTxn;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * The multi-version key-value store: every version of every key under a global revision, over a
 * {@link Backend} ({@code key} bucket: revision to {@link KeyValue}) and the in-memory {@link
 * TreeIndex} (key to revisions).
 *
 * <p>Design note. The writer (the apply loop) opens one backend write transaction per applied raft
 * batch and hands it to {@link #beginWrite(WriteTxn)} once per request; each mvcc write transaction
 * that changes something takes the next main revision. Nothing becomes visible to readers until the
 * caller has ended the backend transaction and called {@link #publish()}, which advances {@link
 * #currentRevision()} and hands the batch's events to the listeners (the watchable store). Readers
 * read {@code currentRevision} before they open their backend read transaction, so every revision
 * they may see is in their backend view.
 *
 * <p>Compaction: {@link #compact} checks the revision, records {@code scheduledCompactRev} in the
 * caller's transaction and raises the compact revision (waiting for reads in flight, which hold a
 * read stamp, as etcd's store lock); the work is then done by {@link #compactionStep} in chunks the
 * caller sizes and interleaves with writes — first the index, key by key, collecting the revisions
 * to keep; then the {@code key} bucket, deleting every revision at or below the compact revision
 * that is not kept; the last chunk writes {@code finishedCompactRev}. {@link #open} rebuilds the
 * index from the backend and, if the two differ, schedules the compaction again.
 *
 * <p>Confinement: {@link #beginWrite}, {@link #publish}, {@link #compact}, {@link #compactionStep}
 * are for the writer thread only. {@link #read()}, {@link #hashKv}, the revision getters and {@link
 * #history} are safe from any thread.
 */
public final class KvStore {
  static final byte[] SCHEDULED_COMPACT_KEY =
      "scheduledCompactRev".getBytes(StandardCharsets.US_ASCII);
  static final byte[] FINISHED_COMPACT_KEY =
      "finishedCompactRev".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] KEY_BUCKET_NAME = "key".getBytes(StandardCharsets.US_ASCII);

  private final Backend backend;
  final TreeIndex index = new TreeIndex();
  private final StampedLock compactGate = new StampedLock();
  private final List<Consumer<Published>> listeners = new CopyOnWriteArrayList<>();
  private final Map<ByteSequence, Long> restoredLeases;

  private volatile long currentRevision = 1;
  private volatile long compactRevision = -1;

  // Writer-confined.
  private long pendingRevision = 1;
  private final List<Event> unpublished = new ArrayList<>();
  private @Nullable KvWriteTxn openTxn;
  private @Nullable Compaction compaction;

  /** Events of the write transactions made visible by one {@link #publish()}. */
  public record Published(long revision, List<Event> events) {}

  private KvStore(Backend backend, Map<ByteSequence, Long> restoredLeases) {
    this.backend = backend;
    this.restoredLeases = restoredLeases;
  }

  /**
   * Opens the store over {@code backend}, rebuilding the index from the {@code key} bucket and
   * scheduling an interrupted compaction again (the caller runs it with {@link #compactionStep}).
   */
  public static KvStore open(Backend backend) {
    Map<ByteSequence, Long> leases = new TreeMap<>();
    KvStore store = new KvStore(backend, leases);
    store.restore(leases);
    return store;
  }

  private void restore(Map<ByteSequence, Long> leases) {
    long finished = -1;
    long scheduled = -1;
    long last = 1;
    Map<ByteSequence, KeyIndex> seen = new HashMap<>(1 << 16);
    try (ReadTxn txn = backend.readTxn()) {
      byte[] f = txn.get(Bucket.META, FINISHED_COMPACT_KEY);
      byte[] s = txn.get(Bucket.META, SCHEDULED_COMPACT_KEY);
      finished = f == null ? -1 : Revision.fromBytes(f).main();
      scheduled = s == null ? -1 : Revision.fromBytes(s).main();
      long[] lastMain = {1};
      txn.forEach(
          Bucket.KEY,
          new byte[0],
          null,
          (k, v) -> {
            Revision rev = Revision.fromBytes(k);
            KeyValue kv = KeyValue.decodeWithoutValue(v);
            lastMain[0] = Math.max(lastMain[0], rev.main());
            KeyIndex ki = seen.get(kv.key());
            if (Revision.isTombstone(k)) {
              if (ki != null && ki.isLive()) {
                ki.tombstone(rev.main(), rev.sub());
              }
              leases.remove(kv.key());
              return true;
            }
            if (ki == null) {
              ki = new KeyIndex(kv.key());
              ki.restore(kv.createRevision(), rev.main(), rev.sub(), kv.version());
              seen.put(kv.key(), ki);
            } else {
              ki.put(rev.main(), rev.sub());
            }
            if (kv.lease() != 0) {
              leases.put(kv.key(), kv.lease());
            } else {
              leases.remove(kv.key());
            }
            return true;
          });
      last = lastMain[0];
    }
    seen.values().removeIf(KeyIndex::isEmpty);
    index.insertRestored(seen.values());
    long current = Math.max(last, Math.max(finished, scheduled));
    currentRevision = current;
    pendingRevision = current;
    if (scheduled > finished) {
      compactRevision = scheduled;
      compaction = new Compaction(scheduled);
    } else {
      compactRevision = finished;
    }
  }

  /**
   * Re-reads the index, revisions and lease links from the backend after its content was replaced
   * wholesale (a member restoring the leader's snapshot). Writer thread only, with no write
   * transaction open and nothing unpublished; waits for reads in flight. Listeners stay: the
   * watchable store moves its watchers to catch up ({@link WatchableStore#resync()}).
   */
  public void reload() {
    if (openTxn != null || !unpublished.isEmpty()) {
      throw new IllegalStateException("reload with a write transaction open or unpublished");
    }
    long stamp = compactGate.writeLock();
    try {
      index.clear();
      compaction = null;
      restoredLeases.clear();
      restore(restoredLeases);
    } finally {
      compactGate.unlockWrite(stamp);
    }
  }

  /** The revision of the last published write (1 for an empty store). */
  public long currentRevision() {
    return currentRevision;
  }

  /** The compact revision (-1 if never compacted). */
  public long compactRevision() {
    return compactRevision;
  }

  /**
   * Keys that had a lease when the store was opened, with the lease: the server re-attaches them
   * (the key-lease link is not stored apart from the key-values).
   */
  public Map<ByteSequence, Long> restoredLeases() {
    return restoredLeases;
  }

  /** Registers a listener for {@link #publish()} (called on the writer thread). */
  public void addListener(Consumer<Published> listener) {
    listeners.add(listener);
  }

  Backend backend() {
    return backend;
  }

  /** A read transaction at the current revision; close it. */
  public KvReadTxn read() {
    long stamp = compactGate.readLock();
    try {
      long current = currentRevision;
      long compact = compactRevision;
      return new KvReadTxn(this, backend.readTxn(), current, compact, stamp);
    } catch (RuntimeException e) {
      compactGate.unlockRead(stamp);
      throw e;
    }
  }

  void releaseRead(long stamp) {
    compactGate.unlockRead(stamp);
  }

  /**
   * Starts a write transaction inside the caller's backend write transaction {@code btx}, which the
   * caller ends after {@link KvWriteTxn#end()} (and after writing its consistent index), then calls
   * {@link #publish()}. One mvcc write transaction at a time.
   */
  public KvWriteTxn beginWrite(WriteTxn btx) {
    if (openTxn != null) {
      throw new IllegalStateException("an mvcc write transaction is already open");
    }
    KvWriteTxn txn = new KvWriteTxn(this, btx, pendingRevision);
    openTxn = txn;
    return txn;
  }

  void ended(KvWriteTxn txn, long revision, List<Event> events) {
    if (openTxn != txn) {
      throw new IllegalStateException("not the open write transaction");
    }
    openTxn = null;
    if (!events.isEmpty()) {
      pendingRevision = revision;
      unpublished.addAll(events);
    }
  }

  /** The revision the next write transaction builds on (published or not). */
  public long pendingRevision() {
    return pendingRevision;
  }

  /**
   * Makes every ended write transaction visible: call after the backend write transaction holding
   * them has ended. Notifies listeners with their events, in revision order.
   */
  public void publish() {
    if (openTxn != null) {
      throw new IllegalStateException("end the mvcc write transaction first");
    }
    if (pendingRevision == currentRevision && unpublished.isEmpty()) {
      return;
    }
    currentRevision = pendingRevision;
    List<Event> events = List.copyOf(unpublished);
    unpublished.clear();
    Published p = new Published(pendingRevision, events);
    for (Consumer<Published> l : listeners) {
      l.accept(p);
    }
  }

  /**
   * Schedules a compaction at {@code revision}: fails with {@link MvccError#COMPACTED} at or below
   * the compact revision, {@link MvccError#FUTURE_REVISION} above the pending revision. Writes
   * {@code scheduledCompactRev} into {@code btx}; the caller should force a backend commit after
   * ending it (etcd commits it at once). A compaction still in progress is finished first.
   */
  public Outcome<Long> compact(WriteTxn btx, long revision) {
    if (revision <= compactRevision) {
      return Outcome.failed(MvccError.COMPACTED);
    }
    if (revision > pendingRevision) {
      return Outcome.failed(MvccError.FUTURE_REVISION);
    }
    while (compactionStep(btx, Integer.MAX_VALUE)) {
      // finish the previous compaction before starting the next
    }
    long stamp = compactGate.writeLock();
    try {
      compactRevision = revision;
    } finally {
      compactGate.unlockWrite(stamp);
    }
    btx.put(Bucket.META, SCHEDULED_COMPACT_KEY, new Revision(revision, 0).toBytes());
    compaction = new Compaction(revision);
    return Outcome.ok(pendingRevision);
  }

  /** Whether a compaction is scheduled or running. */
  public boolean compactionPending() {
    return compaction != null;
  }

  /**
   * Does up to {@code maxKeys} keys (index phase) or revisions (backend phase) of the pending
   * compaction inside {@code btx}.
   *
   * @return whether work remains
   */
  public boolean compactionStep(WriteTxn btx, int maxKeys) {
    Compaction c = compaction;
    if (c == null) {
      return false;
    }
    if (!c.indexDone) {
      ByteSequence last = index.compactChunk(c.revision, c.lastKey, maxKeys, c.keep);
      if (last == null) {
        c.indexDone = true;
      } else {
        c.lastKey = last;
      }
      return true;
    }
    byte[] end = new Revision(c.revision + 1, 0).toBytes();
    List<byte[]> doomed = new ArrayList<>();
    byte[][] lastSeen = {null};
    int[] scanned = {0};
    btx.forEach(
        Bucket.KEY,
        c.backendFrom,
        end,
        (k, v) -> {
          if (!c.keep.contains(Revision.fromBytes(k))) {
            doomed.add(k);
          }
          lastSeen[0] = k;
          return ++scanned[0] < maxKeys;
        });
    for (byte[] k : doomed) {
      btx.delete(Bucket.KEY, k);
    }
    if (scanned[0] < maxKeys || lastSeen[0] == null) {
      btx.put(Bucket.META, FINISHED_COMPACT_KEY, new Revision(c.revision, 0).toBytes());
      compaction = null;
      return false;
    }
    byte[] l = Objects.requireNonNull(lastSeen[0]);
    byte[] from = java.util.Arrays.copyOf(l, l.length + 1);
    c.backendFrom = from;
    return true;
  }

  /** State of the compaction being done in steps. */
  private static final class Compaction {
    final long revision;
    final Set<Revision> keep = new HashSet<>();
    @Nullable ByteSequence lastKey;
    boolean indexDone;
    byte[] backendFrom = new byte[0];

    Compaction(long revision) {
      this.revision = revision;
    }
  }

  /**
   * etcd's HashKV at {@code revision} (0 = current): see {@link HashKvResult}. Fails with COMPACTED
   * below the compact revision and FUTURE_REVISION above the current one.
   */
  public Outcome<HashKvResult> hashKv(long revision) {
    long stamp = compactGate.readLock();
    try {
      long compact = compactRevision;
      long current = currentRevision;
      if (revision > 0 && revision < compact) {
        return Outcome.failed(MvccError.COMPACTED);
      }
      if (revision > current) {
        return Outcome.failed(MvccError.FUTURE_REVISION);
      }
      long rev = revision <= 0 ? current : revision;
      Set<Revision> keep = index.keep(rev);
      CRC32C crc = new CRC32C();
      crc.update(KEY_BUCKET_NAME);
      try (ReadTxn txn = backend.readTxn()) {
        txn.forEach(
            Bucket.KEY,
            new byte[0],
            new Revision(rev + 1, 0).toBytes(),
            (k, v) -> {
              Revision kr = Revision.fromBytes(k);
              if (kr.main() <= compact && !keep.isEmpty() && !keep.contains(kr)) {
                return true;
              }
              if (kr.main() == compact && Revision.isTombstone(k)) {
                return true;
              }
              crc.update(k);
              crc.update(v);
              return true;
            });
      }
      return Outcome.ok(new HashKvResult((int) crc.getValue(), compact, current, rev));
    } finally {
      compactGate.unlockRead(stamp);
    }
  }

  /**
   * The events of revisions {@code [fromRevision, toRevision]} read from the backend, whole
   * revisions only, at most {@code maxRevisions} distinct revisions (for watch catch-up).
   * Tombstones become DELETE events whose kv has the key and the delete revision.
   */
  public List<Event> history(long fromRevision, long toRevision, int maxRevisions) {
    List<Event> out = new ArrayList<>();
    if (fromRevision > toRevision) {
      return out;
    }
    try (ReadTxn txn = backend.readTxn()) {
      long[] distinct = {0, Long.MIN_VALUE};
      txn.forEach(
          Bucket.KEY,
          new Revision(fromRevision, 0).toBytes(),
          new Revision(toRevision + 1, 0).toBytes(),
          (k, v) -> {
            Revision rev = Revision.fromBytes(k);
            if (rev.main() != distinct[1]) {
              if (distinct[0] == maxRevisions) {
                return false;
              }
              distinct[0]++;
              distinct[1] = rev.main();
            }
            out.add(eventOf(k, v));
            return true;
          });
    }
    return out;
  }

  static Event eventOf(byte[] revKey, byte[] value) {
    KeyValue kv = KeyValue.decode(value);
    if (Revision.isTombstone(revKey)) {
      Revision rev = Revision.fromBytes(revKey);
      return new Event(
          EventType.DELETE, new KeyValue(kv.key(), 0, rev.main(), 0, ByteSequence.EMPTY, 0), null);
    }
    return new Event(EventType.PUT, kv, null);
  }

  /** Ranges {@code view} at {@code atRev} (already checked against the window). */
  RangeResult rangeAt(
      ReadView view,
      ByteSequence key,
      @Nullable ByteSequence end,
      long atRev,
      RangeOptions options,
      long reportedRevision) {
    long limit = options.countOnly() ? 1 : options.limit();
    TreeIndex.RangeHits hits = index.range(key, end, atRev, limit);
    if (options.countOnly()) {
      return new RangeResult(List.of(), hits.count(), reportedRevision);
    }
    List<KeyValue> kvs = new ArrayList<>(hits.hits().size());
    for (TreeIndex.Hit hit : hits.hits()) {
      byte[] v = view.get(Bucket.KEY, hit.found().modified().toBytes());
      if (v == null) {
        throw new IllegalStateException(
            "index and backend disagree: no value for " + hit.key() + " at " + hit.found());
      }
      KeyValue kv = KeyValue.decode(v);
      kvs.add(options.keysOnly() ? kv.withoutValue() : kv);
    }
    return new RangeResult(kvs, hits.count(), reportedRevision);
  }

  /** Number of keys in the index (live or with history), for metrics and benchmarks. */
  public int indexedKeys() {
    return index.size();
  }

  /** For debugging: the generations of {@code key} in the index. */
  List<List<Revision>> generationsOf(ByteSequence key) {
    KeyIndex ki = index.keyIndex(key);
    return ki == null ? List.of() : ki.generations();
  }
}
