package io.etcdj.simulation.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Whole-cluster simulations over a fixed seed set (CI), or one seed ({@code -Dsim.seed=N
 * -Dsim.members=M}, what a failure prints), or a soak of random seeds ({@code -Dsim.soak=COUNT}).
 */
class ClusterSimulationTest {
  private static final int CI_SEEDS_PER_SIZE = 8;

  @Test
  void seededClustersStayLinearizableAndConvergeUnderFaults() {
    List<ClusterSimulation.Options> runs = new ArrayList<>();
    String seed = System.getProperty("sim.seed");
    String soak = System.getProperty("sim.soak");
    if (seed != null) {
      runs.add(
          ClusterSimulation.Options.of(Long.parseLong(seed), Integer.getInteger("sim.members", 3)));
    } else if (soak != null) {
      java.util.SplittableRandom seeds = new java.util.SplittableRandom();
      for (int i = 0; i < Integer.parseInt(soak); i++) {
        runs.add(ClusterSimulation.Options.of(seeds.nextLong(1, Long.MAX_VALUE), 3 + 2 * (i % 2)));
      }
    } else {
      for (int members : new int[] {1, 3, 5}) {
        for (long s = 1; s <= CI_SEEDS_PER_SIZE; s++) {
          runs.add(ClusterSimulation.Options.of(s * 7919 + members, members));
        }
      }
    }
    List<String> failures = new ArrayList<>();
    for (ClusterSimulation.Options options : runs) {
      long started = System.nanoTime();
      ClusterSimulation.Report report = ClusterSimulation.run(options);
      System.out.printf(
          "%s [%d ms]%n", report.summary(), (System.nanoTime() - started) / 1_000_000);
      if (report.failure() != null) {
        failures.add(report.summary() + "\n  replay: " + report.replay());
      }
    }
    assertThat(failures).as(String.join("\n", failures)).isEmpty();
  }

  @Test
  void theChecksCatchALostWatchEvent() {
    ClusterSimulation.Report report =
        ClusterSimulation.run(new ClusterSimulation.Options(7922, 3, 20_000, 4, 1, false));
    assertThat(report.watchStreams()).as("the watcher moved at least once").isGreaterThan(1);
    assertThat(report.failure()).startsWith("the watch saw: event at revision");
  }

  @Test
  void theChecksCatchStaleReads() {
    int caught = 0;
    for (long seed = 1; seed <= 5 && caught == 0; seed++) {
      ClusterSimulation.Report report =
          ClusterSimulation.run(new ClusterSimulation.Options(seed, 3, 20_000, 4, 0, true));
      if (report.failure() != null && report.failure().startsWith("history is not linearizable")) {
        caught++;
      }
    }
    assertThat(caught).as("serializable reads from partitioned members are caught").isPositive();
  }

  @Test
  void leaderChangesAloneDoNotKeepALeaseAlive() {
    List<Long> moves = List.of(5_000L, 10_000L, 15_000L);
    // Each move may add at most a checkpoint interval (the remainder recorded last), an election
    // timeout (what a new leader adds, as etcd) and a second (remainders are whole seconds).
    long perMove =
        ClusterSimulation.LEASE_CHECKPOINT_INTERVAL.toMillis()
            + ClusterSimulation.ELECTION_TIMEOUT.toMillis()
            + 1_000;
    long bound = 20_000 + moves.size() * perMove + 1_000;
    for (long seed = 1; seed <= 3; seed++) {
      ClusterSimulation.LeaseLife life =
          ClusterSimulation.leaseUnderLeaderMoves(seed, true, 20, moves);
      System.out.printf(
          "lease of 20 s, 3 leader moves, checkpoints: lived %d ms%n", life.livedMillis());
      assertThat(life.livedMillis()).as("seed %d", seed).isBetween(20_000L, bound);
    }
    // Without checkpoints (etcd 3.4's default) the last new leader gives the full TTL again: the
    // bound above would catch exactly that.
    ClusterSimulation.LeaseLife life = ClusterSimulation.leaseUnderLeaderMoves(1, false, 20, moves);
    System.out.printf(
        "lease of 20 s, 3 leader moves, no checkpoints: lived %d ms%n", life.livedMillis());
    assertThat(life.livedMillis()).isGreaterThan(15_000L + 20_000L).isGreaterThan(bound);
  }

  @Test
  void aLeaseRenewedAfterACheckpointKeepsItsFullTtlAcrossALeaderChange() {
    // Checkpoints every second record ~1 s left of a 3 s lease by 2 s; the renewal at 2.2 s gives
    // it 3 s again; the leadership moves at 2.6 s. The new leader must not start from the old
    // remainder (which would expire the lease ~0.5 s early): the renewal cleared it first.
    for (long seed = 1; seed <= 3; seed++) {
      ClusterSimulation.LeaseLife life =
          ClusterSimulation.leaseUnderLeaderMoves(seed, true, 3, 2_200, List.of(2_600L));
      System.out.printf(
          "lease of 3 s renewed after a checkpoint: lived %d ms%n", life.livedMillis());
      assertThat(life.livedMillis()).as("seed %d", seed).isBetween(3_000L, 3_000L + 3_100L);
    }
  }

  @Test
  void theSameSeedGivesTheSameRun() {
    ClusterSimulation.Options options = new ClusterSimulation.Options(42, 3, 8_000, 4, 0, false);
    ClusterSimulation.Report a = ClusterSimulation.run(options);
    ClusterSimulation.Report b = ClusterSimulation.run(options);
    assertThat(b).isEqualTo(a);
    assertThat(a.operations()).as("a run with traffic").isGreaterThan(50);
  }
}
