package io.etcdj.bench.raft;

import io.etcdj.raft.Bytes;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** The cost of the immutable byte wrapper every entry payload goes through. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BytesBenchmark {
  private final byte[] payload = new byte[256];
  private final Bytes a = Bytes.copyOf(new byte[256]);
  private final Bytes b = Bytes.copyOf(new byte[256]);

  @Benchmark
  public Bytes copyOf256Bytes() {
    return Bytes.copyOf(payload);
  }

  @Benchmark
  public int compare256Bytes() {
    return a.compareTo(b);
  }
}
