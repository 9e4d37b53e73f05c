package io.etcdj.http;

import io.etcdj.backend.BatchPolicy;
import io.etcdj.backend.BatchedBackend;
import io.etcdj.backend.InMemoryStore;
import io.etcdj.grpc.ClientPortServer;
import io.etcdj.grpc.EtcdServices;
import io.etcdj.server.EtcdServer;
import io.etcdj.server.PeerTransport;
import io.etcdj.server.ServerConfig;
import io.etcdj.server.ServerEnvironment;
import io.etcdj.wal.NioFileSystem;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A real single member for the HTTP tests, as EtcdServerTest starts one (in-memory backend, a WAL
 * on disk, real threads), behind a real client port on 127.0.0.1 with the gRPC services, the
 * gateway and /metrics mounted.
 */
final class TestMember implements AutoCloseable {
  final EtcdServer server;
  final Vertx vertx;
  final ClientPortServer port;
  final io.etcdj.grpc.PeerMetrics peers;
  private final ExecutorService threads;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  private TestMember(
      EtcdServer server,
      Vertx vertx,
      ClientPortServer port,
      io.etcdj.grpc.PeerMetrics peers,
      ExecutorService threads) {
    this.server = server;
    this.peers = peers;
    this.vertx = vertx;
    this.port = port;
    this.threads = threads;
  }

  static TestMember start(Path dir) throws Exception {
    ExecutorService threads = Executors.newCachedThreadPool();
    BatchedBackend backend =
        new BatchedBackend(
            new InMemoryStore(), new BatchPolicy(Duration.ofMillis(5).toNanos(), 1_000));
    ServerEnvironment env =
        new ServerEnvironment(
            System::nanoTime,
            System.currentTimeMillis(),
            threads,
            threads,
            new SplittableRandom(7),
            new NioFileSystem(),
            backend,
            PeerTransport.NONE,
            "3.4.23");
    EtcdServer server = EtcdServer.open(config(dir.resolve("data"), 100_000), env, s -> {});
    server.start();
    if (!server.awaitReady(Duration.ofSeconds(20))) {
      server.close();
      threads.shutdownNow();
      throw new IllegalStateException("member not ready");
    }
    Vertx vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    GatewayRoutes.mount(router, server);
    io.etcdj.grpc.GrpcMetrics grpc = new io.etcdj.grpc.GrpcMetrics();
    io.etcdj.grpc.PeerMetrics peers = new io.etcdj.grpc.PeerMetrics();
    MetricsEndpoint.mount(router, server, ServerConfig.DEFAULT_QUOTA_BACKEND_BYTES, grpc, peers);
    ClientPortServer port =
        ClientPortServer.start(
            vertx, "127.0.0.1", 0, EtcdServices.of(server, threads, grpc), router, 2 << 20);
    return new TestMember(server, vertx, port, peers, threads);
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port.port() + path);
  }

  HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri(path))
            .timeout(Duration.ofSeconds(20))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The raw bytes of an HTTP/1.1 exchange, as curl sees them ({@code Connection: close}). */
  static String raw(int port, String method, String path, String body) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      s.setSoTimeout(20_000);
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      OutputStream out = s.getOutputStream();
      out.write(
          (method
                  + " "
                  + path
                  + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  + "Content-Length: "
                  + b.length
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(b);
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static ServerConfig config(Path dataDir, long snapshotCount) {
    return ServerConfig.builder(
            "n1", dataDir, URI.create("http://127.0.0.1:2379"), URI.create("http://127.0.0.1:2380"))
        .snapshotCount(snapshotCount)
        .timing(20, 100)
        .backendBatch(Duration.ofHours(1), 1_000_000)
        .preVote(true)
        .build();
  }

  @Override
  public void close() throws Exception {
    try {
      port.close();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      server.close();
      threads.shutdownNow();
    }
  }
}
