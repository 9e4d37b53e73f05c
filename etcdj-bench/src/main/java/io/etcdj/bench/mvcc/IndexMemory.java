package io.etcdj.bench.mvcc;

import io.etcdj.backend.BatchedBackend;
import io.etcdj.mvcc.KvStore;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;

/**
 * Measures treeIndex heap per key: loads N keys (args[0], default 1 000 000) into an LMDB-backed
 * store (the data is off-heap in LMDB's map), reopens it so that only the rebuilt index is live,
 * and prints the heap growth per key after full GCs.
 */
public final class IndexMemory {
  private IndexMemory() {}

  public static void main(String[] args) {
    long keys = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
    Path dir = MvccFixture.tempDir();
    try {
      try (BatchedBackend backend = MvccFixture.open(dir)) {
        MvccFixture.load(backend, KvStore.open(backend), keys, 256);
      }
      MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
      try (BatchedBackend backend = MvccFixture.open(dir)) {
        long before = usedAfterGc(memory);
        long start = System.nanoTime();
        KvStore kv = KvStore.open(backend);
        long openMillis = (System.nanoTime() - start) / 1_000_000;
        long after = usedAfterGc(memory);
        System.out.printf(
            "keys=%d indexed=%d heap growth=%d bytes => %.1f bytes/key; restore took %d ms%n",
            keys, kv.indexedKeys(), after - before, (after - before) / (double) keys, openMillis);
      }
    } finally {
      MvccFixture.delete(dir);
    }
  }

  @SuppressWarnings("SystemGc") // a measurement program, not server code
  private static long usedAfterGc(MemoryMXBean memory) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
