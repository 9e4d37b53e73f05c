package io.etcdj.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Tells grpc-java services when a client went away.
 *
 * <p>Vert.x 5.0.7's grpc-java bridge does not pass an HTTP/2 stream reset or a closed connection on
 * to the call: the service's cancel handler never runs and a bidirectional stream's request
 * observer never sees {@code onError}, so watchers and keep-alive streams of vanished clients would
 * live forever (proven by ClientPortServerTest). This closes the gap: while Vert.x hands a request
 * to the bridge, the interceptor — which the bridge runs synchronously when it starts the call —
 * picks up the request and ties the call's listener to the stream's close; when the stream closes
 * before the call completed, the listener is told {@code onCancel()}, which grpc-java turns into
 * the cancel handler and {@code onError}.
 *
 * <p>Runs on Vert.x event-loop threads; the hand-over slot is per thread.
 */
final class CancellationPropagator implements ServerInterceptor {
  private final ThreadLocal<@Nullable HttpServerRequest> starting = new ThreadLocal<>();

  /** Hands {@code request} to {@code grpc}, making it visible to {@link #interceptCall}. */
  void handle(HttpServerRequest request, Handler<HttpServerRequest> grpc) {
    starting.set(request);
    try {
      grpc.handle(request);
    } finally {
      starting.remove();
    }
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    HttpServerRequest request = starting.get();
    if (request == null) {
      return next.startCall(call, headers); // not started from our handler: nothing to tie
    }
    AtomicBoolean finished = new AtomicBoolean();
    ServerCall<Q, R> closing =
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            finished.set(true); // the server ended the call: a later stream close is no cancel
            super.close(status, trailers);
          }
        };
    ServerCall.Listener<Q> delegate = next.startCall(closing, headers);
    ServerCall.Listener<Q> listener =
        new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
          @Override
          public void onComplete() {
            finished.set(true);
            super.onComplete();
          }

          @Override
          public void onCancel() {
            if (finished.compareAndSet(false, true)) {
              super.onCancel();
            }
          }
        };
    request
        .response()
        .closeHandler(
            ignored -> {
              if (!finished.get()) {
                listener.onCancel();
              }
            });
    return listener;
  }
}
