/**
 * The edge: etcd's v3 gRPC services (KV, Watch, Lease, Cluster, Maintenance, Auth, Lock, Election)
 * on the etcdj-api stubs, translating to and from the server core, and the one table that maps
 * server errors to etcd's gRPC codes and messages.
 *
 * <p>Must not depend on: raft, mvcc or the backend directly; only the server core's API.
 *
 * <p>Arrives with issue #6.
 */
@NullMarked
package io.etcdj.grpc;

import org.jspecify.annotations.NullMarked;
