package io.etcdj.grpc;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** Completes unary calls from the server core's futures, with etcd's status on failure. */
final class Replies {
  private Replies() {}

  static <T> void reply(Supplier<CompletableFuture<T>> call, StreamObserver<T> out) {
    CompletableFuture<T> f;
    try {
      f = call.get();
    } catch (RuntimeException e) {
      out.onError(GrpcErrors.toStatus(e));
      return;
    }
    f.whenComplete(
        (value, err) -> {
          if (err != null) {
            out.onError(GrpcErrors.toStatus(err));
          } else {
            out.onNext(value);
            out.onCompleted();
          }
        });
  }

  static <T> void now(Supplier<T> call, StreamObserver<T> out) {
    T value;
    try {
      value = call.get();
    } catch (RuntimeException e) {
      out.onError(GrpcErrors.toStatus(e));
      return;
    }
    out.onNext(value);
    out.onCompleted();
  }
}
