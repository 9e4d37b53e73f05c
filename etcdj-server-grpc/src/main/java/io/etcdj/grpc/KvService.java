package io.etcdj.grpc;

import io.etcdj.api.etcdserverpb.CompactionRequest;
import io.etcdj.api.etcdserverpb.CompactionResponse;
import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.DeleteRangeResponse;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.PutResponse;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.api.etcdserverpb.TxnResponse;
import io.etcdj.server.EtcdServer;
import io.grpc.stub.StreamObserver;

/** etcd's KV service over the server core. */
final class KvService extends KVGrpc.KVImplBase {
  private final EtcdServer server;

  KvService(EtcdServer server) {
    this.server = server;
  }

  @Override
  public void range(RangeRequest request, StreamObserver<RangeResponse> out) {
    Replies.reply(() -> server.range(request), out);
  }

  @Override
  public void put(PutRequest request, StreamObserver<PutResponse> out) {
    Replies.reply(() -> server.put(request), out);
  }

  @Override
  public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> out) {
    Replies.reply(() -> server.deleteRange(request), out);
  }

  @Override
  public void txn(TxnRequest request, StreamObserver<TxnResponse> out) {
    Replies.reply(() -> server.txn(request), out);
  }

  @Override
  public void compact(CompactionRequest request, StreamObserver<CompactionResponse> out) {
    Replies.reply(() -> server.compact(request), out);
  }
}
