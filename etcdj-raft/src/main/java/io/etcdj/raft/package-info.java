/**
 * Raft consensus as a pure, single-threaded state machine in the style of etcd-io/raft.
 *
 * <p>Owns: leader election (with pre-vote and check-quorum), log replication with per-follower
 * progress, ReadIndex, leadership transfer, membership changes (learners, joint consensus) and
 * snapshots. Time is {@code tick()}, randomness is an injected {@code RandomGenerator}, and all
 * output leaves through one {@code Ready} batch that the caller persists, sends and applies.
 *
 * <p>Must not depend on: anything beyond the JDK; no threads, no I/O, no clock.
 *
 * <p>Start reading at {@link io.etcdj.raft.RaftNode} (inputs, one {@link io.etcdj.raft.Ready} batch
 * out, {@code advance()}), then {@link io.etcdj.raft.Ready} for the ordering duties, {@link
 * io.etcdj.raft.LogStorage} and {@link io.etcdj.raft.MemoryStorage}, and the package-private
 * engines: {@code RaftLog} (unstable entries over storage), {@code RoleState} (per-role state),
 * {@code Progress}/{@code Inflights} (flow control), {@code Quorum} (majority and joint math),
 * {@code Membership} (conf change rules).
 */
@NullMarked
package io.etcdj.raft;

import org.jspecify.annotations.NullMarked;
