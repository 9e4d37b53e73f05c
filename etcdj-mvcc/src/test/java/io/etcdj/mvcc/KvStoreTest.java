package io.etcdj.mvcc;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdj.backend.Backend;
import io.etcdj.backend.BatchPolicy;
import io.etcdj.backend.BatchedBackend;
import io.etcdj.backend.ByteSequence;
import io.etcdj.backend.InMemoryStore;
import io.etcdj.backend.WriteTxn;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** The store's etcd rules, one by one. */
class KvStoreTest {
  private final InMemoryStore durable = new InMemoryStore();
  private Backend backend = new BatchedBackend(durable, BatchPolicy.DEFAULT);
  private KvStore kv = KvStore.open(backend);

  static ByteSequence b(String s) {
    return ByteSequence.ofUtf8(s);
  }

  private WriteResult write(Consumer<KvWriteTxn> body) {
    WriteTxn btx = backend.beginWrite();
    KvWriteTxn w = kv.beginWrite(btx);
    body.accept(w);
    WriteResult r = w.end();
    btx.end();
    kv.publish();
    return r;
  }

  private Outcome<Long> compact(long rev) {
    WriteTxn btx = backend.beginWrite();
    Outcome<Long> o = kv.compact(btx, rev);
    btx.end();
    return o;
  }

  private void finishCompaction() {
    WriteTxn btx = backend.beginWrite();
    while (kv.compactionStep(btx, 2)) {
      // steps
    }
    btx.end();
  }

  private RangeResult get(String key, long rev) {
    try (KvReadTxn r = kv.read()) {
      return r.range(b(key), null, RangeOptions.atRevision(rev)).orThrow();
    }
  }

  @Test
  void anEmptyStoreIsAtRevisionOneAndTheFirstWriteGetsTwo() {
    assertThat(kv.currentRevision()).isEqualTo(1);
    assertThat(kv.compactRevision()).isEqualTo(-1);
    assertThat(write(w -> w.put(b("a"), b("1"), 0)).revision()).isEqualTo(2);
  }

  @Test
  void allChangesOfATransactionShareOneMainRevisionWithIncreasingSubs() {
    write(w -> w.put(b("x"), b("0"), 0));
    WriteResult r =
        write(
            w -> {
              w.put(b("a"), b("1"), 7);
              w.put(b("b"), b("1"), 0);
              w.deleteRange(b("x"), null);
            });
    assertThat(r.revision()).isEqualTo(3);
    assertThat(r.changes()).extracting(e -> e.kv().modRevision()).containsOnly(3L);
    assertThat(r.changes().get(2).type()).isEqualTo(EventType.DELETE);
    assertThat(r.changes().get(2).prevKv()).isNotNull();
    assertThat(kv.generationsOf(b("a"))).containsExactly(List.of(new Revision(3, 0)));
    assertThat(kv.generationsOf(b("x")))
        .containsExactly(List.of(new Revision(2, 0), new Revision(3, 2)), List.of());
  }

  @Test
  void writesAreInvisibleToReadersUntilPublished() {
    WriteTxn btx = backend.beginWrite();
    KvWriteTxn w = kv.beginWrite(btx);
    w.put(b("a"), b("1"), 0);
    assertThat(w.range(b("a"), null, RangeOptions.CURRENT).orThrow().kvs()).hasSize(1);
    w.end();
    assertThat(get("a", 0).kvs()).isEmpty();
    btx.end();
    kv.publish();
    assertThat(get("a", 0).kvs()).hasSize(1);
  }

  @Test
  void deletingNothingCreatesNoRevision() {
    write(w -> w.put(b("a"), b("1"), 0));
    assertThat(write(w -> w.deleteRange(b("zz"), null)).revision()).isEqualTo(2);
    assertThat(kv.currentRevision()).isEqualTo(2);
  }

  @Test
  void versionsAndCreateRevisionsFollowGenerations() {
    write(w -> w.put(b("k"), b("1"), 0)); // 2
    write(w -> w.put(b("k"), b("2"), 0)); // 3
    write(w -> w.deleteRange(b("k"), null)); // 4
    write(w -> w.put(b("k"), b("3"), 0)); // 5
    KeyValue now = get("k", 0).kvs().get(0);
    assertThat(now).isEqualTo(new KeyValue(b("k"), 5, 5, 1, b("3"), 0));
    assertThat(get("k", 3).kvs().get(0)).isEqualTo(new KeyValue(b("k"), 2, 3, 2, b("2"), 0));
    assertThat(get("k", 4).kvs()).isEmpty();
  }

