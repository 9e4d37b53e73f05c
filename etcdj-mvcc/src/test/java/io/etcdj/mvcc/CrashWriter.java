package io.etcdj.mvcc;

import io.etcdj.backend.BatchPolicy;
import io.etcdj.backend.BatchedBackend;
import io.etcdj.backend.ByteSequence;
import io.etcdj.backend.ConsistentIndex;
import io.etcdj.backend.ReadTxn;
import io.etcdj.backend.WriteTxn;
import io.etcdj.backend.lmdb.LmdbBackend;
import io.etcdj.backend.lmdb.LmdbConfig;
import java.nio.file.Path;

/**
 * The process {@link CrashTest} kills: an apply loop over the LMDB backend. Each applied "raft
 * entry" i is one backend write transaction holding {@value #TXNS_PER_ENTRY} mvcc transactions
 * (puts of 20 keys cycling over 2 000, each value naming i, and a put of {@code marker} = i), every
 * 40th entry also a compaction, plus consistent index i. It resumes after the stored consistent
 * index, prints {@code APPLIED i} every 25 entries, and stops by itself after {@code args[1]}
 * seconds.
 */
final class CrashWriter {
  static final int TXNS_PER_ENTRY = 2;
  static final int KEYS = 2000;

  private CrashWriter() {}

  public static void main(String[] args) {
    Path dir = Path.of(args[0]);
    long deadline = System.nanoTime() + Long.parseLong(args[1]) * 1_000_000_000L;
    BatchedBackend backend =
        LmdbBackend.open(dir, new LmdbConfig(1L << 30, 64), new BatchPolicy(5_000_000, 400));
    KvStore kv = KvStore.open(backend);
    long index;
    try (ReadTxn r = backend.readTxn()) {
      index = ConsistentIndex.readFrom(r).index();
    }
    System.out.println("READY " + index);
    System.out.flush();
    while (System.nanoTime() < deadline) {
      index++;
      WriteTxn btx = backend.beginWrite();
      for (int t = 0; t < TXNS_PER_ENTRY; t++) {
        KvWriteTxn w = kv.beginWrite(btx);
        if (t == 0) {
          w.put(ByteSequence.ofUtf8("marker"), ByteSequence.ofUtf8(Long.toString(index)), 0);
        } else {
          for (int k = 0; k < 20; k++) {
            long key = (index * 20 + k) % KEYS;
            w.put(
                ByteSequence.ofUtf8("key/" + key),
                ByteSequence.ofUtf8(index + ":" + "x".repeat(100)),
                0);
          }
        }
        w.end();
      }
      if (index % 40 == 0 && kv.currentRevision() > 200) {
        kv.compact(btx, kv.pendingRevision() - 100);
      }
      kv.compactionStep(btx, 200);
      new ConsistentIndex(index, 1).writeTo(btx);
      btx.end();
      kv.publish();
      backend.maybeCommit(System.nanoTime());
      if (index % 25 == 0) {
        System.out.println("APPLIED " + index);
        System.out.flush();
      }
    }
    backend.close();
    System.out.println("DONE " + index);
  }
}
