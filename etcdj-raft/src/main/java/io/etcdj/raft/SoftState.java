package io.etcdj.raft;

/**
 * Volatile state the application may want to observe; never persisted.
 *
 * @param leader the known leader's ID, or 0
 * @param role this node's role
 */
public record SoftState(long leader, Role role) {
  /** A node's role; {@code PRE_CANDIDATE} is the first, term-preserving phase of pre-vote. */
  public enum Role {
    FOLLOWER,
    PRE_CANDIDATE,
    CANDIDATE,
    LEADER
  }
}
