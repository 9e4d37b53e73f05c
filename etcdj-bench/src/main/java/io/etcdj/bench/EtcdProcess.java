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
 * A real etcd member (Debian's {@code etcd-server}, 3.4) — or an etcdj member started the same way
 * — on loopback ports chosen free: the reference that etcdj is measured and compared against.
 * Started by {@link #start} (one member) or {@link #startCluster}, ready when a linearizable read
 * succeeds, stopped by its PID (never by name).
 */
public final class EtcdProcess implements AutoCloseable {
  private final Process process;
  private final List<String> command;
  private final int clientPort;
  private final String peerUrl;
  private final Path log;
  private final String name;

  private EtcdProcess(
      Process process,
      List<String> command,
      int clientPort,
      String peerUrl,
      Path log,
      String name) {
    this.process = process;
    this.command = List.copyOf(command);
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
    return start(etcdLauncher(), "etcd", dataDir, extraFlags);
  }

  /** The command that runs etcd: its binary. */
  public static List<String> etcdLauncher() {
    return List.of(binary());
  }

  /**
   * The command that runs etcdj from its fat jar, with the JVM flags {@code ./etcdj} uses
   * (including {@code $ETCDJ_JAVA_OPTS}, split at spaces, as {@code ./etcdj} adds them).
   */
  public static List<String> etcdjLauncher(Path jar) {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens",
                "java.base/java.nio=ALL-UNNAMED",
                "--add-exports",
                "java.base/sun.nio.ch=ALL-UNNAMED",
                "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow"));
    String extra = System.getenv().getOrDefault("ETCDJ_JAVA_OPTS", "").trim();
    if (!extra.isEmpty()) {
      command.addAll(List.of(extra.split("\\s+")));
    }
    command.addAll(List.of("-jar", jar.toString()));
    return List.copyOf(command);
  }

  /**
   * The etcdj server from its fat jar, with the JVM flags {@code ./etcdj} uses, started and waited
   * for exactly as etcd is.
   */
  public static EtcdProcess startEtcdj(Path jar, Path dataDir, List<String> extraFlags)
      throws IOException, InterruptedException {
    return start(etcdjLauncher(jar), "etcdj", dataDir, extraFlags);
  }

  /**
   * A single member named {@code default}, run by {@code launcher} ({@link #etcdLauncher()} or
   * {@link #etcdjLauncher}), on free loopback ports; returns once it serves.
   */
  public static EtcdProcess start(
      List<String> launcher, String name, Path dataDir, List<String> extraFlags)
      throws IOException, InterruptedException {
    return startCluster(launcher, name, List.of(dataDir), extraFlags).get(0);
  }

  /**
   * A new cluster of {@code dataDirs.size()} members ({@code m0}, {@code m1} … or {@code default}
   * alone) on free loopback ports, all started before any is waited for; returns once every member
   * serves a linearizable read (so a leader is elected).
   */
  public static List<EtcdProcess> startCluster(
      List<String> launcher, String name, List<Path> dataDirs, List<String> extraFlags)
      throws IOException, InterruptedException {
    int size = dataDirs.size();
    List<String> names = new ArrayList<>();
    List<Integer> clientPorts = new ArrayList<>();
    List<String> peerUrls = new ArrayList<>();
    StringBuilder initialCluster = new StringBuilder();
    for (int i = 0; i < size; i++) {
      names.add(size == 1 ? "default" : "m" + i);
      clientPorts.add(freePort());
      peerUrls.add("http://127.0.0.1:" + freePort());
      initialCluster.append(i == 0 ? "" : ",").append(names.get(i)).append('=');
      initialCluster.append(peerUrls.get(i));
    }
    List<EtcdProcess> members = new ArrayList<>();
    try {
      for (int i = 0; i < size; i++) {
        String clientUrl = "http://127.0.0.1:" + clientPorts.get(i);
        List<String> command = new ArrayList<>(launcher);
        command.addAll(
            List.of(
                "--name",
                names.get(i),
                "--data-dir",
                dataDirs.get(i).toString(),
                "--listen-client-urls",
                clientUrl,
                "--advertise-client-urls",
                clientUrl,
                "--listen-peer-urls",
                peerUrls.get(i),
                "--initial-advertise-peer-urls",
                peerUrls.get(i),
                "--initial-cluster",
                initialCluster.toString(),
                "--logger",
                "zap",
                "--log-outputs",
                "stderr"));
        command.addAll(extraFlags);
        Path dataDir = dataDirs.get(i);
        Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
        members.add(
            new EtcdProcess(
                spawn(command, log), command, clientPorts.get(i), peerUrls.get(i), log, name));
      }
      for (EtcdProcess member : members) {
        member.awaitReady(60);
      }
    } catch (IOException | RuntimeException | InterruptedException e) {
      for (EtcdProcess member : members) {
        member.close();
      }
      throw e;
    }
    return members;
  }

  private static Process spawn(List<String> command, Path log) throws IOException {
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
  }

  /**
   * Starts this member again, once {@link #close() stopped}, with the same command, ports and data;
   * returns the new process once it serves.
   */
  public EtcdProcess startAgain() throws IOException, InterruptedException {
    if (process.isAlive()) {
      throw new IllegalStateException(name + " is still running; close it first");
    }
    EtcdProcess again =
        new EtcdProcess(spawn(command, log), command, clientPort, peerUrl, log, name);
    try {
      again.awaitReady(300);
    } catch (RuntimeException | InterruptedException e) {
      again.close();
      throw e;
    }
    return again;
  }

  /** The resident set size of the server's process now ({@code VmRSS}), in bytes. */
  public long rssBytes() throws IOException {
    for (String line : java.nio.file.Files.readAllLines(Path.of("/proc", pid() + "", "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IOException("no VmRSS for process " + pid());
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
