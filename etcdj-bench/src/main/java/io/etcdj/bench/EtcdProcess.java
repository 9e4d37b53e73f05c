package io.etcdj.bench;

import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A single-member real etcd (Debian's {@code etcd-server}, 3.4) on loopback ports chosen free, with
 * its data in {@code dataDir}: the reference that etcdj is measured and compared against. Started
 * by {@link #start}, ready when a linearizable read succeeds, stopped by its PID (never by name).
 */
public final class EtcdProcess implements AutoCloseable {
  private final Process process;
  private final int clientPort;
  private final String peerUrl;
  private final Path log;
  private final String name;

  private EtcdProcess(Process process, int clientPort, String peerUrl, Path log, String name) {
    this.process = process;
    this.clientPort = clientPort;
    this.peerUrl = peerUrl;
    this.log = log;
    this.name = name;
  }

  /** The etcd binary: {@code $ETCD_BINARY}, else {@code /usr/bin/etcd}. */
  public static String binary() {
    String binary = System.getenv().getOrDefault("ETCD_BINARY", "/usr/bin/etcd");
    if (!new File(binary).canExecute()) {
      throw new IllegalStateException(
          binary + " not found: install etcd 3.4 (apt-get install etcd-server; ./test does it)");
    }
    return binary;
  }

  public static EtcdProcess start(Path dataDir, List<String> extraFlags)
      throws IOException, InterruptedException {
    return start(List.of(binary()), "etcd", dataDir, extraFlags);
  }

  /**
   * The etcdj server from its fat jar, with the JVM flags {@code ./etcdj} uses, started and waited
   * for exactly as etcd is.
   */
  public static EtcdProcess startEtcdj(Path jar, Path dataDir, List<String> extraFlags)
      throws IOException, InterruptedException {
    List<String> launcher =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-opens",
            "java.base/java.nio=ALL-UNNAMED",
            "--add-exports",
            "java.base/sun.nio.ch=ALL-UNNAMED",
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow",
            "-jar",
            jar.toString());
    return start(launcher, "etcdj", dataDir, extraFlags);
  }

  private static EtcdProcess start(
      List<String> launcher, String name, Path dataDir, List<String> extraFlags)
      throws IOException, InterruptedException {
    int client = freePort();
    int peer = freePort();
    String clientUrl = "http://127.0.0.1:" + client;
    String peerUrl = "http://127.0.0.1:" + peer;
    List<String> command = new ArrayList<>(launcher);
    command.addAll(
        List.of(
            "--name",
            "default",
            "--data-dir",
            dataDir.toString(),
            "--listen-client-urls",
            clientUrl,
            "--advertise-client-urls",
            clientUrl,
            "--listen-peer-urls",
            peerUrl,
            "--initial-advertise-peer-urls",
            peerUrl,
            "--initial-cluster",
            "default=" + peerUrl,
            "--logger",
            "zap",
            "--log-outputs",
            "stderr"));
    command.addAll(extraFlags);
    String serverName = name;
    Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    EtcdProcess etcd = new EtcdProcess(process, client, peerUrl, log, serverName);
    try {
      etcd.awaitReady(30);
    } catch (RuntimeException | InterruptedException e) {
      etcd.close();
      throw e;
    }
    return etcd;
  }

  public String endpoint() {
    return "127.0.0.1:" + clientPort;
  }

  /** The peer URL the member was bootstrapped with (token {@code etcd-cluster}). */
  public String peerUrl() {
    return peerUrl;
  }

  public long pid() {
    return process.pid();
  }

  public Path log() {
    return log;
  }

  private void awaitReady(long seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    ManagedChannel channel = NettyChannelBuilder.forTarget(endpoint()).usePlaintext().build();
    try {
      while (true) {
        if (!process.isAlive()) {
          throw new IllegalStateException(
              name + " exited with " + process.exitValue() + "; see " + log);
        }
        try {
          KVGrpc.newBlockingStub(channel)
              .withDeadlineAfter(1, TimeUnit.SECONDS)
              .range(
                  RangeRequest.newBuilder()
                      .setKey(com.google.protobuf.ByteString.copyFromUtf8("ready"))
                      .build());
          return;
        } catch (StatusRuntimeException notYet) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(
                name + " not ready within " + seconds + " s; see " + log, notYet);
          }
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
      }
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
