package io.etcdj.raft;

import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * Quorum math for majority configurations and joint configurations (Raft §6): which index a quorum
 * has acknowledged, and whether an election is won.
 *
 * <p>An empty majority configuration agrees to everything (its committed index is {@link
 * Long#MAX_VALUE} and it votes {@link VoteResult#WON}), so that a joint configuration whose
 * outgoing half is empty behaves like its incoming half alone.
 */
final class Quorum {
  /** The state of an election from the votes received so far. */
  enum VoteResult {
    PENDING,
    LOST,
    WON
  }

  private Quorum() {}

  /**
   * The highest index acknowledged by a majority of {@code voters}. Worked example: acks {5, 3, 9}
   * sort to [3, 5, 9]; two of three must have acked, and the second highest is 5.
   */
  static long majorityCommitted(Collection<Long> voters, ToLongFunction<Long> acked) {
    int n = voters.size();
    if (n == 0) {
      return Long.MAX_VALUE;
    }
    long[] values = new long[n];
    int i = 0;
    for (Long id : voters) {
      values[i++] = acked.applyAsLong(id);
    }
    Arrays.sort(values);
    return values[n - (n / 2 + 1)];
  }

  static VoteResult majorityVote(Collection<Long> voters, Map<Long, Boolean> votes) {
    if (voters.isEmpty()) {
      return VoteResult.WON;
    }
    int granted = 0;
    int missing = 0;
    for (Long id : voters) {
      Boolean vote = votes.get(id);
      if (vote == null) {
        missing++;
      } else if (vote) {
        granted++;
      }
    }
    int quorum = voters.size() / 2 + 1;
    if (granted >= quorum) {
      return VoteResult.WON;
    }
    return granted + missing >= quorum ? VoteResult.PENDING : VoteResult.LOST;
  }

  static long jointCommitted(
      Collection<Long> incoming, Collection<Long> outgoing, ToLongFunction<Long> acked) {
    return Math.min(majorityCommitted(incoming, acked), majorityCommitted(outgoing, acked));
  }

  static VoteResult jointVote(
      Collection<Long> incoming, Collection<Long> outgoing, Map<Long, Boolean> votes) {
    VoteResult a = majorityVote(incoming, votes);
    VoteResult b = majorityVote(outgoing, votes);
    if (a == b) {
      return a;
    }
    if (a == VoteResult.LOST || b == VoteResult.LOST) {
      return VoteResult.LOST;
    }
    return VoteResult.PENDING;
  }
}
