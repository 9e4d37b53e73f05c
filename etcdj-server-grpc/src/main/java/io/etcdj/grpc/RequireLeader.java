package io.etcdj.grpc;

import io.etcdj.server.EtcdError;
import io.etcdj.server.EtcdServer;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * etcd's {@code hasleader} request metadata (clientv3's {@code WithRequireLeader}, which Kubernetes
 * uses for watches): a call made with {@code hasleader: true} while this member knows no leader
 * fails at once with {@code etcdserver: no leader} (Unavailable) instead of waiting.
 */
final class RequireLeader implements ServerInterceptor {
  static final Metadata.Key<String> HAS_LEADER =
      Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER);

  private final EtcdServer server;

  RequireLeader(EtcdServer server) {
    this.server = server;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if ("true".equals(headers.get(HAS_LEADER)) && server.leader() == 0) {
      call.close(GrpcErrors.toStatus(EtcdError.NO_LEADER).getStatus(), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }
}
