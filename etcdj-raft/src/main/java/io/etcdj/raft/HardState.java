package io.etcdj.raft;

/**
 * The state a node must persist before it sends any message that depends on it (Raft §5.1, Figure
 * 2: currentTerm, votedFor; plus the commit index, which etcd persists so a restart applies no less
 * than it had acknowledged).
 *
 * @param term the current term
 * @param vote the node voted for in {@code term}, or 0 for none
 * @param commit the highest index known committed
 */
public record HardState(long term, long vote, long commit) {
  public static final HardState EMPTY = new HardState(0, 0, 0);

  public HardState {
    if (term < 0 || commit < 0) { // vote is a node ID: unsigned 64-bit, any value
      throw new IllegalArgumentException(
          "negative hard state: term " + term + ", commit " + commit);
    }
  }

  public boolean isEmpty() {
    return equals(EMPTY);
  }
}
