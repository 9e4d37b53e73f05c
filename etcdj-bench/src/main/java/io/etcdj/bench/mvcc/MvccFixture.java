package io.etcdj.bench.mvcc;

import io.etcdj.backend.BatchPolicy;
import io.etcdj.backend.BatchedBackend;
import io.etcdj.backend.ByteSequence;
import io.etcdj.backend.ConsistentIndex;
import io.etcdj.backend.WriteTxn;
import io.etcdj.backend.lmdb.LmdbBackend;
import io.etcdj.backend.lmdb.LmdbConfig;
import io.etcdj.mvcc.KvStore;
import io.etcdj.mvcc.KvWriteTxn;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Shared set-up: an LMDB-backed store in a temporary directory, loaded with N keys. */
final class MvccFixture {
  static final LmdbConfig CONFIG = new LmdbConfig(16L << 30, 256);

  private MvccFixture() {}

  static Path tempDir() {
    try {
      return Files.createTempDirectory("etcdj-bench-mvcc");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static BatchedBackend open(Path dir) {
    return LmdbBackend.open(dir, CONFIG, BatchPolicy.DEFAULT);
  }

  static ByteSequence key(long i) {
    return ByteSequence.ofUtf8(String.format("/registry/pods/ns-%03d/pod-%08d", i % 997, i));
  }

  /** Puts {@code keys} keys with {@code valueBytes}-byte values, 1 000 per apply batch. */
  static long load(BatchedBackend backend, KvStore kv, long keys, int valueBytes) {
    ByteSequence value = ByteSequence.wrap(new byte[valueBytes]);
    long index = 0;
    for (long i = 0; i < keys; ) {
      WriteTxn btx = backend.beginWrite();
      for (int j = 0; j < 1000 && i < keys; j++, i++) {
        KvWriteTxn w = kv.beginWrite(btx);
        w.put(key(i), value, 0);
        w.end();
      }
      new ConsistentIndex(++index, 1).writeTo(btx);
      btx.end();
      kv.publish();
    }
    backend.forceCommit();
    return index;
  }

  static void delete(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
