package io.etcdj.raft;

/** The transport's report on a snapshot it was asked to send ({@link RaftNode#reportSnapshot}). */
public enum SnapshotStatus {
  FINISHED,
  FAILED
}
