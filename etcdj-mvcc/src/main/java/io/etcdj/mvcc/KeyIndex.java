package io.etcdj.mvcc;

import io.etcdj.backend.ByteSequence;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The history of one key in the index: its revisions grouped into generations. A generation runs
 * from the put that created the key to the delete (tombstone) that ended it; the last generation is
 * open (possibly empty).
 *
 * <p>Worked example (etcd's): put@1.0, put@2.0, delete@3.0, put@4.0, delete@5.0 gives generations
 * {@code [1.0 2.0 3.0(t)] [4.0 5.0(t)] []}. Reading at 2 finds generation 0 and revision 2.0,
 * version 2; at 3 nothing (the tombstone ends the generation); at 4 revision 4.0, version 1.
 * Compacting at 2 keeps {@code [2.0 3.0(t)] [4.0 5.0(t)] []} (2.0 is the newest revision at or
 * below 2, needed to read at 2); at 4 it drops generation 0 whole (its tombstone 3 is below 4) and
 * keeps {@code [4.0 5.0(t)] []}; at 5 it keeps the tombstone {@code [5.0(t)] []} (etcd 3.5.16+:
 * watchers from 5 must see the delete); at 6 the key disappears.
 *
 * <p>Memory: revisions are packed in a {@code long[]} as (main, sub) pairs; the open generation is
 * a field and the closed ones (most keys have none) an array shared while empty, so a key with one
 * generation costs its {@code KeyIndex}, one {@code Generation} and one {@code long[]}.
 *
 * <p>Confinement: mutated only by the writer, under {@link TreeIndex}'s lock.
 */
final class KeyIndex {
  final ByteSequence key;
  private long modifiedMain;
  private long modifiedSub;
  private static final Generation[] NONE = new Generation[0];

  /** The generations ended by a tombstone, oldest first. */
  private Generation[] closed = NONE;

  /** The last generation: open, possibly empty. */
  private Generation open = new Generation();

  /** One generation: created revision, version of its last revision, and its revisions. */
  static final class Generation {
    long version;
    long createdMain;
    long createdSub;
    long[] revs = new long[2];
    int count;

    boolean isEmpty() {
      return count == 0;
    }

    long main(int i) {
      return revs[2 * i];
    }

    long sub(int i) {
      return revs[2 * i + 1];
    }

    Revision revision(int i) {
      return new Revision(main(i), sub(i));
    }

    void add(long main, long sub) {
      if (2 * count + 2 > revs.length) {
        revs = Arrays.copyOf(revs, Math.max(4, revs.length * 2));
      }
      revs[2 * count] = main;
      revs[2 * count + 1] = sub;
      count++;
    }

    /** Index of the newest revision with main <= atRev, or -1. */
    int newestAtOrBelow(long atRev) {
      for (int i = count - 1; i >= 0; i--) {
        if (main(i) <= atRev) {
          return i;
        }
      }
      return -1;
    }

    void dropBefore(int index) {
      if (index <= 0) {
        return;
      }
      int keep = count - index;
      long[] next = new long[Math.max(2, 2 * keep)];
      System.arraycopy(revs, 2 * index, next, 0, 2 * keep);
      revs = next;
      count = keep;
    }
  }

  /** What a read at some revision finds for a key. */
  record Found(Revision modified, Revision created, long version) {}

  KeyIndex(ByteSequence key) {
    this.key = key;
  }

  private int generationCount() {
    return closed.length + 1;
  }

  private Generation generation(int i) {
    return i < closed.length ? closed[i] : open;
  }

  /** Records a put at {@code main.sub}. */
  void put(long main, long sub) {
    if (compare(main, sub, modifiedMain, modifiedSub) <= 0) {
      throw new IllegalStateException(
          "revision " + main + "_" + sub + " is not after " + modifiedMain + "_" + modifiedSub);
    }
    Generation g = open;
    if (g.isEmpty()) {
      g.createdMain = main;
      g.createdSub = sub;
    }
    g.add(main, sub);
    g.version++;
    modifiedMain = main;
    modifiedSub = sub;
  }

  /** Starts the index of a key at restore from a surviving revision and its stored fields. */
  void restore(long createdMain, long modMain, long modSub, long version) {
    Generation g = open;
    g.createdMain = createdMain;
    g.createdSub = 0;
    g.version = version;
    g.add(modMain, modSub);
    modifiedMain = modMain;
    modifiedSub = modSub;
  }

  /** Records a delete: appends the tombstone and opens an empty generation. */
  void tombstone(long main, long sub) {
    if (!isLive()) {
      throw new IllegalStateException("tombstone of a key that is not live: " + key);
    }
    put(main, sub);
    closed = Arrays.copyOf(closed, closed.length + 1);
    closed[closed.length - 1] = open;
    open = new Generation();
  }

  /** Whether the key currently exists (its last generation is not empty). */
  boolean isLive() {
    return !open.isEmpty();
  }

  /** Whether nothing is left (after compaction). */
  boolean isEmpty() {
    return closed.length == 0 && open.isEmpty();
  }

  /** The key's state at {@code atRev}, or {@code null} if it did not exist then. */
  @Nullable Found get(long atRev) {
    Generation g = findGeneration(atRev);
    if (g == null) {
      return null;
    }
    int n = g.newestAtOrBelow(atRev);
    if (n < 0) {
      return null;
    }
    return new Found(
        g.revision(n), new Revision(g.createdMain, g.createdSub), g.version - (g.count - n - 1));
  }

  private @Nullable Generation findGeneration(long atRev) {
    int last = generationCount() - 1;
    for (int i = last; i >= 0; i--) {
      Generation g = generation(i);
      if (g.isEmpty()) {
        continue;
      }
      if (i != last && g.main(g.count - 1) <= atRev) {
        return null; // the tombstone ending this generation is at or before atRev
      }
      if (g.main(0) <= atRev) {
        return g;
      }
    }
    return null;
  }

  /**
   * Index of the first generation that contains atRev or starts after it, as compaction sees it.
   */
  private int compactionGeneration(long atRev) {
    int i = 0;
    while (i < generationCount() - 1) {
      Generation g = generation(i);
      if (g.main(g.count - 1) >= atRev) {
        break;
      }
      i++;
    }
    return i;
  }

  /** Compacts at {@code atRev}, adding the revisions kept at or below it to {@code keep}. */
  void compact(long atRev, Set<Revision> keep) {
    int gi = compactionGeneration(atRev);
    Generation g = generation(gi);
    int n = g.newestAtOrBelow(atRev);
    if (n >= 0) {
      keep.add(g.revision(n));
      g.dropBefore(n);
    }
    keepLaterAtRevision(gi, atRev, keep);
    if (gi > 0) {
      closed = gi >= closed.length ? NONE : Arrays.copyOfRange(closed, gi, closed.length);
    }
  }

  /**
   * Adds to {@code keep} the revision a compaction at {@code atRev} would keep at or below it,
   * leaving out a tombstone (HashKV's rule, so stores that did or did not keep it hash alike).
   */
  void keep(long atRev, Set<Revision> keep) {
    if (isEmpty()) {
      return;
    }
    int gi = compactionGeneration(atRev);
    Generation g = generation(gi);
    int n = g.newestAtOrBelow(atRev);
    if (n >= 0 && !(n == g.count - 1 && gi != generationCount() - 1)) {
      keep.add(g.revision(n));
    }
    keepLaterAtRevision(gi, atRev, keep);
  }

  /**
   * Generations after the compaction generation can hold revisions at exactly {@code atRev} only
   * when one transaction deleted and re-created the key (clients cannot, the server rejects such a
   * txn; internal writers might): they are part of the state at {@code atRev} and of the events
   * watchers from {@code atRev} must see, so they are kept too. etcd keeps only one revision per
   * key here; for client-made histories both rules keep the same set.
   */
  private void keepLaterAtRevision(int gi, long atRev, Set<Revision> keep) {
    for (int i = gi + 1; i < generationCount(); i++) {
      Generation later = generation(i);
      for (int j = 0; j < later.count && later.main(j) <= atRev; j++) {
        keep.add(later.revision(j));
      }
    }
  }

  /** All revisions, oldest first (for tests and the reference checks). */
  List<List<Revision>> generations() {
    List<List<Revision>> out = new ArrayList<>();
    for (int gi = 0; gi < generationCount(); gi++) {
      Generation g = generation(gi);
      List<Revision> revs = new ArrayList<>();
      for (int i = 0; i < g.count; i++) {
        revs.add(g.revision(i));
      }
      out.add(revs);
    }
    return out;
  }

  private static int compare(long m1, long s1, long m2, long s2) {
    int c = Long.compare(m1, m2);
    return c != 0 ? c : Long.compare(s1, s2);
  }
}
