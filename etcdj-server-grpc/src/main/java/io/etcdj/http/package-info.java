/**
 * HTTP/1.1 on the client port beside gRPC: /health, /version, /metrics and the /v3 JSON gateway.
 *
 * <p>Must not depend on: raft, mvcc or the backend directly.
 *
 * <p>Arrives with issue #6.
 */
@NullMarked
package io.etcdj.http;

import org.jspecify.annotations.NullMarked;
