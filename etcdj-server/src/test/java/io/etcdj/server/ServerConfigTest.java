package io.etcdj.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServerConfigTest {
  private static ServerConfig config(long heartbeatMillis, long electionMillis, long quotaBytes) {
    List<URI> client = List.of(URI.create("http://127.0.0.1:2379"));
    List<URI> peer = List.of(URI.create("http://127.0.0.1:2380"));
    return new ServerConfig(
        "n1",
        Path.of("n1.etcdj"),
        null,
        100_000,
        heartbeatMillis,
        electionMillis,
        peer,
        client,
        client,
        peer,
        "n1=http://127.0.0.1:2380",
        ServerConfig.ClusterState.NEW,
        "etcd-cluster",
        5,
        5,
        quotaBytes,
        Duration.ofMillis(100),
        10_000,
        128,
        1_572_864,
        4_294_967_295L,
        Duration.ofSeconds(5),
        Duration.ofHours(2),
        Duration.ofSeconds(20),
        true,
        false,
        ServerConfig.CompactionMode.PERIODIC,
        "0",
        "simple",
        10,
        300,
        "basic",
        "info",
        List.of(),
        false,
        false,
        false,
        Duration.ZERO,
        false,
        ServerConfig.DEFAULT_LEASE_CHECKPOINT_INTERVAL,
        1000,
        Duration.ofMinutes(10),
        io.etcdj.wal.WalOptions.DEFAULT_SEGMENT_BYTES);
  }

  @Test
  void derivesEtcdsTimeoutsFromTheElectionTimeout() {
    ServerConfig config = config(100, 1000, 0);
    assertThat(config.electionTicks()).isEqualTo(10);
    assertThat(config.requestTimeout()).isEqualTo(Duration.ofSeconds(7));
    assertThat(config(50, 500, 0).requestTimeout()).isEqualTo(Duration.ofSeconds(6));
  }

  @Test
  void quotaZeroMeansTwoGibibytesAndNegativeMeansNone() {
    assertThat(config(100, 1000, 0).effectiveQuotaBackendBytes()).isEqualTo(2L << 30);
    assertThat(config(100, 1000, -1).effectiveQuotaBackendBytes()).isEqualTo(Long.MAX_VALUE);
    assertThat(config(100, 1000, 4096).effectiveQuotaBackendBytes()).isEqualTo(4096);
  }

  @Test
  void refusesAnElectionTimeoutShorterThanFiveHeartbeats() {
    assertThatThrownBy(() -> config(100, 499, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("electionTimeoutMillis");
  }
}
