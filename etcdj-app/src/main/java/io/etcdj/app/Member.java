package io.etcdj.app;

import io.etcdj.backend.BatchPolicy;
import io.etcdj.backend.BatchedBackend;
import io.etcdj.backend.lmdb.LmdbBackend;
import io.etcdj.backend.lmdb.LmdbConfig;
import io.etcdj.grpc.ClientPortServer;
import io.etcdj.grpc.EtcdServices;
import io.etcdj.grpc.GrpcMetrics;
import io.etcdj.grpc.PeerMetrics;
import io.etcdj.grpc.PeerServer;
import io.etcdj.grpc.PeerTransportGrpc;
import io.etcdj.http.GatewayRoutes;
import io.etcdj.http.HttpEndpoints;
import io.etcdj.http.MetricsEndpoint;
import io.etcdj.server.EtcdServer;
import io.etcdj.server.ServerConfig;
import io.etcdj.server.ServerEnvironment;
import io.etcdj.wal.NioFileSystem;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * A running member: the composition of the server core with real threads, the file WAL, LMDB, and
 * the client port (gRPC and HTTP on one Vert.x listener per client URL).
 */
final class Member implements AutoCloseable {
  /** One client-port listener (and event loop) per core: Vert.x scales by instances. */
  private static final int EVENT_LOOPS = Math.max(2, Runtime.getRuntime().availableProcessors());

  private final EtcdServer server;
  private final Vertx vertx;
  private final List<ClientPortServer> clientPorts;
  private final ExecutorService requests;
  private final List<PeerServer> peerPorts;
  private final PeerTransportGrpc transport;

  private Member(
      EtcdServer server,
      Vertx vertx,
      List<ClientPortServer> clientPorts,
      ExecutorService requests,
      List<PeerServer> peerPorts,
      PeerTransportGrpc transport) {
    this.server = server;
    this.vertx = vertx;
    this.clientPorts = clientPorts;
    this.requests = requests;
    this.peerPorts = peerPorts;
    this.transport = transport;
  }

  static Member start(ServerConfig config, VersionInfo version, Log log) throws Exception {
    Path dataDir = config.dataDir();
    Path memberDir = dataDir.resolve("member");
    Files.createDirectories(memberDir.resolve("snap"));
    BatchedBackend backend =
        LmdbBackend.open(
            memberDir.resolve("snap").resolve("db"),
            LmdbConfig.forQuota(config.effectiveQuotaBackendBytes()),
            new BatchPolicy(config.backendBatchInterval().toNanos(), config.backendBatchLimit()));
    ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
    PeerMetrics peerMetrics = new PeerMetrics();
    PeerTransportGrpc transport = new PeerTransportGrpc(peerMetrics);
    AtomicReference<@Nullable EtcdServer> opened = new AtomicReference<>();
    List<PeerServer> peerPorts = new ArrayList<>();
    for (URI url : config.listenPeerUrls()) {
      peerPorts.add(
          PeerServer.start(
              url.getHost(),
              url.getPort(),
              opened::get,
              memberDir.resolve("snap"),
              log::info,
              peerMetrics));
    }
    int[] loopNumber = {0};
    ServerEnvironment env =
        new ServerEnvironment(
            System::nanoTime,
            System.currentTimeMillis(),
            task ->
                Thread.ofPlatform().name("etcdj-loop-" + loopNumber[0]++).daemon(true).start(task),
            requests,
            new SplittableRandom(),
            new NioFileSystem(),
            backend,
            transport,
            version.etcdApiVersion());
    EtcdServer server;
    try {
      server = EtcdServer.open(config, env, log::info);
    } catch (IOException | RuntimeException e) {
      backend.close();
      for (PeerServer p : peerPorts) {
        p.close();
      }
      throw e;
    }
    transport.attach(server);
    opened.set(server);
    server.start();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(EVENT_LOOPS));
    Router router = Router.router(vertx);
    HttpEndpoints.mount(router, version.etcdApiVersion(), new State(server));
    GrpcMetrics grpcMetrics = new GrpcMetrics();
    MetricsEndpoint.mount(
        router, server, config.effectiveQuotaBackendBytes(), grpcMetrics, peerMetrics);
    GatewayRoutes.mount(router, server); // last: it ends with the catch-all for /v3 paths
    List<ClientPortServer> ports = new ArrayList<>();
    for (URI url : config.listenClientUrls()) {
      ports.add(
          ClientPortServer.start(
              vertx,
              url.getHost(),
              url.getPort(),
              EtcdServices.of(server, requests, grpcMetrics),
              router,
              config.maxRequestBytes() + 512 * 1024,
              EVENT_LOOPS));
    }
    return new Member(server, vertx, ports, requests, peerPorts, transport);
  }

  EtcdServer server() {
    return server;
  }

  /** What /health and /version read. */
  private record State(EtcdServer server) implements HttpEndpoints.MemberState {
    @Override
    public boolean hasLeader() {
      return server.leader() != 0 && server.failure() == null;
    }

    @Override
    public List<String> activeAlarms() {
      return server.alarms().stream().map(a -> a.getAlarm().name()).toList();
    }

    @Override
    public String clusterVersion() {
      return server.ready() ? "3.4.0" : "not_decided";
    }
  }

  @Override
  public void close() throws Exception {
    for (ClientPortServer port : clientPorts) {
      port.close();
    }
    for (PeerServer port : peerPorts) {
      port.close();
    }
    transport.close();
    server.close();
    vertx.close().toCompletionStage().toCompletableFuture().get();
    requests.shutdown();
  }
}
