/**
 * HTTP/1.1 on the client port beside gRPC: {@code /health} and {@code /version} as etcd 3.4 answers
 * them ({@link io.etcdj.http.HttpEndpoints}); {@code /metrics} in Prometheus text under etcd's
 * names ({@link io.etcdj.http.MetricsEndpoint}); the {@code /v3} and {@code /v3beta} JSON gateway
 * as etcd 3.4's grpc-gateway answers ({@link io.etcdj.http.GatewayRoutes}).
 *
 * <p>Must not depend on: raft, mvcc or the backend directly; the server reports its state through
 * {@link io.etcdj.http.HttpEndpoints.MemberState}.
 */
@NullMarked
package io.etcdj.http;

import org.jspecify.annotations.NullMarked;
