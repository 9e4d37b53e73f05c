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

  @Override
  public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(
      StreamObserver<LeaseKeepAliveResponse> out) {
    Object lock = new Object();
    boolean[] done = {false};
    return new StreamObserver<>() {
      @Override
      public void onNext(LeaseKeepAliveRequest r) {
        synchronized (lock) {
          if (done[0]) {
            return;
          }
          try {
            out.onNext(server.leaseKeepAlive(r.getID()));
          } catch (RuntimeException e) {
            done[0] = true;
            out.onError(GrpcErrors.toStatus(e));
          }
        }
      }

      @Override
      public void onError(Throwable t) {
        synchronized (lock) {
          done[0] = true;
        }
      }

      @Override
      public void onCompleted() {
        synchronized (lock) {
          if (!done[0]) {
            done[0] = true;
            out.onCompleted();
          }
        }
      }
    };
  }
}
