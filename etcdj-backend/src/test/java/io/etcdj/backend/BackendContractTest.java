package io.etcdj.backend;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link Backend}, run against every implementation. Subclasses say how to open a
 * fresh backend and how to reopen the same storage after a close.
 */
public abstract class BackendContractTest {
  private final List<Backend> opened = new ArrayList<>();

  /** A fresh, empty backend; each call within one test opens a new storage. */
  protected abstract Backend openFresh(BatchPolicy policy);

  /** Reopens the storage of the most recent {@link #openFresh} (after it was closed). */
  protected abstract Backend reopen(BatchPolicy policy);

  protected Backend open(BatchPolicy policy) {
    Backend b = openFresh(policy);
    opened.add(b);
    return b;
  }

  protected Backend open() {
    return open(BatchPolicy.DEFAULT);
  }

  @AfterEach
  void closeAll() {
    for (Backend b : opened) {
      try {
        b.close();
      } catch (IllegalStateException ignored) {
        // already closed or a writer left open on purpose
      }
    }
  }

  static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  static String s(byte[] b) {
    return new String(b, UTF_8);
  }

  static List<String> keys(ReadView v, Bucket bucket) {
    List<String> out = new ArrayList<>();
    v.forEach(bucket, new byte[0], null, (k, val) -> out.add(s(k) + "=" + s(val)));
    return out;
  }

  @Test
  void writesAreVisibleToNewReadersBeforeTheBatchCommits() {
    Backend backend = open();
    try (WriteTxn w = backend.beginWrite()) {
      w.put(Bucket.KEY, b("a"), b("1"));
    }
    assertThat(backend.pendingOperations()).isEqualTo(1);
    assertThat(backend.commits()).isZero();
    try (ReadTxn r = backend.readTxn()) {
      assertThat(r.get(Bucket.KEY, b("a"))).isEqualTo(b("1"));
    }
  }

  @Test
  void writesOfAnOpenWriteTransactionAreInvisibleUntilItEnds() {
    Backend backend = open();
    WriteTxn w = backend.beginWrite();
    w.put(Bucket.KEY, b("a"), b("1"));
    assertThat(w.get(Bucket.KEY, b("a"))).isEqualTo(b("1"));
    try (ReadTxn r = backend.readTxn()) {
      assertThat(r.get(Bucket.KEY, b("a"))).isNull();
    }
    w.end();
    try (ReadTxn r = backend.readTxn()) {
      assertThat(r.get(Bucket.KEY, b("a"))).isEqualTo(b("1"));
    }
  }

  @Test
  void aReadTransactionKeepsItsSnapshotAcrossWritesAndCommits() {
    Backend backend = open();
    try (WriteTxn w = backend.beginWrite()) {
      w.put(Bucket.KEY, b("a"), b("1"));
      w.put(Bucket.KEY, b("b"), b("1"));
    }
    backend.forceCommit();
    try (WriteTxn w = backend.beginWrite()) {
      w.put(Bucket.KEY, b("c"), b("1"));
    }
    try (ReadTxn r = backend.readTxn()) {
      try (WriteTxn w = backend.beginWrite()) {
        w.delete(Bucket.KEY, b("a"));
        w.put(Bucket.KEY, b("b"), b("2"));
        w.put(Bucket.KEY, b("d"), b("2"));
      }
      backend.forceCommit();
      try (WriteTxn w = backend.beginWrite()) {
        w.delete(Bucket.KEY, b("c"));
      }
      assertThat(keys(r, Bucket.KEY)).containsExactly("a=1", "b=1", "c=1");
    }
    try (ReadTxn r = backend.readTxn()) {
      assertThat(keys(r, Bucket.KEY)).containsExactly("b=2", "d=2");
    }
  }

  @Test
  void deletesOfThePendingBatchHideCommittedEntries() {
    Backend backend = open();
    try (WriteTxn w = backend.beginWrite()) {
      w.put(Bucket.META, b("x"), b("1"));
      w.put(Bucket.META, b("y"), b("1"));
    }
    backend.forceCommit();
    try (WriteTxn w = backend.beginWrite()) {
      w.delete(Bucket.META, b("x"));
      assertThat(w.get(Bucket.META, b("x"))).isNull();
    }
    try (ReadTxn r = backend.readTxn()) {
      assertThat(r.get(Bucket.META, b("x"))).isNull();
      assertThat(keys(r, Bucket.META)).containsExactly("y=1");
    }
    backend.forceCommit();
    try (ReadTxn r = backend.readTxn()) {
      assertThat(keys(r, Bucket.META)).containsExactly("y=1");
    }
  }

