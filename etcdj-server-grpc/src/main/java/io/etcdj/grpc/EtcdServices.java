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
    RequireLeader requireLeader = new RequireLeader(server);
    return List.<BindableService>of(
            new KvService(server),
            new WatchService(server),
            new LeaseService(server),
            new ClusterService(server),
            new MaintenanceService(server, blocking))
        .stream()
        .map(s -> (BindableService) () -> ServerInterceptors.intercept(s, requireLeader))
        .toList();
  }
}
