package io.etcdj.raft;

import java.util.Objects;

/**
 * How a {@link RaftNode} behaves; validated at construction.
 *
 * @param id this node's ID: any non-zero unsigned 64-bit value (0 means none)
 * @param electionTicks ticks without hearing from a leader before a follower campaigns; the actual
 *     timeout is drawn from [electionTicks, 2 × electionTicks − 1] (Raft §5.2); must be greater
 *     than heartbeatTicks
 * @param heartbeatTicks ticks between a leader's heartbeats, >= 1
 * @param maxSizePerMsgBytes budget of entry bytes in one append (and of committed entries in one
 *     Ready); at least one entry is always sent; >= 1
 * @param maxInflightMsgs appends in flight to one follower in replicate state, >= 1
 * @param maxInflightBytes entry bytes in flight to one follower; 0 for no limit
 * @param maxUncommittedEntriesBytes payload bytes a leader holds uncommitted before it drops
 *     proposals; 0 for no limit
 * @param checkQuorum a leader that has not heard from a quorum within an election timeout steps
 *     down; a node that heard from a leader within the election timeout ignores votes
 * @param preVote campaign in two phases so a node that cannot win does not raise terms
 * @param readOnlyOption how ReadIndex confirms leadership
 * @param disableProposalForwarding followers drop proposals and reads instead of forwarding them
 * @param appliedIndex the index the application applied before a restart; 0 means the storage's
 *     snapshot index
 */
public record RaftConfig(
    long id,
    int electionTicks,
    int heartbeatTicks,
    long maxSizePerMsgBytes,
    int maxInflightMsgs,
    long maxInflightBytes,
    long maxUncommittedEntriesBytes,
    boolean checkQuorum,
    boolean preVote,
    ReadOnlyOption readOnlyOption,
    boolean disableProposalForwarding,
    long appliedIndex) {

  /** How a leader confirms it still leads before answering a ReadIndex. */
  public enum ReadOnlyOption {
    /** A heartbeat round acknowledged by a quorum after the request arrived. */
    SAFE,
    /**
     * Trust the check-quorum lease (needs {@code checkQuorum}); correct only while clock drift
     * between members is bounded.
     */
    LEASE_BASED
  }

  public RaftConfig {
    Objects.requireNonNull(readOnlyOption, "readOnlyOption");
    require(id != 0, "id must not be 0 (IDs are unsigned 64-bit)");
    require(heartbeatTicks >= 1, "heartbeatTicks must be >= 1");
    require(electionTicks > heartbeatTicks, "electionTicks must be > heartbeatTicks");
    require(maxSizePerMsgBytes >= 1, "maxSizePerMsgBytes must be >= 1");
    require(maxInflightMsgs >= 1, "maxInflightMsgs must be >= 1");
    require(maxInflightBytes >= 0, "maxInflightBytes must be >= 0");
    require(
        maxInflightBytes == 0 || maxInflightBytes >= maxSizePerMsgBytes,
        "maxInflightBytes must be 0 or >= maxSizePerMsgBytes");
    require(maxUncommittedEntriesBytes >= 0, "maxUncommittedEntriesBytes must be >= 0");
    require(
        readOnlyOption != ReadOnlyOption.LEASE_BASED || checkQuorum,
        "LEASE_BASED reads need checkQuorum");
    require(appliedIndex >= 0, "appliedIndex must be >= 0");
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }

  /** etcd's defaults: 10 election ticks, 1 heartbeat tick, 1 MiB messages, 256 inflight. */
  public static RaftConfig defaults(long id) {
    return new RaftConfig(id, 10, 1, 1 << 20, 256, 0, 0, true, true, ReadOnlyOption.SAFE, false, 0);
  }

  public RaftConfig withTicks(int election, int heartbeat) {
    return new RaftConfig(
        id,
        election,
        heartbeat,
        maxSizePerMsgBytes,
        maxInflightMsgs,
        maxInflightBytes,
        maxUncommittedEntriesBytes,
        checkQuorum,
        preVote,
        readOnlyOption,
        disableProposalForwarding,
        appliedIndex);
  }

  public RaftConfig withFlowControl(long maxSizePerMsg, int inflightMsgs, long inflightBytes) {
    return new RaftConfig(
        id,
        electionTicks,
        heartbeatTicks,
        maxSizePerMsg,
        inflightMsgs,
        inflightBytes,
        maxUncommittedEntriesBytes,
        checkQuorum,
        preVote,
        readOnlyOption,
        disableProposalForwarding,
        appliedIndex);
  }

  public RaftConfig withMaxUncommittedEntriesBytes(long bytes) {
    return new RaftConfig(
        id,
        electionTicks,
        heartbeatTicks,
        maxSizePerMsgBytes,
        maxInflightMsgs,
        maxInflightBytes,
        bytes,
        checkQuorum,
        preVote,
        readOnlyOption,
        disableProposalForwarding,
        appliedIndex);
  }

  public RaftConfig withElectionSafety(boolean checkQuorum, boolean preVote) {
    return new RaftConfig(
        id,
        electionTicks,
        heartbeatTicks,
        maxSizePerMsgBytes,
        maxInflightMsgs,
        maxInflightBytes,
        maxUncommittedEntriesBytes,
        checkQuorum,
        preVote,
        checkQuorum ? readOnlyOption : ReadOnlyOption.SAFE,
        disableProposalForwarding,
        appliedIndex);
  }

  public RaftConfig withReadOnlyOption(ReadOnlyOption option) {
    return new RaftConfig(
        id,
        electionTicks,
        heartbeatTicks,
        maxSizePerMsgBytes,
        maxInflightMsgs,
        maxInflightBytes,
        maxUncommittedEntriesBytes,
        checkQuorum,
        preVote,
        option,
        disableProposalForwarding,
        appliedIndex);
  }

  public RaftConfig withProposalForwardingDisabled(boolean disabled) {
    return new RaftConfig(
        id,
        electionTicks,
        heartbeatTicks,
        maxSizePerMsgBytes,
        maxInflightMsgs,
        maxInflightBytes,
        maxUncommittedEntriesBytes,
        checkQuorum,
        preVote,
        readOnlyOption,
        disabled,
        appliedIndex);
  }

  public RaftConfig withAppliedIndex(long applied) {
    return new RaftConfig(
        id,
        electionTicks,
        heartbeatTicks,
        maxSizePerMsgBytes,
        maxInflightMsgs,
        maxInflightBytes,
        maxUncommittedEntriesBytes,
        checkQuorum,
        preVote,
        readOnlyOption,
        disableProposalForwarding,
        applied);
  }
}
