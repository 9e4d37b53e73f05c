package io.etcdj.raft;

/**
 * What happened to a proposal or read request handed to {@link RaftNode}. Accepted does not mean
 * committed: an appended entry can still be lost with its leader; the application learns the
 * outcome by seeing the entry among committed entries.
 */
public sealed interface ProposalResult {
  /**
   * The leader appended the proposal at {@code index} in {@code term} (for a read: queued or
   * answered; index is 0).
   */
  record Accepted(long index, long term) implements ProposalResult {}

  /** A follower forwarded the request to {@code leader}; no further answer will come. */
  record Forwarded(long leader) implements ProposalResult {}

  /** Nothing was done; retry later or elsewhere as the reason suggests. */
  record Dropped(DropReason reason) implements ProposalResult {}

  /** Why a request was dropped. */
  enum DropReason {
    /** No leader is known (also: this node is campaigning). */
    NO_LEADER,
    /** This follower is configured not to forward. */
    FORWARDING_DISABLED,
    /** The leader is handing over leadership. */
    LEADERSHIP_TRANSFER,
    /** The leader holds more uncommitted bytes than {@code maxUncommittedEntriesBytes}. */
    UNCOMMITTED_LIMIT,
    /** A conf change is still unapplied; one at a time. */
    CONF_CHANGE_PENDING,
    /** The conf change cannot be applied to the current configuration. */
    INVALID_CONF_CHANGE,
    /** This leader is no longer part of the configuration. */
    NOT_A_MEMBER
  }
}
