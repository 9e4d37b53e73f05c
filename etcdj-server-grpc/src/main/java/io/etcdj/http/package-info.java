/**
 * HTTP/1.1 on the client port beside gRPC: {@code /health} and {@code /version} as etcd 3.4 answers
 * them ({@link io.etcdj.http.HttpEndpoints}); {@code /metrics} and the {@code /v3} JSON gateway
 * arrive with issue #6.
 *
 * <p>Must not depend on: raft, mvcc or the backend directly; the server reports its state through
 * {@link io.etcdj.http.HttpEndpoints.MemberState}.
 */
@NullMarked
package io.etcdj.http;

import org.jspecify.annotations.NullMarked;
