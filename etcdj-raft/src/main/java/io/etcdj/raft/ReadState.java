package io.etcdj.raft;

/**
 * A released ReadIndex request: the application may serve the read identified by {@code context}
 * once it has applied up to {@code index} (Raft §6.4).
 *
 * @param index the leader's commit index when leadership was confirmed for this read
 * @param context the context the request was made with
 */
public record ReadState(long index, Bytes context) {}
