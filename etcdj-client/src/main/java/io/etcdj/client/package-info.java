/**
 * The Java client: endpoint load balancing, automatic failover, retries, watch resume and lease
 * keep-alive over etcd's v3 gRPC API.
 *
 * <p>Must not depend on: any server module; only the wire types in etcdj-api.
 */
@NullMarked
package io.etcdj.client;

import org.jspecify.annotations.NullMarked;
