package io.etcdj.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.backend.BatchPolicy;
import io.etcdj.backend.BatchedBackend;
import io.etcdj.backend.InMemoryStore;
import io.etcdj.server.EtcdServer;
import io.etcdj.server.PeerTransport;
import io.etcdj.server.ServerConfig;
import io.etcdj.server.ServerEnvironment;
import io.etcdj.wal.NioFileSystem;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** clientv3's WithRequireLeader: {@code hasleader: true} fails fast on a member with no leader. */
class RequireLeaderTest {
  @TempDir Path dir;

  @Test
  void aCallThatRequiresALeaderFailsAtOnceWhenThereIsNone() throws Exception {
    ServerConfig config =
        ServerConfig.builder(
                "n1",
                dir.resolve("data"),
                URI.create("http://127.0.0.1:2379"),
                URI.create("http://127.0.0.1:2380"))
            .build();
    ExecutorService threads = Executors.newCachedThreadPool();
    ServerEnvironment env =
        new ServerEnvironment(
            System::nanoTime,
            1_700_000_000_000L,
            threads,
            threads,
            new SplittableRandom(1),
            new NioFileSystem(),
            new BatchedBackend(new InMemoryStore(), BatchPolicy.DEFAULT),
            PeerTransport.NONE,
            "3.4.23");
    // Opened but never started: it knows no leader.
    EtcdServer server = EtcdServer.open(config, env, m -> {});
    Vertx vertx = Vertx.vertx();
    ClientPortServer port =
        ClientPortServer.start(
            vertx, "127.0.0.1", 0, EtcdServices.of(server, threads), Router.router(vertx), 2 << 20);
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", port.port()).usePlaintext().build();
    try {
      RangeRequest serializable =
          RangeRequest.newBuilder()
              .setKey(ByteString.copyFromUtf8("k"))
              .setSerializable(true)
              .build();
      KVGrpc.KVBlockingStub kv =
          KVGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
      assertThat(kv.range(serializable).getCount())
          .as("without hasleader: served locally")
          .isZero();
      Metadata md = new Metadata();
      md.put(RequireLeader.HAS_LEADER, "true");
      KVGrpc.KVBlockingStub requiring =
          kv.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
      assertThatThrownBy(() -> requiring.range(serializable))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: no leader");
              });
    } finally {
      channel.shutdownNow();
      port.close();
      vertx.close().toCompletionStage().toCompletableFuture().get();
      server.close();
      threads.shutdownNow();
    }
  }
}
