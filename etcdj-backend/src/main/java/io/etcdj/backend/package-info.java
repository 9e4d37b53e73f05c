/**
 * The backend port: buckets, snapshot-consistent read transactions, one write transaction at a
 * time, batched commits with a read buffer, size, copy stream, defragment and hash.
 *
 * <p>Owns: the contract every backend honours ({@link io.etcdj.backend.Backend}), the one
 * implementation of batching and of the read buffer ({@link io.etcdj.backend.BatchedBackend}), the
 * durable-store port it sits on ({@link io.etcdj.backend.DurableStore}) and an in-memory store with
 * the same semantics ({@link io.etcdj.backend.InMemoryStore}) for tests and the simulation.
 *
 * <p>Must not depend on: mvcc, raft, the server, LMDB. Reads no clock and starts no thread: the
 * caller passes "now" to {@link io.etcdj.backend.Backend#maybeCommit(long)}.
 *
 * <p>Start reading at {@link io.etcdj.backend.Backend}, then {@link
 * io.etcdj.backend.BatchedBackend}.
 */
@NullMarked
package io.etcdj.backend;

import org.jspecify.annotations.NullMarked;
