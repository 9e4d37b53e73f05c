/**
 * The backend port: buckets, snapshot-consistent read transactions, one write transaction at a
 * time, batched commits with a read buffer, size, copy stream, defragment and hash.
 *
 * <p>Owns: the contract every backend honours and an in-memory implementation with the same
 * semantics, used by tests and the simulation.
 *
 * <p>Must not depend on: mvcc, raft, the server, LMDB.
 *
 * <p>Arrives with issue #5.
 */
@NullMarked
package io.etcdj.backend;

import org.jspecify.annotations.NullMarked;
