package io.etcdj.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.LeaseGrpc;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveRequest;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveResponse;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.PutResponse;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.api.etcdserverpb.WatchGrpc;
import io.etcdj.api.etcdserverpb.WatchRequest;
import io.etcdj.api.etcdserverpb.WatchResponse;
import io.etcdj.api.mvccpb.Event;
import io.etcdj.api.mvccpb.KeyValue;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * gRPC and HTTP/1.1 on one port through Vert.x, driven by the real etcdctl 3.4: unary calls
 * completed off the event loop, a bidirectional watch stream that outlives several client keepalive
 * pings, lease keep-alive streams, a client deadline that cancels the server call, and plain HTTP
 * on the same port.
 */
class ClientPortServerTest {
  private final Vertx vertx = Vertx.vertx();
  private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
  private final Map<ByteString, ByteString> store = new ConcurrentHashMap<>();
  private final CountDownLatch hangingCallCanceled = new CountDownLatch(1);
  private final CountDownLatch watchCreated = new CountDownLatch(1);
  private final java.util.concurrent.atomic.AtomicInteger completedCallsCanceled =
      new java.util.concurrent.atomic.AtomicInteger();
  private final CountDownLatch watchStreamCanceled = new CountDownLatch(1);
  private final CountDownLatch watchRequestsFailed = new CountDownLatch(1);
  private ClientPortServer server;

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
    Router router = Router.router(vertx);
    router
        .get("/health")
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("content-type", "application/json")
                    .end("{\"health\":\"true\"}"));
    server =
        ClientPortServer.start(
            vertx,
            "127.0.0.1",
            0,
            List.of(new Kv(), new Watch(), new Lease()),
            router,
            2 * 1024 * 1024);
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    later.shutdownNow();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  final class Kv extends KVGrpc.KVImplBase {
    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> response) {
      ((ServerCallStreamObserver<PutResponse>) response)
          .setOnCancelHandler(completedCallsCanceled::incrementAndGet);
      // Completed from another thread, as the server core completes proposals.
      Thread.ofVirtual()
          .start(
              () -> {
                store.put(request.getKey(), request.getValue());
                response.onNext(PutResponse.newBuilder().setHeader(header()).build());
                response.onCompleted();
              });
    }

    @Override
    public void range(RangeRequest request, StreamObserver<RangeResponse> response) {
      if (request.getKey().toStringUtf8().equals("hang")) {
        ((ServerCallStreamObserver<RangeResponse>) response)
            .setOnCancelHandler(hangingCallCanceled::countDown);
        return;
      }
      RangeResponse.Builder out = RangeResponse.newBuilder().setHeader(header());
      ByteString value = store.get(request.getKey());
      if (value != null) {
        out.addKvs(KeyValue.newBuilder().setKey(request.getKey()).setValue(value).setVersion(1))
            .setCount(1);
      }
      response.onNext(out.build());
      response.onCompleted();
    }
  }

  final class Watch extends WatchGrpc.WatchImplBase {
    @Override
    public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
      // grpc-java allows the cancel handler only before the method returns.
      ((ServerCallStreamObserver<WatchResponse>) responses)
          .setOnCancelHandler(watchStreamCanceled::countDown);
      return new StreamObserver<>() {
        @Override
        public void onNext(WatchRequest request) {
          ByteString key = request.getCreateRequest().getKey();
          if (key.toStringUtf8().equals("forever")) {
            responses.onNext(
                WatchResponse.newBuilder().setHeader(header()).setCreated(true).build());
            watchCreated.countDown();
            return;
          }
          responses.onNext(WatchResponse.newBuilder().setHeader(header()).setCreated(true).build());
          // Longer than two keepalive periods of the client (--keepalive-time=2s).
          later.schedule(
              () -> {
                responses.onNext(
                    WatchResponse.newBuilder()
                        .setHeader(header())
                        .addEvents(
                            Event.newBuilder()
                                .setKv(
                                    KeyValue.newBuilder()
                                        .setKey(key)
                                        .setValue(ByteString.copyFromUtf8("late"))))
                        .build());
              },
              5,
              TimeUnit.SECONDS);
          // The cancel comes a second after the event: etcd's Go client may drop an event
          // that arrives together with its watch's cancel, so back to back would be racy.
          later.schedule(
              () ->
                  responses.onNext(
                      WatchResponse.newBuilder()
                          .setHeader(header())
                          .setCanceled(true)
                          .setCancelReason("done")
                          .build()),
              6,
              TimeUnit.SECONDS);
        }

        @Override
        public void onError(Throwable t) {
          watchRequestsFailed.countDown();
        }

        @Override
        public void onCompleted() {
          responses.onCompleted();
        }
      };
    }
  }

  final class Lease extends LeaseGrpc.LeaseImplBase {
    @Override
    public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(
        StreamObserver<LeaseKeepAliveResponse> responses) {
      return new StreamObserver<>() {
        @Override
        public void onNext(LeaseKeepAliveRequest request) {
          responses.onNext(
              LeaseKeepAliveResponse.newBuilder()
                  .setHeader(header())
                  .setID(request.getID())
                  .setTTL(30)
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
  }

  record Result(int exitCode, String stdout, String stderr) {}

  private Result etcdctl(String... args) throws IOException, InterruptedException {
    String binary = System.getenv().getOrDefault("ETCDCTL_BINARY", "/usr/bin/etcdctl");
    assertThat(new File(binary)).as("etcdctl 3.4 (apt-get install etcd-client)").isExecutable();
    List<String> command =
        new ArrayList<>(List.of(binary, "--endpoints=127.0.0.1:" + server.port()));
    command.addAll(List.of(args));
    File stderr = File.createTempFile("etcdctl", ".err");
    try {
      ProcessBuilder builder = new ProcessBuilder(command).redirectError(stderr);
      builder.environment().put("ETCDCTL_API", "3");
      Process process = builder.start();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("etcdctl did not finish: " + command);
      }
      return new Result(
          process.exitValue(),
          new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
          Files.readString(stderr.toPath()));
    } finally {
      Files.deleteIfExists(stderr.toPath());
    }
  }

  @Test
  void unaryCallsCompletedOffTheEventLoopReachEtcdctl() throws Exception {
    assertThat(etcdctl("put", "k", "v").stdout()).isEqualTo("OK\n");
    assertThat(etcdctl("get", "k").stdout()).isEqualTo("k\nv\n");
    assertThat(completedCallsCanceled.get()).as("a completed call is never cancelled").isZero();
  }

  @Test
  void aWatchStreamOutlivesTheClientsKeepalivePings() throws Exception {
    Result result = etcdctl("--keepalive-time=2s", "--keepalive-timeout=1s", "watch", "w");
    assertThat(result.stdout()).as(result.stderr()).isEqualTo("PUT\nw\nlate\n");
    assertThat(result.exitCode()).as(result.stderr()).isEqualTo(5);
    assertThat(result.stderr()).isEqualTo("Error: watch is canceled by the server\n");
  }

  @Test
  void leaseKeepAliveStreamsWork() throws Exception {
    Result result = etcdctl("lease", "keep-alive", "--once", "51c6a209f787743c");
    assertThat(result.stdout()).isEqualTo("lease 51c6a209f787743c keepalived with TTL(30)\n");
  }

  @Test
  void aClientDeadlineCancelsTheServerCall() throws Exception {
    Result result = etcdctl("--command-timeout=1s", "get", "hang");
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.stderr()).contains("context deadline exceeded");
    assertThat(hangingCallCanceled.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aClientThatGoesAwayCancelsItsWatchStreamOnTheServer() throws Exception {
    String binary = System.getenv().getOrDefault("ETCDCTL_BINARY", "/usr/bin/etcdctl");
    ProcessBuilder builder =
        new ProcessBuilder(binary, "--endpoints=127.0.0.1:" + server.port(), "watch", "forever")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD);
    builder.environment().put("ETCDCTL_API", "3");
    Process watcher = builder.start();
    try {
      assertThat(watchCreated.await(20, TimeUnit.SECONDS)).isTrue();
      watcher.destroy();
      assertThat(watcher.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(watchRequestsFailed.await(10, TimeUnit.SECONDS)).as("onError").isTrue();
      assertThat(watchStreamCanceled.await(10, TimeUnit.SECONDS))
          .as("the server learns that the stream is gone, so it can drop the watchers")
          .isTrue();
    } finally {
      watcher.destroyForcibly();
    }
  }

  @Test
  void plainHttpIsServedOnTheSamePort() throws Exception {
    HttpResponse<String> response =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .build()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("{\"health\":\"true\"}");
    assertThat(etcdctl("put", "still", "grpc").stdout()).isEqualTo("OK\n");
  }
}
