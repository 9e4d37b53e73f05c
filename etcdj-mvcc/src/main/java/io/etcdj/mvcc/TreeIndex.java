package io.etcdj.mvcc;

import io.etcdj.backend.ByteSequence;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.jspecify.annotations.Nullable;

/**
 * The in-memory index: user key to {@link KeyIndex}, ordered by unsigned key bytes.
 *
 * <p>Confinement: one writer (the apply loop) mutates; readers on any thread read concurrently. A
 * read-write lock guards the map and the key indexes (readers hold the read lock only for one
 * lookup or one range, never across backend reads).
 */
final class TreeIndex {
  private final TreeMap<ByteSequence, KeyIndex> tree = new TreeMap<>();
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

  /** One key found by a range: the key and what {@link KeyIndex#get} said. */
  record Hit(ByteSequence key, KeyIndex.Found found) {}

  void put(ByteSequence key, Revision rev) {
    lock.writeLock().lock();
    try {
      tree.computeIfAbsent(key, KeyIndex::new).put(rev.main(), rev.sub());
    } finally {
      lock.writeLock().unlock();
    }
  }

  void tombstone(ByteSequence key, Revision rev) {
    lock.writeLock().lock();
    try {
      KeyIndex ki = tree.get(key);
      if (ki == null) {
        throw new IllegalStateException("tombstone of an unindexed key: " + key);
      }
      ki.tombstone(rev.main(), rev.sub());
    } finally {
      lock.writeLock().unlock();
    }
  }

  KeyIndex.@Nullable Found get(ByteSequence key, long atRev) {
    lock.readLock().lock();
    try {
      KeyIndex ki = tree.get(key);
      return ki == null ? null : ki.get(atRev);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Keys of {@code [key, end)} that exist at {@code atRev}, at most {@code limit} of them ({@code
   * limit <= 0}: all), with the total count ignoring the limit. {@code end == null}: the single
   * key; {@code end} = one zero byte: every key from {@code key}.
   */
  RangeHits range(ByteSequence key, @Nullable ByteSequence end, long atRev, long limit) {
    lock.readLock().lock();
    try {
      List<Hit> hits = new ArrayList<>();
      long count = 0;
      for (KeyIndex ki : slice(key, end)) {
        KeyIndex.Found f = ki.get(atRev);
        if (f != null) {
          count++;
          if (limit <= 0 || hits.size() < limit) {
            hits.add(new Hit(ki.key, f));
          }
        }
      }
      return new RangeHits(hits, count);
    } finally {
      lock.readLock().unlock();
    }
  }

  record RangeHits(List<Hit> hits, long count) {}

  private Iterable<KeyIndex> slice(ByteSequence key, @Nullable ByteSequence end) {
    if (end == null || end.isEmpty()) {
      KeyIndex ki = tree.get(key);
      return ki == null ? List.of() : List.of(ki);
    }
    if (end.size() == 1 && end.byteAt(0) == 0) {
      return tree.tailMap(key, true).values();
    }
    if (key.compareTo(end) >= 0) {
      return List.of();
    }
    return tree.subMap(key, true, end, false).values();
  }

  /**
   * Compacts up to {@code maxKeys} key indexes after {@code afterKey} (exclusive; {@code null} from
   * the first), removing emptied ones and adding kept revisions to {@code keep}.
   *
   * @return the last key compacted, or {@code null} when no keys remain after {@code afterKey}
   */
  @Nullable ByteSequence compactChunk(
      long atRev, @Nullable ByteSequence afterKey, int maxKeys, Set<Revision> keep) {
    lock.writeLock().lock();
    try {
      NavigableMap<ByteSequence, KeyIndex> rest =
          afterKey == null ? tree : tree.tailMap(afterKey, false);
      ByteSequence last = null;
      int done = 0;
      var it = rest.entrySet().iterator();
      while (it.hasNext() && done < maxKeys) {
        Map.Entry<ByteSequence, KeyIndex> e = it.next();
        // Read the key before removing: TreeMap may reuse a removed entry for its successor.
        ByteSequence k = e.getKey();
        KeyIndex ki = e.getValue();
        ki.compact(atRev, keep);
        if (ki.isEmpty()) {
          it.remove();
        }
        last = k;
        done++;
      }
      return last;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** The revisions a compaction at {@code atRev} would keep at or below it (for HashKV). */
  Set<Revision> keep(long atRev) {
    lock.readLock().lock();
    try {
      Set<Revision> keep = new HashSet<>();
      for (KeyIndex ki : tree.values()) {
        ki.keep(atRev, keep);
      }
      return keep;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Forgets every key (the backend's content was replaced; {@link KvStore#reload}). */
  void clear() {
    lock.writeLock().lock();
    try {
      tree.clear();
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Bulk load at restore (writer only, before readers exist): sorts once and builds the tree in
   * linear time, several times faster than a million inserts.
   */
  void insertRestored(java.util.Collection<KeyIndex> restored) {
    KeyIndex[] sorted = restored.toArray(new KeyIndex[0]);
    java.util.Arrays.sort(sorted, (a, b) -> a.key.compareTo(b.key));
    lock.writeLock().lock();
    try {
      if (tree.isEmpty()) {
        tree.putAll(new SortedArrayMap(sorted));
      } else {
        for (KeyIndex ki : sorted) {
          tree.put(ki.key, ki);
        }
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * A sorted array seen as a {@link java.util.SortedMap}, only so that {@link TreeMap#putAll} takes
   * its linear-time path (it needs {@code size}, {@code comparator} and the entry iterator).
   */
  private static final class SortedArrayMap extends java.util.AbstractMap<ByteSequence, KeyIndex>
      implements java.util.SortedMap<ByteSequence, KeyIndex> {
    private final KeyIndex[] sorted;

    SortedArrayMap(KeyIndex[] sorted) {
      this.sorted = sorted;
    }

    @Override
    public java.util.@Nullable Comparator<? super ByteSequence> comparator() {
      return null;
    }

    @Override
    public Set<Map.Entry<ByteSequence, KeyIndex>> entrySet() {
      return new java.util.AbstractSet<>() {
        @Override
        public java.util.Iterator<Map.Entry<ByteSequence, KeyIndex>> iterator() {
          return java.util.Arrays.stream(sorted)
              .<Map.Entry<ByteSequence, KeyIndex>>map(ki -> Map.entry(ki.key, ki))
              .iterator();
        }

        @Override
        public int size() {
          return sorted.length;
        }
      };
    }

    @Override
    public java.util.SortedMap<ByteSequence, KeyIndex> subMap(ByteSequence from, ByteSequence to) {
      throw new UnsupportedOperationException();
    }

    @Override
    public java.util.SortedMap<ByteSequence, KeyIndex> headMap(ByteSequence to) {
      throw new UnsupportedOperationException();
    }

    @Override
    public java.util.SortedMap<ByteSequence, KeyIndex> tailMap(ByteSequence from) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ByteSequence firstKey() {
      return sorted[0].key;
    }

    @Override
    public ByteSequence lastKey() {
      return sorted[sorted.length - 1].key;
    }
  }

  int size() {
    lock.readLock().lock();
    try {
      return tree.size();
    } finally {
      lock.readLock().unlock();
    }
  }

  @Nullable KeyIndex keyIndex(ByteSequence key) {
    lock.readLock().lock();
    try {
      return tree.get(key);
    } finally {
      lock.readLock().unlock();
    }
  }
}
