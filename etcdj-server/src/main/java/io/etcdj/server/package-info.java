/**
 * etcd's semantics over raft, the WAL and MVCC: the raft loop, the apply loop with the consistent
 * index, KVServer preflight checks, propose-and-wait, ReadIndex reads, lessor, compactor, quota and
 * alarms, membership.
 *
 * <p>Speaks etcd's message types ({@code io.etcdj.api.etcdserverpb}, {@code mvccpb}), as etcd's
 * etcdserver does, but must not depend on gRPC, its generated service stubs, or LMDB
 * (docs/decisions/0006).
 *
 * <p>Start reading at {@link io.etcdj.server.EtcdServer}: the request paths, then {@link
 * io.etcdj.server.RaftLoop} (persist, send, hand over), {@link io.etcdj.server.ApplyLoop} (apply
 * with the consistent index) and {@link io.etcdj.server.KvExecutor} (etcd's applier).
 */
@NullMarked
package io.etcdj.server;

import org.jspecify.annotations.NullMarked;
