package io.etcdj.raft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Deterministic simulation of clusters of 1, 3, 5 and 7 nodes (see {@link Simulation}).
 *
 * <ul>
 *   <li>Default (CI): a fixed seed set, a few thousand seeds in about a minute on two cores.
 *   <li>{@code -Draft.sim.seed=N}: replay one seed with a verbose trace.
 *   <li>{@code -Draft.sim.seconds=600}: a soak of random seeds for that long (each failure prints
 *       its seed and replay command).
 * </ul>
 */
class RaftSimulationTest {
  private static final int[] CLUSTER_SIZES = {1, 3, 5, 7};
  static final int CI_SEEDS = Integer.getInteger("raft.sim.seeds", 25_000);
  static final int SAFETY_STEPS = Integer.getInteger("raft.sim.steps", 1500);

  static int clusterSizeOf(long seed) {
    return CLUSTER_SIZES[Math.floorMod(seed, CLUSTER_SIZES.length)];
  }

  static String replayCommand(long seed) {
    return "cd /work/main && ./mvnw -B -ntp -o verify -pl etcdj-raft -Dtest=RaftSimulationTest"
        + " -Draft.sim.seed="
        + seed;
  }

  private static Simulation.Result runSeed(long seed, boolean verbose) {
    Simulation simulation = new Simulation(seed, clusterSizeOf(seed), verbose);
    try {
      return simulation.run(SAFETY_STEPS);
    } catch (Simulation.InvariantViolation e) {
      if (verbose) {
        System.out.println(simulation.trace());
      }
      throw new AssertionError(e.getMessage() + "\nreplay: " + replayCommand(seed), e);
    }
  }

  @Test
  void everySeedKeepsRaftSafetyAndRecoversLivenessAfterHealing() {
    String replay = System.getProperty("raft.sim.seed");
    if (replay != null) {
      long seed = Long.parseLong(replay);
      Simulation simulation = new Simulation(seed, clusterSizeOf(seed), true);
      try {
        Simulation.Result result = simulation.run(SAFETY_STEPS);
        System.out.println(simulation.trace());
        System.out.println(result);
      } catch (Simulation.InvariantViolation e) {
        System.out.println(simulation.trace());
        throw e;
      }
      return;
    }
    String seconds = System.getProperty("raft.sim.seconds");
    if (seconds != null) {
      soak(Long.parseLong(seconds));
      return;
    }
    long steps = 0;
    long maxTicksToLiveness = 0;
    for (long seed = 1; seed <= CI_SEEDS; seed++) {
      Simulation.Result result = runSeed(seed, false);
      steps += result.steps();
      maxTicksToLiveness = Math.max(maxTicksToLiveness, result.ticksToLiveness());
    }
    System.out.printf(
        "simulation: %d seeds, %d steps, liveness within %d ticks at most%n",
        CI_SEEDS, steps, maxTicksToLiveness);
    assertThat(steps).isGreaterThanOrEqualTo((long) CI_SEEDS * SAFETY_STEPS);
  }

  /** Random seeds until the time is up; the clock decides only when to stop, never a step. */
  private static void soak(long seconds) {
    SplittableRandom seeds = new SplittableRandom();
    long deadlineMillis = uptimeMillis() + seconds * 1000;
    long count = 0;
    List<String> failures = new ArrayList<>();
    while (uptimeMillis() < deadlineMillis) {
      long seed = seeds.nextLong() & Long.MAX_VALUE;
      try {
        runSeed(seed, false);
      } catch (AssertionError e) {
        System.out.println("FAILED " + e.getMessage());
        failures.add(e.getMessage());
      }
      count++;
    }
    System.out.printf("soak: %d seeds in %d s, %d failures%n", count, seconds, failures.size());
    assertThat(failures).isEmpty();
  }

  private static long uptimeMillis() {
    return ManagementFactory.getRuntimeMXBean().getUptime();
  }

  @Test
  void theSameSeedGivesTheSameTraceHash() {
    for (long seed : new long[] {7, 42, 1001}) {
      long first = new Simulation(seed, clusterSizeOf(seed), false).run(SAFETY_STEPS).traceHash();
      long second = new Simulation(seed, clusterSizeOf(seed), false).run(SAFETY_STEPS).traceHash();
      assertThat(second).as("seed %d", seed).isEqualTo(first);
    }
    long other = new Simulation(43, clusterSizeOf(43), false).run(SAFETY_STEPS).traceHash();
    assertThat(other).isNotEqualTo(new Simulation(42, 3, false).run(SAFETY_STEPS).traceHash());
  }
}
