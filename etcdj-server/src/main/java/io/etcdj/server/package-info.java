/**
 * etcd's semantics over raft, the WAL and MVCC: the raft loop, the apply loop with the consistent
 * index, KVServer preflight checks, propose-and-wait, ReadIndex reads, lessor, compactor, quota and
 * alarms, membership.
 *
 * <p>Must not depend on: gRPC, LMDB, or any wire type; the edge translates.
 *
 * <p>Start reading at {@link io.etcdj.server.ServerConfig}, the member's configuration; the rest
 * arrives with issue #6.
 */
@NullMarked
package io.etcdj.server;

import org.jspecify.annotations.NullMarked;
