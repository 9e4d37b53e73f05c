package io.etcdj.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.LeaseGrpc;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveRequest;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.PutResponse;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.api.mvccpb.KeyValue;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** jetcd, the Java client, through the same one-port Vert.x server. */
class ClientPortJetcdTest {
  private final Vertx vertx = Vertx.vertx();
  private final Map<com.google.protobuf.ByteString, com.google.protobuf.ByteString> store =
      new ConcurrentHashMap<>();
  private ClientPortServer server;
  private Client client;

  private static ResponseHeader header() {
    return ResponseHeader.newBuilder()
        .setClusterId(1)
        .setMemberId(2)
        .setRevision(3)
        .setRaftTerm(4)
        .build();
  }

  @BeforeEach
  void start() throws Exception {
    KVGrpc.KVImplBase kv =
        new KVGrpc.KVImplBase() {
          @Override
          public void put(PutRequest request, StreamObserver<PutResponse> response) {
            store.put(request.getKey(), request.getValue());
            response.onNext(PutResponse.newBuilder().setHeader(header()).build());
            response.onCompleted();
          }

          @Override
          public void range(RangeRequest request, StreamObserver<RangeResponse> response) {
            RangeResponse.Builder out = RangeResponse.newBuilder().setHeader(header());
            com.google.protobuf.ByteString value = store.get(request.getKey());
            if (value != null) {
              out.addKvs(
                      KeyValue.newBuilder().setKey(request.getKey()).setValue(value).setVersion(1))
                  .setCount(1);
            }
            response.onNext(out.build());
            response.onCompleted();
          }
        };
    LeaseGrpc.LeaseImplBase lease =
        new LeaseGrpc.LeaseImplBase() {
          @Override
          public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(
              StreamObserver<io.etcdj.api.etcdserverpb.LeaseKeepAliveResponse> responses) {
            return new StreamObserver<>() {
              @Override
              public void onNext(LeaseKeepAliveRequest request) {
                responses.onNext(
                    io.etcdj.api.etcdserverpb.LeaseKeepAliveResponse.newBuilder()
                        .setHeader(header())
                        .setID(request.getID())
                        .setTTL(42)
                        .build());
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {
                responses.onCompleted();
              }
            };
          }
        };
    server =
        ClientPortServer.start(
            vertx, "127.0.0.1", 0, List.of(kv, lease), Router.router(vertx), 2 << 20);
    client = Client.builder().endpoints("http://127.0.0.1:" + server.port()).build();
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    server.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void jetcdPutsAndGets() throws Exception {
    ByteSequence key = ByteSequence.from("jk", StandardCharsets.UTF_8);
    client
        .getKVClient()
        .put(key, ByteSequence.from("jv", StandardCharsets.UTF_8))
        .get(10, TimeUnit.SECONDS);
    GetResponse got = client.getKVClient().get(key).get(10, TimeUnit.SECONDS);
    assertThat(got.getKvs()).hasSize(1);
    assertThat(got.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8)).isEqualTo("jv");
    assertThat(got.getHeader().getRevision()).isEqualTo(3);
  }

  @Test
  void jetcdKeepsALeaseAliveOverTheStream() throws Exception {
    LeaseKeepAliveResponse response =
        client.getLeaseClient().keepAliveOnce(0x51c6a209f787743cL).get(10, TimeUnit.SECONDS);
    assertThat(response.getTTL()).isEqualTo(42);
    assertThat(response.getID()).isEqualTo(0x51c6a209f787743cL);
  }
}
