package io.etcdj.grpc;

import io.etcdj.server.EtcdServer;
import io.grpc.BindableService;
import io.grpc.ServerInterceptors;
import java.util.List;
import java.util.concurrent.Executor;

/** The v3 gRPC services a member serves on its client port. */
public final class EtcdServices {
  private EtcdServices() {}

  /**
   * @param blocking runs work that blocks (hashing, snapshot streaming), never an event loop
   */
  public static List<BindableService> of(EtcdServer server, Executor blocking) {
    return of(server, blocking, new GrpcMetrics());
  }

  /** With {@code metrics} counting every call (what {@code /metrics} shows as grpc_server_*). */
  public static List<BindableService> of(
      EtcdServer server, Executor blocking, GrpcMetrics metrics) {
    RequireLeader requireLeader = new RequireLeader(server);
    LearnerGuard learnerGuard = new LearnerGuard(server);
    return List.<BindableService>of(
            new KvService(server),
            new WatchService(server),
            new LeaseService(server),
            new ClusterService(server),
            new MaintenanceService(server, blocking))
        .stream()
        .map(
            s -> {
              metrics.register(s.bindService());
              return (BindableService)
                  () -> ServerInterceptors.intercept(s, learnerGuard, requireLeader, metrics);
            })
        .toList();
  }
}
