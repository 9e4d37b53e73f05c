package io.etcdj.mvcc;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdj.backend.Backend;
import io.etcdj.backend.BatchPolicy;
import io.etcdj.backend.BatchedBackend;
import io.etcdj.backend.ByteSequence;
import io.etcdj.backend.ConsistentIndex;
import io.etcdj.backend.InMemoryStore;
import io.etcdj.backend.ReadTxn;
import io.etcdj.backend.WriteTxn;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Random sequences of puts, deletes, multi-op transactions, ranges at old revisions, compactions
 * done in random small steps, clean restarts and crashes (the pending batch lost), run against the
 * store and against {@link ReferenceModel}: every result and every error must be identical.
 */
class KvStoreDifferentialTest {
  static final int CASES = 300;
  static final long[] STATS = new long[8];
  static final int STEPS = 400;
  static final int LMDB_CASES = 12;

  /**
   * A store that can be restarted, over the in-memory backend (which can also crash: the pending
   * batch is dropped) or over LMDB in {@code lmdbDir} (restarts only: one process cannot open an
   * LMDB environment twice, so its crashes are {@link CrashTest}'s).
   */
  static final class Subject {
    final InMemoryStore durable = new InMemoryStore();
    final BatchPolicy policy;
    final java.nio.file.@Nullable Path lmdbDir;
    Backend backend;
    KvStore kv;
    long appliedIndex;

    Subject(BatchPolicy policy, java.nio.file.@Nullable Path lmdbDir) {
      this.policy = policy;
      this.lmdbDir = lmdbDir;
      backend = openBackend();
      kv = KvStore.open(backend);
    }

    private Backend openBackend() {
      java.nio.file.Path dir = lmdbDir;
      return dir == null
          ? new BatchedBackend(durable, policy)
          : io.etcdj.backend.lmdb.LmdbBackend.open(
              dir, new io.etcdj.backend.lmdb.LmdbConfig(64L << 20, 16), policy);
    }

    boolean canCrash() {
      return lmdbDir == null;
    }

    void restart() {
      backend.close();
      backend = openBackend();
      kv = KvStore.open(backend);
    }

    void crash() {
      backend = new BatchedBackend(durable, policy); // the old one is dropped with its batch
      kv = KvStore.open(backend);
    }

    long committedIndex() {
      try (ReadTxn r = backend.readTxn()) {
        return ConsistentIndex.readFrom(r).index();
      }
    }
  }

  /** The same random histories over LMDB, fewer of them (each opens an environment). */
  @Test
  void randomHistoriesOverLmdbMatchTheReferenceModel(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
    long base = Long.getLong("seed", new SplittableRandom().nextLong());
    System.out.println(
        "randomHistoriesOverLmdbMatchTheReferenceModel base seed=" + base + " cases=" + LMDB_CASES);
    for (int c = 0; c < LMDB_CASES; c++) {
      try {
        runCase(base + c, tmp.resolve("case-" + c));
      } catch (RuntimeException e) {
        throw new AssertionError("seed " + (base + c) + " (lmdb): " + e, e);
      }
    }
  }

  static ByteSequence key(SplittableRandom r) {
    return ByteSequence.ofUtf8(String.valueOf((char) ('a' + r.nextInt(10))));
  }

  static @Nullable ByteSequence end(SplittableRandom r, ByteSequence key) {
    return switch (r.nextInt(5)) {
      case 0, 1 -> null;
      case 2 -> ByteSequence.wrap(new byte[] {0});
      default -> ByteSequence.ofUtf8(String.valueOf((char) ('a' + r.nextInt(11))));
    };
  }

  static RangeOptions options(SplittableRandom r, long current, long compact) {
    long rev =
        r.nextInt(3) == 0 ? 0 : Math.max(-1, compact - 2 + r.nextLong(current - compact + 5));
    return new RangeOptions(
        r.nextInt(3) == 0 ? r.nextInt(4) : 0, rev, r.nextInt(8) == 0, r.nextInt(8) == 0);
  }

  @Test
  void randomHistoriesMatchTheReferenceModel() {
    long base = Long.getLong("seed", new SplittableRandom().nextLong());
    System.out.println(
        "randomHistoriesMatchTheReferenceModel base seed=" + base + " cases=" + CASES);
    for (int c = 0; c < CASES; c++) {
      try {
        runCase(base + c);
      } catch (RuntimeException e) {
        throw new AssertionError("seed " + (base + c) + ": " + e, e);
      }
    }
    System.out.printf(
        "ranges non-empty=%d empty-or-error=%d compactions ok=%d rejected=%d restarts=%d"
            + " crashes=%d%n",
        STATS[0], STATS[1], STATS[2], STATS[3], STATS[4], STATS[5]);
  }

  static void runCase(long seed) {
    runCase(seed, null);
  }

