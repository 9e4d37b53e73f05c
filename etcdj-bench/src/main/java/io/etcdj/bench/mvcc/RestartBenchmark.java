package io.etcdj.bench.mvcc;

import io.etcdj.backend.BatchedBackend;
import io.etcdj.mvcc.KvStore;
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

/** Restart: open the backend and rebuild the treeIndex from 1 M keys (one revision each). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class RestartBenchmark {
  @Param({"1000000"})
  public long keys;

  private Path dir = Path.of("unset");

  @Setup(Level.Trial)
  public void load() {
    dir = MvccFixture.tempDir();
    try (BatchedBackend backend = MvccFixture.open(dir)) {
      MvccFixture.load(backend, KvStore.open(backend), keys, 256);
    }
  }

  @TearDown(Level.Trial)
  public void delete() {
    MvccFixture.delete(dir);
  }

  @Benchmark
  public long reopen() {
    try (BatchedBackend backend = MvccFixture.open(dir)) {
      return KvStore.open(backend).currentRevision();
    }
  }
}
