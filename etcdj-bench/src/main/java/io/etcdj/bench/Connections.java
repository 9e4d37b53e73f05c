package io.etcdj.bench;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code conns} gRPC connections spread round-robin over the endpoints; client {@code i} uses
 * connection {@code i % conns}, as etcd's benchmark spreads its clients.
 */
final class Connections implements AutoCloseable {
  private final List<ManagedChannel> channels = new ArrayList<>();

  Connections(List<String> endpoints, int conns) {
    if (endpoints.isEmpty() || conns < 1) {
      throw new IllegalArgumentException("need at least one endpoint and one connection");
    }
    for (int i = 0; i < conns; i++) {
      String endpoint = endpoints.get(i % endpoints.size()).replaceFirst("^https?://", "");
      channels.add(
          NettyChannelBuilder.forTarget(endpoint)
              .usePlaintext()
              .maxInboundMessageSize(Integer.MAX_VALUE)
              .build());
    }
  }

  /**
   * Connects every channel and waits until all are ready, so the first timed requests do not pay
   * for connection setup.
   */
  Connections awaitReady(long timeoutSeconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    for (ManagedChannel channel : channels) {
      while (true) {
        ConnectivityState state = channel.getState(true);
        if (state == ConnectivityState.READY) {
          break;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException(
              "could not connect within " + timeoutSeconds + " s (" + state + ")");
        }
        CountDownLatch changed = new CountDownLatch(1);
        channel.notifyWhenStateChanged(state, changed::countDown);
        changed.await(left, TimeUnit.NANOSECONDS);
      }
    }
    return this;
  }

  ManagedChannel forClient(int client) {
    return channels.get(client % channels.size());
  }

  @Override
  public void close() throws InterruptedException {
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
    for (ManagedChannel c : channels) {
      c.awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
