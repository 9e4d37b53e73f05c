package io.etcdj.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Quorum math (Raft §5.3 commit rule, §6 joint consensus) against a naive model. */
class QuorumTest {
  private static final long SEED = 20261201L;

  /** Naive: the largest index that more than half of the voters have acknowledged. */
  private static long naiveCommitted(List<Long> voters, Map<Long, Long> acked) {
    if (voters.isEmpty()) {
      return Long.MAX_VALUE;
    }
    long best = 0;
    for (long candidate : acked.values()) {
      int count = 0;
      for (long voter : voters) {
        if (acked.getOrDefault(voter, 0L) >= candidate) {
          count++;
        }
      }
      if (count * 2 > voters.size()) {
        best = Math.max(best, candidate);
      }
    }
    return best;
  }

  /** Naive: won if granted votes are a majority; lost if even all missing votes cannot make one. */
  private static Quorum.VoteResult naiveVote(List<Long> voters, Map<Long, Boolean> votes) {
    if (voters.isEmpty()) {
      return Quorum.VoteResult.WON;
    }
    int yes = 0;
    int undecided = 0;
    for (long voter : voters) {
      Boolean vote = votes.get(voter);
      if (vote == null) {
        undecided++;
      } else if (vote) {
        yes++;
      }
    }
    if (2 * yes > voters.size()) {
      return Quorum.VoteResult.WON;
    }
    return 2 * (yes + undecided) > voters.size()
        ? Quorum.VoteResult.PENDING
        : Quorum.VoteResult.LOST;
  }

  private static List<Long> randomVoters(SplittableRandom random) {
    TreeSet<Long> ids = new TreeSet<>();
    int n = random.nextInt(8);
    while (ids.size() < n) {
      ids.add(1L + random.nextInt(10));
    }
    return new ArrayList<>(ids);
  }

  @Test
  void majorityCommittedIndexMatchesANaiveCountOfReplicas() {
    SplittableRandom random = new SplittableRandom(SEED);
    for (int i = 0; i < 20_000; i++) {
      List<Long> voters = randomVoters(random);
      Map<Long, Long> acked = new HashMap<>();
      for (long id = 1; id <= 10; id++) {
        if (random.nextInt(4) > 0) {
          acked.put(id, (long) random.nextInt(20));
        }
      }
      long fast = Quorum.majorityCommitted(voters, id -> acked.getOrDefault(id, 0L));
      assertThat(fast)
          .as("case %d voters %s acked %s", i, voters, acked)
          .isEqualTo(naiveCommitted(voters, acked));
    }
  }

  @Test
  void jointCommittedIndexIsTheMinimumOfBothMajorities() {
    SplittableRandom random = new SplittableRandom(SEED + 1);
    for (int i = 0; i < 20_000; i++) {
      List<Long> incoming = randomVoters(random);
      List<Long> outgoing = randomVoters(random);
      Map<Long, Long> acked = new HashMap<>();
      for (long id = 1; id <= 10; id++) {
        acked.put(id, (long) random.nextInt(20));
      }
      long expected = Math.min(naiveCommitted(incoming, acked), naiveCommitted(outgoing, acked));
      assertThat(Quorum.jointCommitted(incoming, outgoing, acked::get)).isEqualTo(expected);
    }
  }

  @Test
  void voteResultsMatchANaiveModelForMajorityAndJointConfigurations() {
    SplittableRandom random = new SplittableRandom(SEED + 2);
    for (int i = 0; i < 20_000; i++) {
      List<Long> incoming = randomVoters(random);
      List<Long> outgoing = randomVoters(random);
      Map<Long, Boolean> votes = new HashMap<>();
      for (long id = 1; id <= 10; id++) {
        int roll = random.nextInt(3);
        if (roll < 2) {
          votes.put(id, roll == 0);
        }
      }
      assertThat(Quorum.majorityVote(incoming, votes)).isEqualTo(naiveVote(incoming, votes));
      Quorum.VoteResult a = naiveVote(incoming, votes);
      Quorum.VoteResult b = naiveVote(outgoing, votes);
      Quorum.VoteResult joint =
          a == Quorum.VoteResult.LOST || b == Quorum.VoteResult.LOST
              ? Quorum.VoteResult.LOST
              : a == Quorum.VoteResult.WON && b == Quorum.VoteResult.WON
                  ? Quorum.VoteResult.WON
                  : Quorum.VoteResult.PENDING;
      assertThat(Quorum.jointVote(incoming, outgoing, votes))
          .as("incoming %s outgoing %s votes %s", incoming, outgoing, votes)
          .isEqualTo(joint);
    }
  }

  @Test
  void anEmptyOutgoingHalfLeavesTheIncomingMajorityInCharge() {
    Map<Long, Long> acked = Map.of(1L, 5L, 2L, 3L, 3L, 9L);
    assertThat(Quorum.jointCommitted(List.of(1L, 2L, 3L), List.of(), acked::get)).isEqualTo(5);
    assertThat(Quorum.jointVote(List.of(1L, 2L, 3L), List.of(), Map.of(1L, true, 2L, true)))
        .isEqualTo(Quorum.VoteResult.WON);
  }
}
