package io.etcdj.grpc;

import io.etcdj.api.etcdserverpb.WatchGrpc;
import io.etcdj.api.etcdserverpb.WatchRequest;
import io.etcdj.api.etcdserverpb.WatchResponse;
import io.etcdj.server.EtcdServer;
import io.etcdj.server.WatchStream;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * etcd's Watch service: one {@link WatchStream} per gRPC stream. Responses with events wait while
 * the transport is not ready (the watcher becomes a victim and is retried), so a slow client cannot
 * make the server buffer without bound; control responses always go out.
 */
final class WatchService extends WatchGrpc.WatchImplBase {
  private final EtcdServer server;

  WatchService(EtcdServer server) {
    this.server = server;
  }

  @Override
  public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
    ServerCallStreamObserver<WatchResponse> out =
        (ServerCallStreamObserver<WatchResponse>) responses;
    Object sendLock = new Object();
    boolean[] done = {false};
    WatchStream stream =
        server.openWatchStream(
            r -> {
              synchronized (sendLock) {
                if (done[0]) {
                  return true;
                }
                if (r.getEventsCount() > 0 && !out.isReady()) {
                  return false;
                }
                out.onNext(r);
                return true;
              }
            });
    out.setOnCancelHandler(
        () -> {
          synchronized (sendLock) {
            done[0] = true;
          }
          stream.close();
        });
    return new StreamObserver<>() {
      @Override
      public void onNext(WatchRequest r) {
        switch (r.getRequestUnionCase()) {
          case CREATE_REQUEST -> stream.create(r.getCreateRequest());
          case CANCEL_REQUEST -> stream.cancel(r.getCancelRequest().getWatchId());
          case PROGRESS_REQUEST -> stream.progress();
          case REQUESTUNION_NOT_SET -> {}
        }
      }

      @Override
      public void onError(Throwable t) {
        synchronized (sendLock) {
          done[0] = true;
        }
        stream.close();
      }

      @Override
      public void onCompleted() {
        stream.close();
        synchronized (sendLock) {
          if (!done[0]) {
            done[0] = true;
            out.onCompleted();
          }
        }
      }
    };
  }
}
