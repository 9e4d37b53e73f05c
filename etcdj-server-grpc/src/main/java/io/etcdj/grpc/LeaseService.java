package io.etcdj.grpc;

import io.etcdj.api.etcdserverpb.LeaseGrantRequest;
import io.etcdj.api.etcdserverpb.LeaseGrantResponse;
import io.etcdj.api.etcdserverpb.LeaseGrpc;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveRequest;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveResponse;
import io.etcdj.api.etcdserverpb.LeaseLeasesRequest;
import io.etcdj.api.etcdserverpb.LeaseLeasesResponse;
import io.etcdj.api.etcdserverpb.LeaseRevokeRequest;
import io.etcdj.api.etcdserverpb.LeaseRevokeResponse;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.etcdj.server.EtcdServer;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/** etcd's Lease service over the server core. */
final class LeaseService extends LeaseGrpc.LeaseImplBase {
  private final EtcdServer server;

  LeaseService(EtcdServer server) {
    this.server = server;
  }

  @Override
  public void leaseGrant(LeaseGrantRequest request, StreamObserver<LeaseGrantResponse> out) {
    Replies.reply(() -> server.leaseGrant(request), out);
  }

  @Override
  public void leaseRevoke(LeaseRevokeRequest request, StreamObserver<LeaseRevokeResponse> out) {
    Replies.reply(() -> server.leaseRevoke(request), out);
  }

  @Override
  public void leaseTimeToLive(
      LeaseTimeToLiveRequest request, StreamObserver<LeaseTimeToLiveResponse> out) {
    Replies.reply(() -> server.leaseTimeToLive(request), out);
  }

  @Override
  public void leaseLeases(LeaseLeasesRequest request, StreamObserver<LeaseLeasesResponse> out) {
    Replies.now(server::leaseLeases, out);
  }

  /**
   * One keep-alive stream: each request renews (on a follower, through the leader) and is answered
   * in order; a failure ends the stream with etcd's status, as etcd's.
   */
  @Override
  public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(
      StreamObserver<LeaseKeepAliveResponse> out) {
    Object lock = new Object();
    boolean[] done = {false};
    AtomicReference<CompletableFuture<?>> chain =
        new AtomicReference<>(CompletableFuture.completedFuture(null));
    return new StreamObserver<>() {
      @Override
      public void onNext(LeaseKeepAliveRequest r) {
        chain.updateAndGet(
            previous ->
                previous
                    .handle((x, e) -> null)
                    .thenCompose(x -> server.leaseKeepAlive(r.getID()))
                    .whenComplete(
                        (resp, err) -> {
                          synchronized (lock) {
                            if (done[0]) {
                              return;
                            }
                            if (err == null) {
                              out.onNext(resp);
                            } else {
                              done[0] = true;
                              out.onError(GrpcErrors.toStatus(err));
                            }
                          }
                        }));
      }

      @Override
      public void onError(Throwable t) {
        synchronized (lock) {
          done[0] = true;
        }
      }

      @Override
      public void onCompleted() {
        chain
            .get()
            .whenComplete(
                (x, e) -> {
                  synchronized (lock) {
                    if (!done[0]) {
                      done[0] = true;
                      out.onCompleted();
                    }
                  }
                });
      }
    };
  }
}
