package io.etcdj.it;

import io.etcdj.it.diff.EtcdctlScenarios;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backend quota script ({@link EtcdctlScenarios#QUOTA}) against a fresh single member of each
 * target started with {@link EtcdctlScenarios#QUOTA_FLAGS}, compared as {@link
 * DifferentialEtcdctlIT} compares its script ({@code -Ddiff.targets} alike): puts until {@code
 * etcdserver: mvcc: database space exceeded}, the NOSPACE alarm, what still works and what does not
 * under it, compaction, defrag, disarm. How many puts fit differs (bbolt and LMDB pages differ), so
 * only whether some fitted is compared, and revisions from the one reached on are shown relative to
 * it ({@code FILLED}, {@code FILLED+1}, ...). Transcripts: {@code
 * target/differential-etcdctl/quota-<n>-<target>.txt}.
 */
class DifferentialQuotaEtcdctlIT {
  @TempDir Path tmp;

  @Test
  void everyTargetRunsOutOfSpaceAndRecoversLikeRealEtcd() throws Exception {
    DifferentialEtcdctlIT.assertSameTranscripts(
        "quota", "quota-", EtcdctlScenarios.QUOTA, EtcdctlScenarios.QUOTA_FLAGS, tmp);
  }
}
