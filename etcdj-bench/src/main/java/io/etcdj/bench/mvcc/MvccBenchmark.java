package io.etcdj.bench.mvcc;

import io.etcdj.backend.BatchedBackend;
import io.etcdj.backend.ByteSequence;
import io.etcdj.backend.ConsistentIndex;
import io.etcdj.backend.WriteTxn;
import io.etcdj.mvcc.KvReadTxn;
import io.etcdj.mvcc.KvStore;
import io.etcdj.mvcc.KvWriteTxn;
import io.etcdj.mvcc.RangeOptions;
import io.etcdj.mvcc.RangeResult;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Puts and ranges on a store of 1 M keys over LMDB with etcd's batching (100 ms / 10 000 ops).
 * {@code put}: one Put per applied raft entry (backend write transaction, consistent index,
 * publish, batch-commit check), as the apply loop does under light load. {@code put100PerBatch}:
 * 100 Puts per applied batch (heavy load). {@code rangeOneKey}: a single-key Range at the current
 * revision (treeIndex lookup, read buffer, LMDB read).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class MvccBenchmark {
  @Param({"1000000"})
  public long keys;

  private Path dir = Path.of("unset");
  private BatchedBackend backend;
  private KvStore kv;
  private long index;
  private final SplittableRandom random = new SplittableRandom(42);
  private final ByteSequence value = ByteSequence.wrap(new byte[256]);

  public MvccBenchmark() {
    dir = MvccFixture.tempDir();
    backend = MvccFixture.open(dir);
    kv = KvStore.open(backend);
  }

  @Setup(Level.Trial)
  public void load() {
    index = MvccFixture.load(backend, kv, keys, 256);
  }

  @TearDown(Level.Trial)
  public void close() {
    backend.close();
    MvccFixture.delete(dir);
  }

  @Benchmark
  public long put() {
    WriteTxn btx = backend.beginWrite();
    KvWriteTxn w = kv.beginWrite(btx);
    w.put(MvccFixture.key(random.nextLong(keys)), value, 0);
    long rev = w.end().revision();
    new ConsistentIndex(++index, 1).writeTo(btx);
    btx.end();
    kv.publish();
    backend.maybeCommit(System.nanoTime());
    return rev;
  }

  @Benchmark
  @org.openjdk.jmh.annotations.OperationsPerInvocation(100)
  public long put100PerBatch() {
    WriteTxn btx = backend.beginWrite();
    long rev = 0;
    for (int i = 0; i < 100; i++) {
      KvWriteTxn w = kv.beginWrite(btx);
      w.put(MvccFixture.key(random.nextLong(keys)), value, 0);
      rev = w.end().revision();
    }
    new ConsistentIndex(++index, 1).writeTo(btx);
    btx.end();
    kv.publish();
    backend.maybeCommit(System.nanoTime());
    return rev;
  }

  @Benchmark
  public RangeResult rangeOneKey() {
    try (KvReadTxn r = kv.read()) {
      return r.range(MvccFixture.key(random.nextLong(keys)), null, RangeOptions.CURRENT).orThrow();
    }
  }
}
