package io.etcdj.mvcc;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdj.backend.Backend;
import io.etcdj.backend.BatchPolicy;
import io.etcdj.backend.BatchedBackend;
import io.etcdj.backend.ByteSequence;
import io.etcdj.backend.InMemoryStore;
import io.etcdj.backend.WriteTxn;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random writes, watchers from random revisions (some compacted away, some in the future), slow
 * consumers with tiny buffers, compactions in steps, sync passes and victim retries in random
 * order. Every watcher must receive exactly its events, once, in order, whole revisions per
 * response, with correct prev_kv, until it is canceled by compaction (then a gap-free prefix
 * followed by the compaction response), and no progress notification may be overtaken.
 */
class WatchableStorePropertyTest {
  static final int CASES = 120;
  static final int STEPS = 300;

  /** A bounded sink, drained by the test at random moments. */
  static final class SlowSink implements WatchSink {
    final int capacity;
    final ArrayDeque<WatchResponse> buffer = new ArrayDeque<>();
    final List<WatchResponse> received = new ArrayList<>();

    SlowSink(int capacity) {
      this.capacity = capacity;
    }

    @Override
    public boolean offer(WatchResponse response) {
      if (buffer.size() >= capacity) {
        return false;
      }
      buffer.add(response);
      return true;
    }

    void drain(int n) {
      for (int i = 0; i < n && !buffer.isEmpty(); i++) {
        received.add(buffer.poll());
      }
    }
  }

  record Case(WatchRequest request, long effectiveStart, SlowSink sink, WatchableStore.Watcher w) {}

  @Test
  void everyWatcherSeesEachOfItsEventsExactlyOnceInOrder() {
    long base = Long.getLong("seed", new SplittableRandom().nextLong());
    System.out.println(
        "everyWatcherSeesEachOfItsEventsExactlyOnceInOrder base seed=" + base + " cases=" + CASES);
    long[] totals = new long[4];
    for (int c = 0; c < CASES; c++) {
      try {
        runCase(base + c, totals);
      } catch (RuntimeException e) {
        throw new AssertionError("seed " + (base + c) + ": " + e, e);
      }
    }
    System.out.printf(
        "watchers=%d events delivered=%d compaction cancels=%d progress notifications=%d%n",
        totals[0], totals[1], totals[2], totals[3]);
    assertThat(totals[1]).isPositive();
    assertThat(totals[2]).isPositive();
  }

  static void runCase(long seed, long[] totals) {
    SplittableRandom r = new SplittableRandom(seed);
    Backend backend = new BatchedBackend(new InMemoryStore(), new BatchPolicy(1_000_000, 20));
    KvStore kv = KvStore.open(backend);
    WatchableStore watchable = new WatchableStore(kv, 1 + r.nextInt(3), 1 + r.nextInt(5));
    ReferenceModel history = new ReferenceModel();
    List<Event> log = new ArrayList<>();
    List<Case> cases = new ArrayList<>();
    for (int step = 0; step < STEPS; step++) {
      int op = r.nextInt(100);
      if (op < 40) {
        WriteTxn btx = backend.beginWrite();
        int txns = 1 + r.nextInt(3);
        for (int t = 0; t < txns; t++) {
          KvWriteTxn w = kv.beginWrite(btx);
          ReferenceModel.Txn m = history.new Txn();
          int ops = 1 + r.nextInt(3);
          for (int i = 0; i < ops; i++) {
            ByteSequence k = KvStoreDifferentialTest.key(r);
            if (r.nextInt(3) > 0) {
              ByteSequence v = ByteSequence.ofUtf8("v" + step + "." + i);
              w.put(k, v, 0);
              m.put(k, v, 0);
            } else {
              ByteSequence e = KvStoreDifferentialTest.end(r, k);
              w.deleteRange(k, e);
              m.deleteRange(k, e);
            }
          }
          log.addAll(w.end().changes());
          m.end();
        }
        btx.end();
        kv.publish();
      } else if (op < 52) {
        ByteSequence k = KvStoreDifferentialTest.key(r);
        ByteSequence e = KvStoreDifferentialTest.end(r, k);
        if (e != null && !(e.size() == 1 && e.byteAt(0) == 0) && k.compareTo(e) >= 0) {
          e = null;
        }
        long current = kv.currentRevision();
        long start =
            r.nextInt(4) == 0 ? 0 : Math.max(0, kv.compactRevision() - 3 + r.nextLong(current + 6));
        WatchRequest req =
            new WatchRequest(k, e, start, r.nextBoolean(), r.nextInt(6) == 0, r.nextInt(6) == 0);
        SlowSink sink = new SlowSink(1 + r.nextInt(3));
        WatchableStore.Watcher w = watchable.watch(req, sink).orThrow();
        long effective = (start <= 0 || start > current) ? Math.max(current + 1, start) : start;
        cases.add(new Case(req, effective, sink, w));
      } else if (op < 70) {
        if (!cases.isEmpty()) {
          cases.get(r.nextInt(cases.size())).sink().drain(1 + r.nextInt(3));
        }
      } else if (op < 78) {
        watchable.syncUnsynced();
      } else if (op < 85) {
        watchable.retryVictims();
      } else if (op < 89) {
        long rev = kv.compactRevision() + 1 + r.nextLong(3);
        WriteTxn btx = backend.beginWrite();
        kv.compact(btx, rev);
        btx.end();
      } else if (op < 95) {
        WriteTxn btx = backend.beginWrite();
        kv.compactionStep(btx, 1 + r.nextInt(5));
        btx.end();
      } else if (!cases.isEmpty()) {
        watchable.requestProgress(cases.get(r.nextInt(cases.size())).w());
      }
    }
    // Quiesce: drain everything until no watcher is behind.
    for (int round = 0; round < 100_000; round++) {
      for (Case c : cases) {
        c.sink().drain(Integer.MAX_VALUE);
      }
      watchable.retryVictims();
      watchable.syncUnsynced();
      WatchableStore.Counts counts = watchable.counts();
      if (counts.unsynced() == 0 && counts.victims() == 0) {
        break;
      }
    }
    for (Case c : cases) {
      c.sink().drain(Integer.MAX_VALUE);
    }
    assertThat(watchable.counts().unsynced() + watchable.counts().victims()).isZero();
    for (Case c : cases) {
      check(c, log, history, totals);
    }
    totals[0] += cases.size();
  }

