package io.etcdj.backend.lmdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdj.backend.Backend;
import io.etcdj.backend.BackendContractTest;
import io.etcdj.backend.BatchPolicy;
import io.etcdj.backend.Bucket;
import io.etcdj.backend.ReadTxn;
import io.etcdj.backend.WriteTxn;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backend contract over {@link LmdbStore}, plus LMDB specifics. */
class LmdbBackendTest extends BackendContractTest {
  private static final LmdbConfig SMALL = new LmdbConfig(256L << 20, 64);

  @TempDir Path tmp;
  private int stores;
  private Path last = Path.of("unset");

  @Override
  protected Backend openFresh(BatchPolicy policy) {
    last = tmp.resolve("store-" + stores++);
    return LmdbBackend.open(last, SMALL, policy);
  }

  @Override
  protected Backend reopen(BatchPolicy policy) {
    return LmdbBackend.open(last, SMALL, policy);
  }

  @Test
  void defragmentSwapsGenerationsAndDeletesTheOldOne() throws IOException {
    Backend backend = open();
    try (WriteTxn w = backend.beginWrite()) {
      w.put(Bucket.CLUSTER, "clusterVersion".getBytes(StandardCharsets.US_ASCII), new byte[] {3});
    }
    backend.defragment();
    backend.close();
    try (Stream<Path> files = Files.list(last)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("CURRENT", "gen-1");
    }
    Backend again = reopen(BatchPolicy.DEFAULT);
    try (ReadTxn r = again.readTxn()) {
      assertThat(r.get(Bucket.CLUSTER, "clusterVersion".getBytes(StandardCharsets.US_ASCII)))
          .containsExactly(3);
    }
    again.close();
  }

  @Test
  void defragmentRepacksHalfEmptyPages() {
    Backend backend = open(new BatchPolicy(java.util.concurrent.TimeUnit.HOURS.toNanos(1), 5000));
    byte[] value = new byte[1000];
    for (int i = 0; i < 20_000; i++) {
      try (WriteTxn w = backend.beginWrite()) {
        w.put(Bucket.KEY, java.nio.ByteBuffer.allocate(8).putLong(i).array(), value);
      }
    }
    for (int i = 0; i < 20_000; i += 2) {
      try (WriteTxn w = backend.beginWrite()) {
        w.delete(Bucket.KEY, java.nio.ByteBuffer.allocate(8).putLong(i).array());
      }
    }
    io.etcdj.backend.DefragmentResult r = backend.defragment();
    // 10 000 values of 1 000 bytes: about 10 MB when packed; far more when every page is half
    // empty.
    assertThat(r.sizeInUseAfterBytes()).isLessThan(r.sizeInUseBeforeBytes() * 3 / 4);
    assertThat(r.sizeAfterBytes()).isLessThan(14_000_000L);
    try (ReadTxn read = backend.readTxn()) {
      assertThat(read.range(Bucket.KEY, new byte[0], null, 0)).hasSize(10_000);
    }
  }

  @Test
  void mapSizeComesFromTheQuotaWithHeadroom() {
    assertThat(LmdbConfig.forQuota(2L << 30).mapSizeBytes()).isEqualTo(4L << 30);
    assertThat(LmdbConfig.forQuota(100L << 20).mapSizeBytes()).isEqualTo((100L << 20) + (1L << 30));
  }
}
