package io.etcdj.backend;

import io.etcdj.backend.PersistentTree.Node;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A {@link DurableStore} in memory, with the semantics of a file store: it holds exactly what was
 * committed. Dropping the {@link BatchedBackend} over it without closing and opening a new one on
 * the same store is a crash (the pending batch is lost), which the simulation and the tests use.
 *
 * <p>The committed state is one immutable root per bucket, replaced atomically at commit, so
 * snapshots need no locks. {@link #sizeBytes()} behaves like a file: it grows to the high-water
 * mark of {@link #sizeInUseBytes()} and shrinks only on {@link #defragment()}. Bytes are counted as
 * key + value + {@value #ENTRY_OVERHEAD_BYTES} per entry.
 *
 * <p>Confinement: as {@link DurableStore}; the writer is one thread.
 */
public final class InMemoryStore implements DurableStore {
  static final int ENTRY_OVERHEAD_BYTES = 16;

  private volatile Roots roots = new Roots(new EnumMap<>(Bucket.class));
  private volatile long inUseBytes;
  private volatile long sizeBytes;

  private record Roots(Map<Bucket, Node> byBucket) {}

  @Override
  public StoreSnapshot openSnapshot() {
    Roots r = roots;
    return new StoreSnapshot() {
      @Override
      public byte @Nullable [] get(Bucket bucket, byte[] key) {
        Node n = PersistentTree.find(r.byBucket().get(bucket), key);
        return n == null ? null : Objects.requireNonNull(n.value).clone();
      }

      @Override
      public EntryCursor cursor(Bucket bucket, byte[] from, byte @Nullable [] to) {
        PersistentTree.Cursor c = new PersistentTree.Cursor(r.byBucket().get(bucket), from, to);
        return new EntryCursor() {
          @Override
          public boolean next() {
            return c.next();
          }

          @Override
          public byte[] key() {
            return c.node().key.clone();
          }

          @Override
          public byte[] value() {
            return Objects.requireNonNull(c.node().value).clone();
          }
        };
      }

      @Override
      public void close() {}
    };
  }

  @Override
  public void commit(ChangeSet changes) {
    EnumMap<Bucket, Node> next = new EnumMap<>(Bucket.class);
    next.putAll(roots.byBucket());
    long[] inUse = {inUseBytes};
    changes.forEach(
        (bucket, key, value) -> {
          Node root = next.get(bucket);
          Node old = PersistentTree.find(root, key);
          if (old != null) {
            inUse[0] -= entryBytes(old.key, Objects.requireNonNull(old.value));
          }
          Node updated;
          if (value == null) {
            updated = PersistentTree.remove(root, key);
          } else {
            updated = PersistentTree.put(root, key, value);
            inUse[0] += entryBytes(key, value);
          }
          if (updated == null) {
            next.remove(bucket);
          } else {
            next.put(bucket, updated);
          }
        });
    roots = new Roots(next);
    inUseBytes = inUse[0];
    sizeBytes = Math.max(sizeBytes, inUse[0]);
  }

  private static long entryBytes(byte[] key, byte[] value) {
    return (long) key.length + value.length + ENTRY_OVERHEAD_BYTES;
  }

  @Override
  public long sizeBytes() {
    return sizeBytes;
  }

  @Override
  public long sizeInUseBytes() {
    return inUseBytes;
  }

  @Override
  public DefragmentResult defragment() {
    long before = sizeBytes;
    long inUse = inUseBytes;
    sizeBytes = inUse;
    return new DefragmentResult(before, inUse, inUse, inUse);
  }

  @Override
  public void close() {}
}