  @Test
  void rangesAreHalfOpenInUnsignedOrderAndBucketsAreSeparate() {
    Backend backend = open();
    try (WriteTxn w = backend.beginWrite()) {
      w.put(Bucket.KEY, new byte[] {(byte) 0xff}, b("ff"));
      w.put(Bucket.KEY, new byte[] {0x01}, b("01"));
      w.put(Bucket.KEY, new byte[] {(byte) 0x80}, b("80"));
      w.put(Bucket.LEASE, new byte[] {0x02}, b("lease"));
    }
    backend.forceCommit();
    try (WriteTxn w = backend.beginWrite()) {
      w.put(Bucket.KEY, new byte[] {0x7f}, b("7f"));
    }
    try (ReadTxn r = backend.readTxn()) {
      assertThat(keys(r, Bucket.KEY).stream().map(e -> e.substring(e.indexOf('=') + 1)))
          .containsExactly("01", "7f", "80", "ff");
      List<ReadView.Entry> mid =
          r.range(Bucket.KEY, new byte[] {0x7f}, new byte[] {(byte) 0xff}, 0);
      assertThat(mid).extracting(e -> e.value().toUtf8()).containsExactly("7f", "80");
      assertThat(r.range(Bucket.KEY, new byte[] {0x02}, null, 1))
          .extracting(e -> e.value().toUtf8())
          .containsExactly("7f");
      assertThat(keys(r, Bucket.LEASE)).hasSize(1);
      assertThat(keys(r, Bucket.ALARM)).isEmpty();
    }
  }

  @Test
  void theBatchCommitsWhenItReachesTheLimit() {
    Backend backend = open(new BatchPolicy(TimeUnit.HOURS.toNanos(1), 3));
    try (WriteTxn w = backend.beginWrite()) {
      w.put(Bucket.KEY, b("a"), b("1"));
      w.put(Bucket.KEY, b("b"), b("1"));
    }
    assertThat(backend.commits()).isZero();
    try (WriteTxn w = backend.beginWrite()) {
      w.put(Bucket.KEY, b("c"), b("1"));
    }
    assertThat(backend.commits()).isEqualTo(1);
    assertThat(backend.pendingOperations()).isZero();
  }

  @Test
  void maybeCommitCommitsOnceTheIntervalHasPassed() {
    Backend backend = open(new BatchPolicy(100, 1000));
    assertThat(backend.maybeCommit(1_000)).isFalse();
    try (WriteTxn w = backend.beginWrite()) {
      w.put(Bucket.KEY, b("a"), b("1"));
    }
    assertThat(backend.maybeCommit(1_050)).isFalse();
    assertThat(backend.maybeCommit(1_100)).isTrue();
    assertThat(backend.pendingOperations()).isZero();
    assertThat(backend.maybeCommit(5_000)).isFalse();
  }

  @Test
  void onlyOneWriteTransactionIsOpenAtATime() {
    Backend backend = open();
    WriteTxn w = backend.beginWrite();
    assertThatThrownBy(backend::beginWrite).isInstanceOf(IllegalStateException.class);
    w.end();
    backend.beginWrite().end();
  }