  static void runCase(long seed, java.nio.file.@Nullable Path lmdbDir) {
    SplittableRandom r = new SplittableRandom(seed);
    Subject s = new Subject(new BatchPolicy(1_000_000, 1 + r.nextInt(30)), lmdbDir);
    ReferenceModel model = new ReferenceModel();
    ReferenceModel committedModel = model.copy();
    long committedCommits = s.backend.commits();
    for (int step = 0; step < STEPS; step++) {
      String where = "seed " + seed + " step " + step;
      int op = r.nextInt(100);
      if (Boolean.getBoolean("trace")) {
        System.out.println(
            where
                + " op "
                + op
                + " current "
                + model.current
                + " compact "
                + model.compact
                + " pending "
                + s.kv.compactionPending());
      }
      if (op < 55) {
        // One backend transaction (a raft batch) with 1..3 mvcc transactions.
        WriteTxn btx = s.backend.beginWrite();
        int txns = 1 + r.nextInt(3);
        for (int t = 0; t < txns; t++) {
          KvWriteTxn w = s.kv.beginWrite(btx);
          ReferenceModel.Txn m = model.new Txn();
          int ops = 1 + r.nextInt(3);
          for (int i = 0; i < ops; i++) {
            int kind = r.nextInt(10);
            ByteSequence k = key(r);
            if (kind < 5) {
              ByteSequence v = ByteSequence.ofUtf8("v" + step + "." + i);
              long lease = r.nextInt(4) == 0 ? 1 + r.nextInt(3) : 0;
              assertThat(w.put(k, v, lease)).as(where).isEqualTo(m.put(k, v, lease));
            } else if (kind < 8) {
              ByteSequence e = end(r, k);
              assertThat(w.deleteRange(k, e)).as(where).isEqualTo(m.deleteRange(k, e));
            } else {
              ByteSequence e = end(r, k);
              RangeOptions o = options(r, model.current + 1, model.compact);
              assertThat(w.range(k, e, o)).as(where + " txn range").isEqualTo(m.range(k, e, o));
            }
          }
          WriteResult result = w.end();
          assertThat(result.revision()).as(where).isEqualTo(m.end());
        }
        s.appliedIndex++;
        new ConsistentIndex(s.appliedIndex, 1).writeTo(btx);
        btx.end();
        s.kv.publish();
      } else if (op < 80) {
        ByteSequence k = key(r);
        ByteSequence e = end(r, k);
        RangeOptions o = options(r, model.current, model.compact);
        try (KvReadTxn read = s.kv.read()) {
          Outcome<RangeResult> want = model.range(k, e, o);
          assertThat(read.range(k, e, o)).as(where + " range").isEqualTo(want);
          STATS[want instanceof Outcome.Ok<RangeResult> ok && ok.value().count() > 0 ? 0 : 1]++;
        }
      } else if (op < 86) {
        long rev = model.compact - 1 + r.nextLong(model.current - model.compact + 3);
        WriteTxn btx = s.backend.beginWrite();
        Outcome<Long> got = s.kv.compact(btx, rev);
        s.appliedIndex++;
        new ConsistentIndex(s.appliedIndex, 1).writeTo(btx);
        btx.end();
        assertThat(got).as(where + " compact " + rev).isEqualTo(model.compact(rev));
        STATS[got instanceof Outcome.Ok<Long> ? 2 : 3]++;
      } else if (op < 94) {
        if (s.kv.compactionPending()) {
          WriteTxn btx = s.backend.beginWrite();
          s.kv.compactionStep(btx, 1 + r.nextInt(6));
          btx.end();
        }
      } else if (op < 97) {
        s.restart();
        committedModel = model.copy();
        STATS[4]++;
      } else if (op < 98) {
        s.backend.forceCommit();
      } else if (s.canCrash()) {
        s.crash();
        model = committedModel.copy();
        STATS[5]++;
        assertThat(s.kv.currentRevision()).as(where + " after crash").isEqualTo(model.current);
      }
      if (s.backend.commits() != committedCommits) {
        committedCommits = s.backend.commits();
        committedModel = model.copy();
      }
      assertThat(s.kv.currentRevision()).as(where).isEqualTo(model.current);
      assertThat(s.kv.compactRevision()).as(where).isEqualTo(model.compact);
    }
    // Finish compaction; every revision from the compact revision on reads as in the model.
    WriteTxn btx = s.backend.beginWrite();
    while (s.kv.compactionStep(btx, 3)) {
      // all steps
    }
    btx.end();
    s.restart();
    long from = Math.max(1, model.compact);
    List<String> mismatches = new ArrayList<>();
    for (long rev = from; rev <= model.current; rev++) {
      RangeOptions o = RangeOptions.atRevision(rev);
      ByteSequence all = ByteSequence.ofUtf8("a");
      ByteSequence zero = ByteSequence.wrap(new byte[] {0});
      try (KvReadTxn read = s.kv.read()) {
        if (!read.range(all, zero, o).equals(model.range(all, zero, o))) {
          mismatches.add("rev " + rev);
        }
      }
    }
    assertThat(mismatches).as("seed " + seed + " after restart").isEmpty();
    s.backend.close();
  }
}
