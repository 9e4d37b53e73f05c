/**
 * Cluster membership: member and cluster IDs derived as etcd derives them, the bootstrap membership
 * from {@code --initial-cluster}, and (with issue #6) the member registry kept through raft
 * configuration changes.
 *
 * <p>Must not depend on: gRPC, the backend implementation, wire types.
 */
@NullMarked
package io.etcdj.server.membership;

import org.jspecify.annotations.NullMarked;
