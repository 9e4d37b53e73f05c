package io.etcdj.grpc;

import io.grpc.BindableService;
import io.grpc.ServerInterceptors;
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
  private final HttpServer server;

  private ClientPortServer(Vertx vertx, HttpServer server) {
    this.vertx = vertx;
    this.server = server;
  }

  /**
   * Starts listening on {@code host:port} (0 picks a free port).
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
    GrpcIoServer grpc =
        GrpcIoServer.server(
            vertx,
            new GrpcServerOptions()
                .setMaxMessageSize(maxMessageBytes)
                .setScheduleDeadlineAutomatically(true));
    CancellationPropagator cancellation = new CancellationPropagator();
    for (BindableService service : services) {
      GrpcIoServiceBridge.bridge(ServerInterceptors.intercept(service.bindService(), cancellation))
          .bind(grpc);
    }
    HttpServer server =
        vertx
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
    server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return new ClientPortServer(vertx, server);
  }

  /** The port actually bound. */
  public int port() {
    return server.actualPort();
  }

  Vertx vertx() {
    return vertx;
  }

  @Override
  public void close() throws InterruptedException, ExecutionException, TimeoutException {
    server.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
