package io.etcdj.bench.wal;

import io.etcdj.raft.Bytes;
import io.etcdj.raft.Entry;
import io.etcdj.raft.EntryType;
import io.etcdj.raft.HardState;
import io.etcdj.wal.NioFileSystem;
import io.etcdj.wal.Wal;
import io.etcdj.wal.WalOptions;
import io.etcdj.wal.WalRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
 * One synced {@link Wal#save} of a batch of {@code batchSize} entries of {@code entryBytes} each,
 * on real files in {@code ${etcdj.bench.dir:-java.io.tmpdir}}, with 64 MB preallocated segments as
 * in production. Operations per second are fsyncs per second; entries per second are that times the
 * batch size. {@link #rawFsync} is the disk's own rate for the same write size, measured the same
 * way, so the ratio shows what the WAL adds.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class WalSaveBenchmark {
  @Param({"1", "10", "100", "1000"})
  public int batchSize;

  @Param({"256"})
  public int entryBytes;

  private Path dir = Path.of("");
  private Wal wal;
  private long nextIndex = 1;
  private java.nio.channels.FileChannel raw;
  private java.nio.ByteBuffer rawBuffer = java.nio.ByteBuffer.allocate(1);
  private long rawPosition;

  @SuppressWarnings("NullAway.Init")
  public WalSaveBenchmark() {}

  @Setup(Level.Trial)
  public void open() throws IOException {
    Path base =
        Path.of(System.getProperty("etcdj.bench.dir", System.getProperty("java.io.tmpdir")));
    dir = Files.createTempDirectory(base, "etcdj-wal-bench");
    wal =
        Wal.create(
            new NioFileSystem(),
            dir.resolve("wal"),
            new WalRecord.Metadata(1, 1),
            WalOptions.DEFAULT);
    raw =
        java.nio.channels.FileChannel.open(
            dir.resolve("raw"),
            java.nio.file.StandardOpenOption.CREATE_NEW,
            java.nio.file.StandardOpenOption.WRITE);
    // Preallocate the raw file too, so both sides sync data, not a growing file's size.
    raw.write(java.nio.ByteBuffer.allocate(64 << 20), 0);
    raw.force(true);
    rawBuffer = java.nio.ByteBuffer.allocate(batchSize * (entryBytes + 40));
  }

  @Benchmark
  public long save() throws IOException {
    List<Entry> entries = new ArrayList<>(batchSize);
    byte[] payload = new byte[entryBytes];
    for (int i = 0; i < batchSize; i++) {
      payload[0] = (byte) nextIndex;
      entries.add(new Entry(2, nextIndex++, EntryType.NORMAL, Bytes.copyOf(payload)));
    }
    wal.save(new HardState(2, 1, nextIndex - 1), entries, true);
    return nextIndex;
  }

  @Benchmark
  public long rawFsync() throws IOException {
    rawBuffer.clear();
    if (rawPosition + rawBuffer.capacity() > (64 << 20)) {
      rawPosition = 0;
    }
    rawPosition += raw.write(rawBuffer, rawPosition);
    raw.force(false);
    return rawPosition;
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    wal.close();
    raw.close();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