  static void check(Case c, List<Event> log, ReferenceModel history, long[] totals) {
    List<Event> expected = new ArrayList<>();
    for (Event e : log) {
      if (e.revision() >= c.effectiveStart()
          && c.request().matches(e.kv().key())
          && !(e.type() == EventType.PUT && c.request().noPut())
          && !(e.type() == EventType.DELETE && c.request().noDelete())) {
        expected.add(e);
      }
    }
    List<Event> got = new ArrayList<>();
    Set<Long> revisionsSeen = new HashSet<>();
    long progressFloor = Long.MIN_VALUE;
    boolean compacted = false;
    long compactRevision = 0;
    for (WatchResponse resp : c.sink().received) {
      assertThat(compacted).as("nothing after a compaction cancel").isFalse();
      if (resp.isCompacted()) {
        compacted = true;
        compactRevision = resp.compactRevision();
        totals[2]++;
        continue;
      }
      if (resp.isProgress()) {
        progressFloor = Math.max(progressFloor, resp.revision());
        totals[3]++;
        continue;
      }
      Set<Long> inThis = new HashSet<>();
      for (Event e : resp.events()) {
        assertThat(e.revision()).as("after a progress notification").isGreaterThan(progressFloor);
        inThis.add(e.revision());
        got.add(e);
      }
      for (long rev : inThis) {
        assertThat(revisionsSeen.add(rev)).as("revision %d split across responses", rev).isTrue();
      }
    }
    totals[1] += got.size();
    List<Event> stripped = new ArrayList<>();
    for (Event e : got) {
      KeyValue prev = e.prevKv();
      if (prev != null) {
        assertThat(c.request().prevKv()).isTrue();
        assertThat(e.isCreate()).isFalse();
        // A transaction that changed a key twice (only internal writers can) hands its delete
        // the version it wrote itself; otherwise prev_kv is the key at revision - 1, as etcd.
        if (prev.modRevision() != e.revision()) {
          KeyValue want = history.stateAt(e.revision() - 1).get(e.kv().key());
          assertThat(prev).as("prev_kv of %s", e).isEqualTo(want);
        }
      }
      stripped.add(e.withPrevKv(null));
    }
    List<Event> expectedStripped = new ArrayList<>();
    for (Event e : expected) {
      expectedStripped.add(e.withPrevKv(null));
    }
    if (compacted) {
      assertThat(stripped.size()).isLessThanOrEqualTo(expectedStripped.size());
      assertThat(stripped).isEqualTo(expectedStripped.subList(0, stripped.size()));
      // Canceled only if the watcher had fallen below the compact revision: it started below it,
      // and (the prefix above) nothing it was sent is missing before the point where it stopped.
      assertThat(c.effectiveStart())
          .as("started below the compact revision")
          .isLessThan(compactRevision);
    } else {
      assertThat(stripped).isEqualTo(expectedStripped);
    }
  }
}
