package io.etcdj.raft;

import java.util.List;

/**
 * A membership configuration as recorded in snapshots: the voters, the learners, and during a joint
 * configuration the outgoing voters and the learners to add when it is left.
 *
 * <p>Lists are sorted ascending and hold node IDs (non-zero).
 *
 * @param voters the (incoming) voters
 * @param learners the learners
 * @param votersOutgoing the outgoing voters while joint; empty otherwise
 * @param learnersNext voters that become learners when the joint configuration is left
 * @param autoLeave whether the leader leaves the joint configuration by itself
 */
public record ConfState(
    List<Long> voters,
    List<Long> learners,
    List<Long> votersOutgoing,
    List<Long> learnersNext,
    boolean autoLeave) {
  public static final ConfState EMPTY =
      new ConfState(List.of(), List.of(), List.of(), List.of(), false);

  public ConfState {
    voters = sorted(voters);
    learners = sorted(learners);
    votersOutgoing = sorted(votersOutgoing);
    learnersNext = sorted(learnersNext);
  }

  private static List<Long> sorted(List<Long> ids) {
    return ids.stream().sorted().toList();
  }
}
