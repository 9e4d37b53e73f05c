package io.etcdj.raft;

import java.util.Map;

/**
 * A snapshot of a node's state, for monitoring and tests.
 *
 * @param id the node's ID
 * @param hardState term, vote and commit
 * @param softState leader and role
 * @param applied the applied index
 * @param lastIndex the last index of the log (stable or not)
 * @param confState the membership
 * @param progress per member, only on a leader (ascending ID), otherwise empty
 * @param leadTransferee the transferee of a leadership transfer in progress, or 0
 */
public record Status(
    long id,
    HardState hardState,
    SoftState softState,
    long applied,
    long lastIndex,
    ConfState confState,
    Map<Long, ProgressStatus> progress,
    long leadTransferee) {

  /**
   * The leader's view of {@code member}.
   *
   * @throws IllegalArgumentException if this is not a leader or {@code member} is not a member
   */
  public ProgressStatus progressOf(long member) {
    ProgressStatus status = progress.get(member);
    if (status == null) {
      throw new IllegalArgumentException("no progress for " + member + " on node " + id);
    }
    return status;
  }

  /** A leader's view of one member. */
  public record ProgressStatus(
      long match, long next, String state, boolean recentActive, int inflight, boolean learner) {}
}
