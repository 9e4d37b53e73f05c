package io.etcdj.grpc;

import io.etcdj.api.etcdserverpb.ClusterGrpc;
import io.etcdj.api.etcdserverpb.MemberListRequest;
import io.etcdj.api.etcdserverpb.MemberListResponse;
import io.etcdj.server.EtcdServer;
import io.grpc.stub.StreamObserver;

/**
 * etcd's Cluster service: MemberList. Adding, removing, updating and promoting members answer
 * Unimplemented until runtime reconfiguration lands (the base class does that).
 */
final class ClusterService extends ClusterGrpc.ClusterImplBase {
  private final EtcdServer server;

  ClusterService(EtcdServer server) {
    this.server = server;
  }

  @Override
  public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> out) {
    Replies.now(server::memberList, out);
  }
}
