package io.etcdj.server;

import io.etcdj.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.etcdj.api.etcdserverpb.MemberPromoteResponse;
import io.etcdj.api.etcdserverpb.MemberRecord;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The port through which raft messages leave this member, already encoded (the transport knows
 * nothing of raft). Implementations must not block the caller (the raft loop): they queue, drop
 * what they cannot deliver (raft retries), and report an unreachable peer through {@link
 * EtcdServer#reportUnreachable}. A single-member cluster uses {@link #NONE}.
 */
public interface PeerTransport {
  /** Sends nothing: a cluster of one. */
  PeerTransport NONE =
      new PeerTransport() {
        @Override
        public void send(long to, byte[] message) {}

        @Override
        public void sendSnapshot(long to, byte[] message, SnapshotSource data) {}

        @Override
        public void updatePeers(Map<Long, List<String>> peerUrls) {}

        @Override
        public long activeNanos(long peer) {
          return 0;
        }

        @Override
        public List<CompletableFuture<Long>> renewOnLeader(long leader, long[] leaseIds) {
          return failedRenewals(leaseIds.length, EtcdError.NOT_PRIMARY_LESSOR.exception());
        }

        @Override
        public CompletableFuture<LeaseTimeToLiveResponse> timeToLiveOnLeader(
            long leader, LeaseTimeToLiveRequest request) {
          return CompletableFuture.failedFuture(EtcdError.NOT_PRIMARY_LESSOR.exception());
        }

        @Override
        public CompletableFuture<MemberPromoteResponse> promoteOnLeader(long leader, long member) {
          return CompletableFuture.failedFuture(EtcdError.NO_LEADER.exception());
        }

        @Override
        public CompletableFuture<RemoteCluster> fetchCluster(List<String> peerUrls) {
          return CompletableFuture.failedFuture(
              new IllegalStateException("no peers to ask for the cluster"));
        }
      };

  /** Writes a consistent copy of the backend (for a snapshot sent to a follower). */
  @FunctionalInterface
  interface SnapshotSource {
    void writeTo(java.io.OutputStream out) throws java.io.IOException;
  }

  /** A running cluster's ID and members, as one of its members reported them. */
  record RemoteCluster(long clusterId, List<MemberRecord> members) {
    public RemoteCluster {
      members = List.copyOf(members);
    }
  }

  /** Queues one encoded raft message for member {@code to}. */
  void send(long to, byte[] message);

  /**
   * Sends a raft snapshot message together with the backend data it stands for, on a stream of its
   * own; reports the outcome through {@link EtcdServer#reportSnapshot}.
   */
  void sendSnapshot(long to, byte[] message, SnapshotSource data);

  /**
   * The peers' URLs by member ID (this member included; the transport skips itself). Peers not in
   * the map are dropped; a peer whose URLs changed is reconnected.
   */
  void updatePeers(Map<Long, List<String>> peerUrls);

  /** How long the link to {@code peer} has been working, in nanoseconds; 0 if it is not. */
  long activeNanos(long peer);

  /**
   * Asks the leader to renew leases (a follower's keep-alives, in one message): one future per ID,
   * in order, completing with the TTL (0: no such lease) or failing with an {@link EtcdException}.
   */
  List<CompletableFuture<Long>> renewOnLeader(long leader, long[] leaseIds);

  /** {@code n} renewals that failed with {@code e}. */
  static List<CompletableFuture<Long>> failedRenewals(int n, Throwable e) {
    List<CompletableFuture<Long>> out = new java.util.ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(CompletableFuture.failedFuture(e));
    }
    return out;
  }

  /** Asks the leader for a lease's remaining TTL (only the leader keeps deadlines). */
  CompletableFuture<LeaseTimeToLiveResponse> timeToLiveOnLeader(
      long leader, LeaseTimeToLiveRequest request);

  /** Asks the leader to promote a learner (only the leader knows whether it is in sync). */
  CompletableFuture<MemberPromoteResponse> promoteOnLeader(long leader, long member);

  /**
   * Asks the members at {@code peerUrls}, in turn, for their cluster (a member joining with {@code
   * --initial-cluster-state existing}); fails if none answers.
   */
  CompletableFuture<RemoteCluster> fetchCluster(List<String> peerUrls);
}