  @Test
  void compactionRejectsOldAndFutureRevisionsAndReadsAtTheCompactRevisionWork() {
    for (int i = 0; i < 5; i++) {
      int n = i;
      write(w -> w.put(b("k"), b("v" + n), 0)); // revisions 2..6
    }
    assertThat(compact(7)).isEqualTo(Outcome.failed(MvccError.FUTURE_REVISION));
    assertThat(compact(4)).isEqualTo(Outcome.ok(6L));
    assertThat(compact(4)).isEqualTo(Outcome.failed(MvccError.COMPACTED));
    assertThat(compact(3)).isEqualTo(Outcome.failed(MvccError.COMPACTED));
    finishCompaction();
    assertThat(get("k", 4).kvs().get(0).value()).isEqualTo(b("v2"));
    try (KvReadTxn r = kv.read()) {
      assertThat(r.range(b("k"), null, RangeOptions.atRevision(3)))
          .isEqualTo(Outcome.failed(MvccError.COMPACTED));
      assertThat(r.range(b("k"), null, RangeOptions.atRevision(7)))
          .isEqualTo(Outcome.failed(MvccError.FUTURE_REVISION));
    }
    assertThat(compact(6)).isEqualTo(Outcome.ok(6L));
  }

  @Test
  void countIgnoresTheLimitAndRangesFollowEtcdsEndConventions() {
    write(
        w -> {
          for (String k : List.of("a", "b", "c", "d")) {
            w.put(b(k), b(k), 0);
          }
        });
    try (KvReadTxn r = kv.read()) {
      RangeResult limited = r.range(b("a"), b("d"), RangeOptions.CURRENT.withLimit(2)).orThrow();
      assertThat(limited.count()).isEqualTo(3);
      assertThat(limited.kvs()).extracting(KeyValue::key).containsExactly(b("a"), b("b"));
      RangeResult all =
          r.range(b("b"), ByteSequence.wrap(new byte[] {0}), RangeOptions.CURRENT).orThrow();
      assertThat(all.count()).isEqualTo(3);
      RangeResult countOnly =
          r.range(b("a"), b("z"), new RangeOptions(0, 0, true, false)).orThrow();
      assertThat(countOnly.kvs()).isEmpty();
      assertThat(countOnly.count()).isEqualTo(4);
      RangeResult keysOnly = r.range(b("a"), null, new RangeOptions(0, 0, false, true)).orThrow();
      assertThat(keysOnly.kvs().get(0).value()).isEqualTo(ByteSequence.EMPTY);
      assertThat(r.range(b("d"), b("a"), RangeOptions.CURRENT).orThrow().count()).isZero();
    }
  }

  @Test
  void restartRebuildsTheIndexLeasesAndFinishesAnInterruptedCompaction() {
    write(w -> w.put(b("a"), b("1"), 0x1234));
    write(w -> w.put(b("b"), b("1"), 0));
    write(w -> w.put(b("a"), b("2"), 0x1234));
    write(w -> w.deleteRange(b("b"), null));
    compact(4); // scheduled, not done
    backend.close();
    backend = new BatchedBackend(durable, BatchPolicy.DEFAULT);
    kv = KvStore.open(backend);
    assertThat(kv.currentRevision()).isEqualTo(5);
    assertThat(kv.compactRevision()).isEqualTo(4);
    assertThat(kv.compactionPending()).isTrue();
    assertThat(kv.restoredLeases()).containsExactly(java.util.Map.entry(b("a"), 0x1234L));
    finishCompaction();
    assertThat(get("a", 4).kvs().get(0).value()).isEqualTo(b("2"));
    assertThat(kv.generationsOf(b("a"))).containsExactly(List.of(new Revision(4, 0)));
  }

  @Test
  void hashKvIsTheCrc32cOfTheKeyBucketAsEtcdDefinesIt() {
    KeyValue kv2 = write(w -> w.put(b("foo"), b("bar"), 0)).changes().get(0).kv();
    CRC32C expected = new CRC32C();
    expected.update("key".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    expected.update(new Revision(2, 0).toBytes());
    expected.update(kv2.encode());
    HashKvResult h = kv.hashKv(0).orThrow();
    assertThat(h.hash()).isEqualTo((int) expected.getValue());
    assertThat(h.compactRevision()).isEqualTo(-1);
    assertThat(h.hashRevision()).isEqualTo(2);
    assertThat(kv.hashKv(3)).isEqualTo(Outcome.failed(MvccError.FUTURE_REVISION));
  }

  @Test
  void hashKvIsTheSameWhetherOrNotTheCompactionHasRunItsSteps() {
    KvStoreTest other = new KvStoreTest();
    for (KvStoreTest t : List.of(this, other)) {
      t.write(w -> w.put(b("a"), b("1"), 0)); // 2
      t.write(w -> w.put(b("a"), b("2"), 0)); // 3
      t.write(w -> w.put(b("b"), b("1"), 0)); // 4
      t.write(w -> w.deleteRange(b("b"), null)); // 5 (tombstone at the compact revision)
      t.write(w -> w.put(b("c"), b("1"), 0)); // 6
      t.compact(5);
    }
    finishCompaction();
    assertThat(kv.compactionPending()).isFalse();
    assertThat(other.kv.compactionPending()).isTrue();
    for (long rev = 5; rev <= 6; rev++) {
      assertThat(kv.hashKv(rev).orThrow().hash())
          .as("rev %d", rev)
          .isEqualTo(other.kv.hashKv(rev).orThrow().hash());
    }
    assertThat(kv.hashKv(4)).isEqualTo(Outcome.failed(MvccError.COMPACTED));
  }
}
