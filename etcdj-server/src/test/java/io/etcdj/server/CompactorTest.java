package io.etcdj.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** etcd's auto compaction schedules, on a virtual clock. */
class CompactorTest {
  private static final long MINUTE = Duration.ofMinutes(1).toNanos();

  private static ServerConfig config(ServerConfig.CompactionMode mode, String retention) {
    return ServerConfig.builder(
            "n1",
            Path.of("n1.etcdj"),
            URI.create("http://127.0.0.1:2379"),
            URI.create("http://127.0.0.1:2380"))
        .autoCompaction(mode, retention)
        .build();
  }

  @Test
  void retentionIsHoursOrAGoDuration() {
    assertThat(Compactor.parseRetention("1")).isEqualTo(Duration.ofHours(1).toNanos());
    assertThat(Compactor.parseRetention("30m")).isEqualTo(Duration.ofMinutes(30).toNanos());
    assertThat(Compactor.parseRetention("1h30m")).isEqualTo(Duration.ofMinutes(90).toNanos());
    assertThat(Compactor.parseRetention("0")).isZero();
    assertThatThrownBy(() -> Compactor.parseRetention("soon"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void revisionModeCompactsToCurrentMinusRetentionEveryFiveMinutes() {
    AtomicLong revision = new AtomicLong(1);
    List<Long> compactions = new ArrayList<>();
    Compactor c =
        new Compactor(
            config(ServerConfig.CompactionMode.REVISION, "100"),
            () -> 0,
            compactions::add,
            revision::get);
    c.run(0);
    revision.set(1000);
    c.run(4 * MINUTE);
    assertThat(compactions).isEmpty();
    c.run(5 * MINUTE);
    assertThat(compactions).containsExactly(900L);
    c.run(10 * MINUTE);
    assertThat(compactions).as("unchanged target: no second compaction").containsExactly(900L);
    revision.set(5000);
    c.run(15 * MINUTE);
    assertThat(compactions).containsExactly(900L, 4900L);
  }

  @Test
  void periodicModeKeepsTheRetentionWindowOfHistory() {
    AtomicLong revision = new AtomicLong(1);
    List<Long> compactions = new ArrayList<>();
    Compactor c =
        new Compactor(
            config(ServerConfig.CompactionMode.PERIODIC, "10m"),
            () -> 0,
            compactions::add,
            revision::get);
    // One revision a second for 25 minutes, the compactor run every second.
    for (long s = 0; s <= 25 * 60; s++) {
      revision.set(1 + s);
      c.run(s * 1_000_000_000L);
    }
    assertThat(compactions).as("first after 10 min, then every 10 min").hasSize(2);
    // Each compaction keeps about the last 10 minutes (600 revisions) of history.
    assertThat(compactions.get(0)).isBetween(1L, 61L);
    assertThat(compactions.get(1)).isBetween(541L, 661L);
  }

  @Test
  void zeroRetentionDisablesIt() {
    List<Long> compactions = new ArrayList<>();
    Compactor c =
        new Compactor(
            config(ServerConfig.CompactionMode.PERIODIC, "0"), () -> 0, compactions::add, () -> 99);
    for (long m = 0; m < 120; m++) {
      c.run(m * MINUTE);
    }
    assertThat(compactions).isEmpty();
  }
}
