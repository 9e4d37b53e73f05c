package io.etcdj.grpc;

import com.google.protobuf.MessageLite;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * The client port's receive limit (etcd: {@code --max-request-bytes} + 512 KiB), answered as
 * grpc-go answers it: {@code RESOURCE_EXHAUSTED: grpc: received message larger than max (N vs.
 * LIMIT)}. Vert.x's own check has no description, so its limit is set higher ({@link
 * #TRANSPORT_LIMIT}) and this interceptor enforces the real one.
 */
final class MaxMessageSize implements ServerInterceptor {
  /** The transport's hard limit, above any limit this interceptor enforces. */
  static final int TRANSPORT_LIMIT = 64 << 20;

  private final int limit;

  MaxMessageSize(int limit) {
    this.limit = limit;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    ServerCall.Listener<Q> delegate = next.startCall(call, headers);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
      private boolean refused;

      @Override
      public void onMessage(Q message) {
        if (refused) {
          return;
        }
        if (message instanceof MessageLite m) {
          int size = m.getSerializedSize();
          if (size > limit) {
            refused = true;
            call.close(
                Status.RESOURCE_EXHAUSTED.withDescription(
                    "grpc: received message larger than max (" + size + " vs. " + limit + ")"),
                new Metadata());
            return;
          }
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
}
