package io.etcdj.grpc;

import io.etcdj.api.etcdserverpb.MaintenanceGrpc;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.StatusRequest;
import io.etcdj.server.EtcdError;
import io.etcdj.server.EtcdServer;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * What a learner serves, as etcd: Status, serializable Range and the Snapshot stream; every other
 * call fails with {@code etcdserver: rpc not supported for learner}.
 */
final class LearnerGuard implements ServerInterceptor {
  private final EtcdServer server;

  LearnerGuard(EtcdServer server) {
    this.server = server;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (!server.isLearner()) {
      return next.startCall(call, headers);
    }
    MethodDescriptor<Q, R> method = call.getMethodDescriptor();
    if (method
        .getFullMethodName()
        .equals(MaintenanceGrpc.getSnapshotMethod().getFullMethodName())) {
      return next.startCall(call, headers);
    }
    if (method.getType() != MethodDescriptor.MethodType.UNARY) {
      refuse(call);
      return new ServerCall.Listener<>() {};
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
        next.startCall(call, headers)) {
      private boolean refused;

      @Override
      public void onMessage(Q message) {
        boolean allowed =
            message instanceof StatusRequest
                || message instanceof RangeRequest r && r.getSerializable();
        if (!allowed) {
          refused = true;
          refuse(call);
          return;
        }
        super.onMessage(message);
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          super.onHalfClose();
        }
      }
    };
  }

  private static void refuse(ServerCall<?, ?> call) {
    call.close(GrpcErrors.toStatus(EtcdError.LEARNER_NOT_SUPPORTED).getStatus(), new Metadata());
  }
}
