package io.etcdj.grpc;

import io.grpc.BindableService;
import io.grpc.ServerInterceptors;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpcio.server.GrpcIoServer;
import io.vertx.grpcio.server.GrpcIoServiceBridge;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The client port: gRPC (HTTP/2, cleartext h2c as etcd serves it) and plain HTTP on one listener,
 * as etcd answers both on 2379.
 *
 * <p>Each request is routed by its content type: {@code application/grpc*} goes to the gRPC server,
 * which runs the grpc-java services (the {@code etcdj-api} stubs) through Vert.x's bridge;
 * everything else — {@code /health}, {@code /version}, {@code /metrics}, the JSON gateway — goes to
 * the caller's {@link Router}. One Vert.x HTTP server, public APIs only (see DECISIONS.md: Vert.x
 * was measured at 0.92× plain grpc-netty's throughput).
 *
 * <p>Threads: services are called on Vert.x event-loop threads and must not block; they may
 * complete their {@code StreamObserver}s from any thread. Owned by the composition root, which
 * closes it.
 */
public final class ClientPortServer implements AutoCloseable {
  private final Vertx vertx;
  private final List<HttpServer> servers;
  private final int port;

  private ClientPortServer(Vertx vertx, List<HttpServer> servers, int port) {
    this.vertx = vertx;
    this.servers = servers;
    this.port = port;
  }

  /**
   * Starts listening on {@code host:port} (0 picks a free port) with one listener per event loop
   * ({@code instances}, Vert.x's way to use more than one core: each instance's server shares the
   * port and gets its share of the connections).
   *
   * @param maxMessageBytes largest gRPC message accepted (etcd: --max-request-bytes + 512 KiB)
   */
  public static ClientPortServer start(
      Vertx vertx,
      String host,
      int port,
      List<BindableService> services,
      Router router,
      int maxMessageBytes)
      throws InterruptedException, ExecutionException, TimeoutException {
    return start(vertx, host, port, services, router, maxMessageBytes, 1);
  }

  /** As {@link #start(Vertx, String, int, List, Router, int)} with {@code instances} listeners. */
  public static ClientPortServer start(
      Vertx vertx,
      String host,
      int port,
      List<BindableService> services,
      Router router,
      int maxMessageBytes,
      int instances)
      throws InterruptedException, ExecutionException, TimeoutException {
    java.util.concurrent.ConcurrentLinkedQueue<HttpServer> servers =
        new java.util.concurrent.ConcurrentLinkedQueue<>();
    java.util.concurrent.atomic.AtomicInteger chosenPort =
        new java.util.concurrent.atomic.AtomicInteger(port);
    // The first listener picks the port (0: a free one); the others share it.
    listen(vertx, host, port, services, router, maxMessageBytes, servers, chosenPort, 1);
    if (instances > 1) {
      listen(
          vertx,
          host,
          chosenPort.get(),
          services,
          router,
          maxMessageBytes,
          servers,
          chosenPort,
          instances - 1);
    }
    return new ClientPortServer(vertx, List.copyOf(servers), chosenPort.get());
  }

  private static void listen(
      Vertx vertx,
      String host,
      int port,
      List<BindableService> services,
      Router router,
      int maxMessageBytes,
      java.util.Queue<HttpServer> servers,
      java.util.concurrent.atomic.AtomicInteger chosenPort,
      int instances)
      throws InterruptedException, ExecutionException, TimeoutException {
    vertx
        .deployVerticle(
            () ->
                new VerticleBase() {
                  @Override
                  public io.vertx.core.Future<?> start() {
                    HttpServer server =
                        createServer(vertx, host, port, services, router, maxMessageBytes);
                    return server
                        .listen()
                        .onSuccess(
                            s -> {
                              servers.add(s);
                              chosenPort.set(s.actualPort());
                            });
                  }
                },
            new DeploymentOptions().setInstances(instances))
        .toCompletionStage()
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  private static HttpServer createServer(
      Vertx vertx,
      String host,
      int port,
      List<BindableService> services,
      Router router,
      int maxMessageBytes) {
    GrpcIoServer grpc =
        GrpcIoServer.server(
            vertx,
            new GrpcServerOptions()
                .setMaxMessageSize(Math.max(maxMessageBytes, MaxMessageSize.TRANSPORT_LIMIT))
                .setScheduleDeadlineAutomatically(true));
    CancellationPropagator cancellation = new CancellationPropagator();
    MaxMessageSize limit = new MaxMessageSize(maxMessageBytes);
    for (BindableService service : services) {
      GrpcIoServiceBridge.bridge(
              ServerInterceptors.intercept(service.bindService(), limit, cancellation))
          .bind(grpc);
    }
    return vertx
        .createHttpServer(
            new HttpServerOptions().setHost(host).setPort(port).setHttp2ClearTextEnabled(true))
        .connectionHandler(AuthorityRepair::install)
        .requestHandler(
            request -> {
              String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
              if (contentType != null && contentType.startsWith("application/grpc")) {
                cancellation.handle(request, grpc);
              } else {
                router.handle(request);
              }
            });
  }

  /** The port actually bound. */
  public int port() {
    return port;
  }

  Vertx vertx() {
    return vertx;
  }

  @Override
  public void close() throws InterruptedException, ExecutionException, TimeoutException {
    for (HttpServer server : servers) {
      server.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
