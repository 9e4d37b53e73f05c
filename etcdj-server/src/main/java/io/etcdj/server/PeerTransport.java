package io.etcdj.server;

import java.util.List;
import java.util.Map;

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
        public java.util.concurrent.CompletableFuture<Long> renewOnLeader(
            long leader, long leaseId) {
          return java.util.concurrent.CompletableFuture.failedFuture(
              EtcdError.NOT_PRIMARY_LESSOR.exception());
        }

        @Override
        public java.util.concurrent.CompletableFuture<
                io.etcdj.api.etcdserverpb.LeaseTimeToLiveResponse>
            timeToLiveOnLeader(
                long leader, io.etcdj.api.etcdserverpb.LeaseTimeToLiveRequest request) {
          return java.util.concurrent.CompletableFuture.failedFuture(
              EtcdError.NOT_PRIMARY_LESSOR.exception());
        }
      };

  /** Writes a consistent copy of the backend (for a snapshot sent to a follower). */
  @FunctionalInterface
  interface SnapshotSource {
    void writeTo(java.io.OutputStream out) throws java.io.IOException;
  }

  /** Queues one encoded raft message for member {@code to}. */
  void send(long to, byte[] message);

  /**
   * Sends a raft snapshot message together with the backend data it stands for, on a stream of its
   * own; reports the outcome through {@link EtcdServer#reportSnapshot}.
   */
  void sendSnapshot(long to, byte[] message, SnapshotSource data);

  /** The peers' URLs by member ID (this member included; the transport skips itself). */
  void updatePeers(Map<Long, List<String>> peerUrls);

  /**
   * Asks the leader to renew a lease (a follower's keep-alive): completes with the TTL (0: no such
   * lease), or fails with an {@link EtcdException}.
   */
  java.util.concurrent.CompletableFuture<Long> renewOnLeader(long leader, long leaseId);

  /** Asks the leader for a lease's remaining TTL (only the leader keeps deadlines). */
  java.util.concurrent.CompletableFuture<io.etcdj.api.etcdserverpb.LeaseTimeToLiveResponse>
      timeToLiveOnLeader(long leader, io.etcdj.api.etcdserverpb.LeaseTimeToLiveRequest request);
}
