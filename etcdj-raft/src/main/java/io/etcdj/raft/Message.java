package io.etcdj.raft;

import java.util.List;
import java.util.Objects;

/**
 * A message between raft nodes. The closed set of records below is everything raft sends or
 * accepts; handle it with a pattern-matching {@code switch} without {@code default}.
 *
 * <p>Every message names its sender ({@link #from()}), its receiver ({@link #to()}) and the
 * sender's term ({@link #term()}). A term of 0 marks a request that is forwarded between nodes
 * without a term ({@link Propose}, {@link ReadIndex}, {@link TransferLeader}); raft does not apply
 * the term rules of Raft §5.1 to those.
 */
public sealed interface Message
    permits Message.AppendRequest,
        Message.AppendResponse,
        Message.VoteRequest,
        Message.VoteResponse,
        Message.Heartbeat,
        Message.HeartbeatResponse,
        Message.InstallSnapshot,
        Message.Propose,
        Message.ReadIndex,
        Message.ReadIndexResponse,
        Message.TransferLeader,
        Message.TimeoutNow {

  long from();

  long to();

  long term();

  /**
   * Leader to follower: append {@code entries} after the entry at {@code prevLogIndex} if that
   * entry has {@code prevLogTerm} (Raft §5.3), and learn that {@code commit} is committed.
   */
  record AppendRequest(
      long from,
      long to,
      long term,
      long prevLogIndex,
      long prevLogTerm,
      List<Entry> entries,
      long commit)
      implements Message {
    public AppendRequest {
      entries = List.copyOf(entries);
    }
  }

  /**
   * Follower to leader. Accepted: the follower's log matches the leader's up to {@code index}.
   * Rejected: the entry at {@code index} did not match; {@code rejectHint} is the follower's guess
   * of the highest index that might match and {@code hintTerm} the follower's term there, so the
   * leader can skip a whole term per round trip.
   */
  record AppendResponse(
      long from, long to, long term, long index, boolean reject, long rejectHint, long hintTerm)
      implements Message {}

  /**
   * Candidate to voters (Raft §5.2); a pre-vote when {@code preVote} (its term is the term the
   * candidate would campaign in, its own term is unchanged). {@code transfer} marks a campaign
   * started by leadership transfer, which voters grant even while they hear from a leader.
   */
  record VoteRequest(
      long from,
      long to,
      long term,
      long lastLogIndex,
      long lastLogTerm,
      boolean preVote,
      boolean transfer)
      implements Message {}

  /** A voter's answer to a {@link VoteRequest} of the same kind. */
  record VoteResponse(long from, long to, long term, boolean granted, boolean preVote)
      implements Message {}

  /**
   * Leader to follower: "I am still the leader". {@code commit} is at most the follower's match
   * index; {@code context} is the newest pending ReadIndex context, or empty.
   */
  record Heartbeat(long from, long to, long term, long commit, Bytes context) implements Message {
    public Heartbeat {
      Objects.requireNonNull(context, "context");
    }
  }

  /** Follower to leader: acknowledges a heartbeat and echoes its context. */
  record HeartbeatResponse(long from, long to, long term, Bytes context) implements Message {
    public HeartbeatResponse {
      Objects.requireNonNull(context, "context");
    }
  }

  /** Leader to follower whose needed entries were compacted away: replace your state. */
  record InstallSnapshot(long from, long to, long term, Snapshot snapshot) implements Message {
    public InstallSnapshot {
      Objects.requireNonNull(snapshot, "snapshot");
    }
  }

  /** A follower forwards proposals to its leader; term 0. */
  record Propose(long from, long to, long term, List<Entry> entries) implements Message {
    public Propose {
      entries = List.copyOf(entries);
    }
  }

  /** A follower forwards a read request to its leader; term 0. */
  record ReadIndex(long from, long to, long term, Bytes context) implements Message {
    public ReadIndex {
      Objects.requireNonNull(context, "context");
    }
  }

  /** Leader to the follower that asked: {@code context} may be served once applied >= index. */
  record ReadIndexResponse(long from, long to, long term, long index, Bytes context)
      implements Message {
    public ReadIndexResponse {
      Objects.requireNonNull(context, "context");
    }
  }

  /** Asks the leader to hand leadership to {@code transferee}; forwarded with term 0. */
  record TransferLeader(long from, long to, long term, long transferee) implements Message {}

  /** Leader to transferee: your log is up to date, campaign now (skipping pre-vote). */
  record TimeoutNow(long from, long to, long term) implements Message {}
}
