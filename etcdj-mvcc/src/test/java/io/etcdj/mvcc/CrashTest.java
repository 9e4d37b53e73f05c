package io.etcdj.mvcc;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdj.backend.BatchPolicy;
import io.etcdj.backend.BatchedBackend;
import io.etcdj.backend.ByteSequence;
import io.etcdj.backend.ConsistentIndex;
import io.etcdj.backend.ReadTxn;
import io.etcdj.backend.lmdb.LmdbBackend;
import io.etcdj.backend.lmdb.LmdbConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a JVM in the middle of batched writes to LMDB, at random moments, then reopen: the
 * store must open at a committed batch whose consistent index matches its data exactly (never
 * ahead, never behind), with the index rebuilt from the backend agreeing with it, and the writer
 * must resume from there. Bounded: {@value #KILLS} kills, each child at most {@value
 * #CHILD_SECONDS} s.
 */
class CrashTest {
  static final int KILLS = 6;
  static final int CHILD_SECONDS = 20;

  @TempDir Path dir;

  @Test
  void afterKillNineTheStoreOpensAtACommittedBatchAndItsConsistentIndexMatchesTheData()
      throws Exception {
    long seed = new SplittableRandom().nextLong();
    System.out.println("crash test seed=" + seed);
    SplittableRandom random = new SplittableRandom(seed);
    List<String> figures = new ArrayList<>();
    long previous = 0;
    for (int round = 0; round < KILLS; round++) {
      long target = previous + 50 + random.nextInt(1500);
      Process child = start();
      long lastSeen = -1;
      try (BufferedReader out =
          new BufferedReader(
              new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          if (line.startsWith("APPLIED ")) {
            lastSeen = Long.parseLong(line.substring(8));
            if (lastSeen >= target) {
              break;
            }
          }
        }
        child.destroyForcibly(); // SIGKILL: no shutdown hooks, no commit
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      }
      assertThat(lastSeen).as("seed %d round %d: child made progress", seed, round).isPositive();
      long recovered = verify(seed, round);
      assertThat(recovered)
          .as("a reopen never goes back before the last reopen")
          .isGreaterThanOrEqualTo(previous);
      figures.add("kill " + round + ": printed " + lastSeen + ", reopened at " + recovered);
      previous = recovered;
    }
    figures.forEach(System.out::println);
    assertThat(previous).isPositive();
  }

  private Process start() throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.add("--add-opens=java.base/java.nio=ALL-UNNAMED");
    cmd.add("--add-exports=java.base/sun.nio.ch=ALL-UNNAMED");
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("--sun-misc-unsafe-memory-access=allow");
    cmd.add("-Xmx256m");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(CrashWriter.class.getName());
    cmd.add(dir.toString());
    cmd.add(Integer.toString(CHILD_SECONDS));
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  /** Reopens the store, checks it and returns its consistent index. */
  private long verify(long seed, int round) {
    BatchedBackend backend =
        LmdbBackend.open(dir, new LmdbConfig(1L << 30, 64), BatchPolicy.DEFAULT);
    try {
      KvStore kv = KvStore.open(backend);
      long index;
      try (ReadTxn r = backend.readTxn()) {
        index = ConsistentIndex.readFrom(r).index();
      }
      String where = "seed " + seed + " round " + round + " index " + index;
      assertThat(kv.currentRevision())
          .as(where + ": one revision per mvcc transaction")
          .isEqualTo(1 + CrashWriter.TXNS_PER_ENTRY * index);
      try (KvReadTxn read = kv.read()) {
        RangeResult marker =
            read.range(ByteSequence.ofUtf8("marker"), null, RangeOptions.CURRENT).orThrow();
        if (index > 0) {
          assertThat(marker.kvs().get(0).value().toUtf8())
              .as(where + ": the data of the last applied entry is there")
              .isEqualTo(Long.toString(index));
        }
        RangeResult all =
            read.range(
                    ByteSequence.ofUtf8("key/"), ByteSequence.ofUtf8("key0"), RangeOptions.CURRENT)
                .orThrow();
        long expectedKeys = Math.min(CrashWriter.KEYS, index * 20);
        assertThat(all.count()).as(where).isEqualTo(expectedKeys);
        for (KeyValue kvp : all.kvs()) {
          String text = kvp.value().toUtf8();
          long writtenBy = Long.parseLong(text.substring(0, text.indexOf(':')));
          assertThat(writtenBy)
              .as(where + ": no data from after the consistent index")
              .isLessThanOrEqualTo(index);
          assertThat(kvp.modRevision()).isLessThanOrEqualTo(kv.currentRevision());
        }
      }
      assertThat(kv.hashKv(0)).isInstanceOf(Outcome.Ok.class);
      return index;
    } finally {
      backend.close();
    }
  }
}
