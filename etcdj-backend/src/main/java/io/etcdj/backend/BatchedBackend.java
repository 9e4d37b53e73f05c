package io.etcdj.backend;

import io.etcdj.backend.DurableStore.EntryCursor;
import io.etcdj.backend.DurableStore.StoreSnapshot;
import io.etcdj.backend.PersistentTree.Node;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * The {@link Backend}: batched commits and the read buffer, over any {@link DurableStore}.
 *
 * <p>Design note. Ended write transactions are not committed one by one (a commit fsyncs, which
 * costs milliseconds); they accumulate in a pending batch. The batch lives twice: in the store's
 * own future commit (the {@link ChangeSetView} handed to {@link DurableStore#commit}) and in the
 * read buffer, so readers see it before it is durable. The read buffer is a persistent (immutable,
 * path-copied) sorted tree per bucket in which a {@code null} value is a pending delete. Each
 * {@link WriteTxn#end()} publishes a new {@link View} = (generation, buffer roots) through one
 * volatile write; a commit bumps the generation and empties the buffer.
 *
 * <p>A read transaction is a store snapshot plus a view's buffer. Opening one must pair them
 * consistently without a lock: it reads the view, opens the store snapshot, reads the view again
 * and retries if the generation moved. If it did not move, the snapshot is either the state before
 * the last commit of this generation, which the buffer completes, or (when the snapshot was opened
 * between the store commit and the publication of the new generation) the state after it, which
 * already holds all of the generation's buffer; the second view read sees the final buffer in that
 * case, and buffer over state equals state. Either way the reader sees exactly the write
 * transactions ended before it.
 *
 * <p>Worked example: T1 puts a=1 and ends (view g0: {a=1}); a reader R1 opens: store {} + {a=1}. T2
 * deletes a and ends (view g0: {a=null}); R1 still reads a=1 from its own roots. The batch commits:
 * store {} becomes {}, then view g1: {}. A reader opened now sees no a; R1 is unchanged.
 *
 * <p>Confinement: writer methods on one thread (see {@link Backend}); readers anywhere. The write
 * transaction's own reads use a store snapshot cached until the next commit.
 */
@SuppressWarnings("EnumOrdinal") // buffer roots are indexed by bucket ordinal on the hot path
public final class BatchedBackend implements Backend {
  private static final int BUCKETS = Bucket.values().length;

  private final DurableStore store;
  private final BatchPolicy policy;

  private volatile View view = new View(0, new Node[BUCKETS]);
  private volatile boolean closed;

  // Writer-confined state.
  private @Nullable Writer openWriter;
  private int pending;
  private long batchStartNanos;
  private boolean batchStartKnown;
  private @Nullable StoreSnapshot writerSnapshot;
  private final java.util.concurrent.atomic.AtomicLong commits =
      new java.util.concurrent.atomic.AtomicLong();

  /** A published state of the read buffer; {@code roots} is never mutated after publication. */
  private static final class View {
    final long generation;
    final @Nullable Node[] roots;

    View(long generation, @Nullable Node[] roots) {
      this.generation = generation;
      this.roots = roots;
    }
  }

  public BatchedBackend(DurableStore store, BatchPolicy policy) {
    this.store = Objects.requireNonNull(store);
    this.policy = Objects.requireNonNull(policy);
  }

  @Override
  public ReadTxn readTxn() {
    checkOpen();
    while (true) {
      View before = view;
      StoreSnapshot snapshot = store.openSnapshot();
      View after = view;
      if (before.generation == after.generation) {
        return new Reader(snapshot, after.roots);
      }
      snapshot.close();
    }
  }

  @Override
  public WriteTxn beginWrite() {
    checkOpen();
    if (openWriter != null) {
      throw new IllegalStateException("a write transaction is already open");
    }
    StoreSnapshot base = writerSnapshot;
    if (base == null) {
      base = store.openSnapshot();
      writerSnapshot = base;
    }
    Writer w = new Writer(base, view.roots.clone());
    openWriter = w;
    return w;
  }

  @Override
  public boolean maybeCommit(long nowNanos) {
    checkOpen();
    if (pending == 0 || !batchStartKnown) {
      batchStartNanos = nowNanos;
      batchStartKnown = true;
      return false;
    }
    if (nowNanos - batchStartNanos >= policy.intervalNanos()) {
      commit();
      batchStartNanos = nowNanos;
      return true;
    }
    return false;
  }

  @Override
  public void forceCommit() {
    checkOpen();
    commit();
  }

  private void commit() {
    if (openWriter != null) {
      throw new IllegalStateException("cannot commit while a write transaction is open");
    }
    if (pending == 0) {
      return;
    }
    View v = view;
    store.commit(new ChangeSetView(v.roots, pending));
    StoreSnapshot old = writerSnapshot;
    if (old != null) {
      old.close();
      writerSnapshot = null;
    }
    pending = 0;
    view = new View(v.generation + 1, new Node[BUCKETS]);
    commits.incrementAndGet();
  }

  @Override
  public int pendingOperations() {
    return pending;
  }

  @Override
  public long commits() {
    return commits.get();
  }

  @Override
  public long sizeBytes() {
    return sizes().sizeBytes();
  }

  @Override
  public long sizeInUseBytes() {
    return sizes().inUseBytes();
  }

  /** The store's sizes, read again only after a commit (every put checks the quota). */
  private record Sizes(long sizeBytes, long inUseBytes, long commits) {}

  private volatile @Nullable Sizes sizes;

  private Sizes sizes() {
    Sizes s = sizes;
    long c = commits.get();
    if (s == null || s.commits() != c) {
      s = new Sizes(store.sizeBytes(), store.sizeInUseBytes(), c);
      sizes = s;
    }
    return s;
  }

  @Override
  public void writeSnapshot(OutputStream out) throws IOException {
    try (ReadTxn txn = readTxn()) {
      BackendSnapshot.write(txn, out);
    }
  }

  @Override
  public DefragmentResult defragment() {
    checkOpen();
    commit();
    StoreSnapshot old = writerSnapshot;
    if (old != null) {
      old.close();
      writerSnapshot = null;
    }
    DefragmentResult result = store.defragment();
    sizes = null; // the file shrank without a commit
    return result;
  }

  @Override
  public int hash() {
    CRC32C crc = new CRC32C();
    try (ReadTxn txn = readTxn()) {
      for (Bucket b : Bucket.byName()) {
        crc.update(b.nameBytes().unsafeArray());
        txn.forEach(
            b,
            new byte[0],
            null,
            (k, v) -> {
              if (b == Bucket.META && (isAscii(k, "consistent_index") || isAscii(k, "term"))) {
                return true;
              }
              crc.update(k);
              crc.update(v);
              return true;
            });
      }
    }
    return (int) crc.getValue();
  }

  private static boolean isAscii(byte[] k, String s) {
    return Arrays.equals(k, s.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    if (openWriter != null) {
      throw new IllegalStateException("close the write transaction first");
    }
    commit();
    StoreSnapshot old = writerSnapshot;
    if (old != null) {
      old.close();
    }
    closed = true;
    store.close();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("backend is closed");
    }
  }

  private static void checkKey(byte[] key) {
    if (key.length == 0 || key.length > MAX_KEY_BYTES) {
      throw new IllegalArgumentException(
          "key length must be 1.." + MAX_KEY_BYTES + " bytes: " + key.length);
    }
  }

  /** Reads over a store snapshot with a read buffer on top. */
  private abstract static class Merged implements ReadView {
    final StoreSnapshot base;

    Merged(StoreSnapshot base) {
      this.base = base;
    }

    abstract @Nullable Node root(Bucket b);

    @Override
    public byte @Nullable [] get(Bucket bucket, byte[] key) {
      Node n = PersistentTree.find(root(bucket), key);
      if (n != null) {
        byte[] v = n.value;
        return v == null ? null : v.clone();
      }
      return base.get(bucket, key);
    }

    @Override
    public void forEach(Bucket bucket, byte[] from, byte @Nullable [] to, EntryVisitor visitor) {
      PersistentTree.Cursor buffered = new PersistentTree.Cursor(root(bucket), from, to);
      EntryCursor committed = base.cursor(bucket, from, to);
      boolean hasB = buffered.next();
      boolean hasC = committed.next();
      byte[] cKey = hasC ? committed.key() : new byte[0];
      while (hasB || hasC) {
        int c;
        if (!hasB) {
          c = 1;
        } else if (!hasC) {
          c = -1;
        } else {
          c = Arrays.compareUnsigned(buffered.node().key, cKey);
        }
        if (c <= 0) {
          Node n = buffered.node();
          if (n.value != null && !visitor.visit(n.key.clone(), n.value.clone())) {
            return;
          }
          hasB = buffered.next();
          if (c == 0) {
            hasC = committed.next();
            cKey = hasC ? committed.key() : cKey;
          }
        } else {
          if (!visitor.visit(cKey, committed.value())) {
            return;
          }
          hasC = committed.next();
          cKey = hasC ? committed.key() : cKey;
        }
      }
    }
  }

  private static final class Reader extends Merged implements ReadTxn {
    private final @Nullable Node[] roots;
    private boolean readerClosed;

    Reader(StoreSnapshot base, @Nullable Node[] roots) {
      super(base);
      this.roots = roots;
    }

    @Override
    @Nullable Node root(Bucket b) {
      if (readerClosed) {
        throw new IllegalStateException("read transaction is closed");
      }
      return roots[b.ordinal()];
    }

    @Override
    public void close() {
      if (!readerClosed) {
        readerClosed = true;
        base.close();
      }
    }
  }

  private final class Writer extends Merged implements WriteTxn {
    private final @Nullable Node[] roots;
    private int operations;
    private boolean ended;

    Writer(StoreSnapshot base, @Nullable Node[] roots) {
      super(base);
      this.roots = roots;
    }

    @Override
    @Nullable Node root(Bucket b) {
      return roots[b.ordinal()];
    }

    @Override
    public void put(Bucket bucket, byte[] key, byte[] value) {
      checkWritable();
      checkKey(key);
      roots[bucket.ordinal()] =
          PersistentTree.put(roots[bucket.ordinal()], key.clone(), value.clone());
      operations++;
    }

    @Override
    public void delete(Bucket bucket, byte[] key) {
      checkWritable();
      checkKey(key);
      roots[bucket.ordinal()] = PersistentTree.put(roots[bucket.ordinal()], key.clone(), null);
      operations++;
    }

    @Override
    public int operations() {
      return operations;
    }

    private void checkWritable() {
      if (ended) {
        throw new IllegalStateException("write transaction has ended");
      }
    }

    @Override
    public void end() {
      if (ended) {
        return;
      }
      ended = true;
      openWriter = null;
      if (operations == 0) {
        return;
      }
      View v = view;
      view = new View(v.generation, roots);
      pending += operations;
      if (pending >= policy.limitOperations()) {
        commit();
      }
    }
  }

  /** The pending batch as the store sees it: every buffered node, tombstones as deletes. */
  private static final class ChangeSetView implements DurableStore.ChangeSet {
    private final @Nullable Node[] roots;
    private final int operations;

    ChangeSetView(@Nullable Node[] roots, int operations) {
      this.roots = roots;
      this.operations = operations;
    }

    @Override
    public void forEach(DurableStore.ChangeVisitor visitor) {
      for (Bucket b : Bucket.values()) {
        PersistentTree.forEachNode(roots[b.ordinal()], n -> visitor.change(b, n.key, n.value));
      }
    }

    @Override
    public int size() {
      return operations;
    }
  }
}