  @Test
  void keysMustBeOneTo511Bytes() {
    Backend backend = open();
    try (WriteTxn w = backend.beginWrite()) {
      assertThatThrownBy(() -> w.put(Bucket.KEY, new byte[0], b("v")))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> w.put(Bucket.KEY, new byte[512], b("v")))
          .isInstanceOf(IllegalArgumentException.class);
      w.put(Bucket.KEY, new byte[511], new byte[100_000]);
    }
    backend.forceCommit();
    try (ReadTxn r = backend.readTxn()) {
      assertThat(r.get(Bucket.KEY, new byte[511])).hasSize(100_000);
    }
  }

  @Test
  void committedDataSurvivesCloseAndReopen() {
    Backend backend = open();
    try (WriteTxn w = backend.beginWrite()) {
      w.put(Bucket.MEMBERS, b("8e9e05c52164694d"), b("{}"));
      w.put(Bucket.META, b("consistent_index"), new byte[8]);
    }
    backend.close();
    Backend again = reopen(BatchPolicy.DEFAULT);
    opened.add(again);
    try (ReadTxn r = again.readTxn()) {
      assertThat(keys(r, Bucket.MEMBERS)).containsExactly("8e9e05c52164694d={}");
      assertThat(r.get(Bucket.META, b("consistent_index"))).hasSize(8);
    }
  }

  @Test
  void theSnapshotStreamRestoresAnEqualBackend() throws IOException {
    Backend source = open(new BatchPolicy(TimeUnit.HOURS.toNanos(1), 7));
    for (int i = 0; i < 50; i++) {
      try (WriteTxn w = source.beginWrite()) {
        w.put(Bucket.KEY, ByteBuffer.allocate(8).putLong(i).array(), b("v" + i));
        if (i % 5 == 0) {
          w.put(Bucket.AUTH_USERS, b("user" + i), b("u"));
        }
        if (i % 7 == 0) {
          w.delete(Bucket.KEY, ByteBuffer.allocate(8).putLong(i / 2).array());
        }
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    source.writeSnapshot(out);
    Backend target = open();
    long entries = BackendSnapshot.restore(new ByteArrayInputStream(out.toByteArray()), target);
    assertThat(entries).isGreaterThan(40);
    assertThat(target.hash()).isEqualTo(source.hash());
    try (ReadTxn a = source.readTxn();
        ReadTxn c = target.readTxn()) {
      for (Bucket bucket : Bucket.values()) {
        assertThat(keys(c, bucket)).isEqualTo(keys(a, bucket));
      }
    }
    byte[] corrupt = out.toByteArray();
    corrupt[corrupt.length / 2] ^= 1;
    assertThatThrownBy(() -> BackendSnapshot.restore(new ByteArrayInputStream(corrupt), open()))
        .isInstanceOf(IOException.class);
  }

  @Test
  void defragmentKeepsTheDataAndDoesNotGrowTheStore() {
    Backend backend = open(new BatchPolicy(TimeUnit.HOURS.toNanos(1), 1000));
    byte[] value = new byte[1000];
    for (int i = 0; i < 2000; i++) {
      try (WriteTxn w = backend.beginWrite()) {
        w.put(Bucket.KEY, ByteBuffer.allocate(8).putLong(i).array(), value);
      }
    }
    for (int i = 0; i < 1800; i++) {
      try (WriteTxn w = backend.beginWrite()) {
        w.delete(Bucket.KEY, ByteBuffer.allocate(8).putLong(i).array());
      }
    }
    backend.forceCommit();
    int hash = backend.hash();
    try (ReadTxn reader = backend.readTxn()) {
      DefragmentResult result = backend.defragment();
      assertThat(result.sizeAfterBytes()).isLessThan(result.sizeBeforeBytes());
      assertThat(result.sizeAfterBytes()).isGreaterThanOrEqualTo(200L * 1000);
      // A reader opened before the swap still reads its snapshot.
      assertThat(reader.range(Bucket.KEY, new byte[0], null, 0)).hasSize(200);
    }
    assertThat(backend.hash()).isEqualTo(hash);
    try (WriteTxn w = backend.beginWrite()) {
      w.put(Bucket.KEY, b("after"), b("defrag"));
    }
    backend.forceCommit();
    try (ReadTxn r = backend.readTxn()) {
      assertThat(r.range(Bucket.KEY, new byte[0], null, 0)).hasSize(201);
    }
    assertThat(backend.sizeInUseBytes()).isLessThanOrEqualTo(backend.sizeBytes());
  }

  @Test
  void theHashCoversDataButNotTheConsistentIndex() {
    Backend one = open();
    Backend two = open();
    for (Backend backend : List.of(one, two)) {
      try (WriteTxn w = backend.beginWrite()) {
        w.put(Bucket.KEY, b("k"), b("v"));
      }
    }
    try (WriteTxn w = one.beginWrite()) {
      w.put(Bucket.META, b("consistent_index"), new byte[] {1});
      w.put(Bucket.META, b("term"), new byte[] {1});
    }
    assertThat(one.hash()).isEqualTo(two.hash());
    try (WriteTxn w = two.beginWrite()) {
      w.put(Bucket.KEY, b("k"), b("w"));
    }
    assertThat(one.hash()).isNotEqualTo(two.hash());
  }

  /**
   * A writer keeps the values of keys a and b equal in every transaction and commits often;
   * concurrent readers must never see them differ (snapshot consistency across commits).
   */
  @Test
  void concurrentReadersAlwaysSeeAConsistentSnapshot() throws Exception {
    Backend backend = open(new BatchPolicy(TimeUnit.HOURS.toNanos(1), 50));
    AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
    int rounds = 3000;
    java.util.concurrent.atomic.AtomicBoolean done =
        new java.util.concurrent.atomic.AtomicBoolean();
    List<Thread> readers = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      Thread reader =
          new Thread(
              () -> {
                try {
                  while (!done.get()) {
                    try (ReadTxn r = backend.readTxn()) {
                      byte[] a = r.get(Bucket.KEY, b("a"));
                      List<String> all = keys(r, Bucket.KEY);
                      byte[] bb = r.get(Bucket.KEY, b("b"));
                      if (a == null ? bb != null : !java.util.Arrays.equals(a, bb)) {
                        throw new AssertionError("a != b: " + all);
                      }
                      if (all.size() == 2
                          && !all.get(0).substring(2).equals(all.get(1).substring(2))) {
                        throw new AssertionError("scan saw a != b: " + all);
                      }
                    }
                  }
                } catch (Throwable e) {
                  failure.compareAndSet(null, e);
                }
              });
      reader.start();
      readers.add(reader);
    }
    for (int i = 0; i < rounds && failure.get() == null; i++) {
      try (WriteTxn w = backend.beginWrite()) {
        if (i % 10 == 9) {
          w.delete(Bucket.KEY, b("a"));
          w.delete(Bucket.KEY, b("b"));
        } else {
          w.put(Bucket.KEY, b("a"), b("" + i));
          w.put(Bucket.KEY, b("b"), b("" + i));
        }
      }
    }
    done.set(true);
    for (Thread reader : readers) {
      reader.join(TimeUnit.SECONDS.toMillis(30));
    }
    assertThat(failure.get()).isNull();
    assertThat(backend.commits()).isGreaterThan(10);
  }

  /** Random writes, deletes, commits and reads against a {@link TreeMap} model. */
  @Test
  void randomOperationsMatchASortedMapModel() {
    long seed = new SplittableRandom().nextLong();
    System.out.println("randomOperationsMatchASortedMapModel seed=" + seed);
    SplittableRandom random = new SplittableRandom(seed);
    Backend backend = open(new BatchPolicy(TimeUnit.HOURS.toNanos(1), 40));
    TreeMap<String, String> model = new TreeMap<>();
    for (int step = 0; step < 3000; step++) {
      int op = random.nextInt(10);
      if (op < 6) {
        try (WriteTxn w = backend.beginWrite()) {
          int n = 1 + random.nextInt(4);
          for (int i = 0; i < n; i++) {
            String k = "k" + random.nextInt(60);
            if (random.nextInt(3) == 0) {
              w.delete(Bucket.KEY, b(k));
              model.remove(k);
            } else {
              String v = "v" + step;
              w.put(Bucket.KEY, b(k), b(v));
              model.put(k, v);
            }
          }
        }
      } else if (op == 6) {
        backend.forceCommit();
      } else {
        String from = "k" + random.nextInt(60);
        String to = "k" + random.nextInt(60);
        try (ReadTxn r = backend.readTxn()) {
          List<String> got = new ArrayList<>();
          r.forEach(Bucket.KEY, b(from), b(to), (k, v) -> got.add(s(k) + "=" + s(v)));
          List<String> want = new ArrayList<>();
          if (from.compareTo(to) < 0) {
            model.subMap(from, to).forEach((k, v) -> want.add(k + "=" + v));
          }
          assertThat(got).as("seed %d step %d", seed, step).isEqualTo(want);
        }
      }
    }
  }
}
