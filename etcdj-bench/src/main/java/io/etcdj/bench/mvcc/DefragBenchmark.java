package io.etcdj.bench.mvcc;

import io.etcdj.backend.BatchedBackend;
import io.etcdj.backend.Bucket;
import io.etcdj.backend.DefragmentResult;
import io.etcdj.backend.WriteTxn;
import java.nio.ByteBuffer;
import java.nio.file.Path;
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
 * Defragmentation of an LMDB backend of {@code megabytes} MiB of 1 KiB values of which half were
 * then deleted (the compacting copy and the swap).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class DefragBenchmark {
  @Param({"256"})
  public int megabytes;

  private Path dir = Path.of("unset");
  private BatchedBackend backend;

  public DefragBenchmark() {
    dir = MvccFixture.tempDir();
    backend = MvccFixture.open(dir);
  }

  @Setup(Level.Iteration)
  public void fill() {
    long entries = megabytes * 1024L;
    byte[] value = new byte[1024];
    for (long i = 0; i < entries; ) {
      WriteTxn w = backend.beginWrite();
      for (int j = 0; j < 10_000 && i < entries; j++, i++) {
        w.put(Bucket.KEY, ByteBuffer.allocate(8).putLong(i).array(), value);
      }
      w.end();
    }
    for (long i = 0; i < entries; i += 2) {
      WriteTxn w = backend.beginWrite();
      for (int j = 0; j < 10_000 && i < entries; j++, i += 2) {
        w.delete(Bucket.KEY, ByteBuffer.allocate(8).putLong(i).array());
      }
      w.end();
    }
    backend.forceCommit();
  }

  @TearDown(Level.Trial)
  public void close() {
    backend.close();
    MvccFixture.delete(dir);
  }

  @Benchmark
  public DefragmentResult defragment() {
    DefragmentResult r = backend.defragment();
    System.out.printf(
        "%ndefragment: size %d -> %d bytes, in use %d -> %d bytes%n",
        r.sizeBeforeBytes(), r.sizeAfterBytes(), r.sizeInUseBeforeBytes(), r.sizeInUseAfterBytes());
    return r;
  }
}
