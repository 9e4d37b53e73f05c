package io.etcdj.it.harness;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * One member process on loopback, etcdj ({@code java -jar etcdj-app/target/etcdj.jar}) or real etcd
 * 3.4 (see {@link Target}), started with etcd's flags: name, data dir, client and peer URLs,
 * initial cluster, state and token, plus extra flags. Ready when its log says {@code ready to serve
 * client requests} or {@code GET /health} answers 200. Its stdout and stderr go to {@code
 * <name>.log} beside the data dir. Stopped through its {@link Process} handle, never by name.
 */
public final class EtcdjProcess implements AutoCloseable {
  /** How long {@link #start} and {@link #restart} wait for readiness. */
  public static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  /** What a member is started with; {@link #flags} renders it as etcd's command line. */
  public record Config(
      Target target,
      String name,
      Path dataDir,
      int clientPort,
      int peerPort,
      String initialCluster,
      String initialClusterState,
      String initialClusterToken,
      List<String> extraFlags,
      String host,
      List<String> commandPrefix) {
    public Config {
      extraFlags = List.copyOf(extraFlags);
      commandPrefix = List.copyOf(commandPrefix);
    }

    /** A member on 127.0.0.1, started directly. */
    public Config(
        Target target,
        String name,
        Path dataDir,
        int clientPort,
        int peerPort,
        String initialCluster,
        String initialClusterState,
        String initialClusterToken,
        List<String> extraFlags) {
      this(
          target,
          name,
          dataDir,
          clientPort,
          peerPort,
          initialCluster,
          initialClusterState,
          initialClusterToken,
          extraFlags,
          "127.0.0.1",
          List.of());
    }

    public String clientUrl() {
      return "http://" + host + ":" + clientPort;
    }

    public String peerUrl() {
      return "http://" + host + ":" + peerPort;
    }

    /** etcd's flags for this member, identical for every target. */
    public List<String> flags() {
      List<String> flags =
          new ArrayList<>(
              List.of(
                  "--name",
                  name,
                  "--data-dir",
                  dataDir.toString(),
                  "--listen-client-urls",
                  clientUrl(),
                  "--advertise-client-urls",
                  clientUrl(),
                  "--listen-peer-urls",
                  peerUrl(),
                  "--initial-advertise-peer-urls",
                  peerUrl(),
                  "--initial-cluster",
                  initialCluster,
                  "--initial-cluster-state",
                  initialClusterState,
                  "--initial-cluster-token",
                  initialClusterToken));
      flags.addAll(extraFlags);
      return List.copyOf(flags);
    }

    /** Where the member's output goes: {@code <data dir>.log} in the data dir's parent. */
    public Path logFile() {
      return dataDir.resolveSibling(dataDir.getFileName() + ".log");
    }
  }

  private final Config config;
  private Process process;
  private long logOffsetAtStart;

  private EtcdjProcess(Config config, Process process, long logOffsetAtStart) {
    this.config = config;
    this.process = process;
    this.logOffsetAtStart = logOffsetAtStart;
  }

  /** A single etcdj member named {@code default}, token {@code etcd-cluster}, on free ports. */
  public static EtcdjProcess start(Path dataDir, List<String> extraFlags)
      throws IOException, InterruptedException {
    return start(Target.ETCDJ, dataDir, extraFlags);
  }

  /** A single member of {@code target} named {@code default}, token {@code etcd-cluster}. */
  public static EtcdjProcess start(Target target, Path dataDir, List<String> extraFlags)
      throws IOException, InterruptedException {
    List<Integer> ports = Ports.free(2);
    return start(singleMember(target, "default", dataDir, ports.get(0), ports.get(1), extraFlags));
  }

  /** The config of a one-member new cluster. */
  public static Config singleMember(
      Target target,
      String name,
      Path dataDir,
      int clientPort,
      int peerPort,
      List<String> extraFlags) {
    return new Config(
        target,
        name,
        dataDir,
        clientPort,
        peerPort,
        name + "=http://127.0.0.1:" + peerPort,
        "new",
        "etcd-cluster",
        extraFlags);
  }

  /** Starts the member and waits until it is ready (stops it and fails if it is not). */
  public static EtcdjProcess start(Config config) throws IOException, InterruptedException {
    EtcdjProcess member = spawn(config);
    try {
      member.awaitReady(READY_TIMEOUT);
    } catch (RuntimeException | InterruptedException e) {
      member.close();
      throw e;
    }
    return member;
  }

  /**
   * Starts the member without waiting: the members of a new multi-member cluster only become ready
   * together (see {@link Cluster}).
   */
  public static EtcdjProcess spawn(Config config) throws IOException {
    Files.createDirectories(config.dataDir().toAbsolutePath().getParent());
    long offset = Files.exists(config.logFile()) ? Files.size(config.logFile()) : 0;
    return new EtcdjProcess(config, launch(config), offset);
  }

  private static Process launch(Config config) throws IOException {
    List<String> command = new ArrayList<>(config.commandPrefix());
    command.addAll(config.target().command());
    command.addAll(config.flags());
    Path log = config.logFile();
    Files.writeString(
        log,
        "=== " + String.join(" ", command) + System.lineSeparator(),
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .start();
  }

  /**
   * Waits until the member's log (since this start) contains {@code ready to serve client requests}
   * or its {@code /health} answers 200; fails with the log's tail if it exits or the timeout
   * passes.
   */
  public void awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    try {
      while (true) {
        if (!process.isAlive()) {
          throw new IllegalStateException(
              config.target().label()
                  + " member "
                  + config.name()
                  + " exited with "
                  + process.exitValue()
                  + "; log tail:\n"
                  + logTail(40));
        }
        if (logSinceStart().contains("ready to serve client requests") || healthy(http)) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              config.target().label()
                  + " member "
                  + config.name()
                  + " not ready within "
                  + timeout.toSeconds()
                  + " s; log tail:\n"
                  + logTail(40));
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
      }
    } finally {
      http.close();
    }
  }

  private boolean healthy(HttpClient http) throws InterruptedException {
    try {
      HttpResponse<Void> response =
          http.send(
              HttpRequest.newBuilder(URI.create(config.clientUrl() + "/health"))
                  .timeout(Duration.ofSeconds(1))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.discarding());
      return response.statusCode() == 200;
    } catch (IOException notYet) {
      return false;
    }
  }

  private String logSinceStart() {
    try (RandomAccessFile file = new RandomAccessFile(config.logFile().toFile(), "r")) {
      long length = file.length();
      if (length <= logOffsetAtStart) {
        return "";
      }
      byte[] bytes = new byte[(int) Math.min(length - logOffsetAtStart, 8 << 20)];
      file.seek(logOffsetAtStart);
      file.readFully(bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** The last {@code lines} lines of the member's log. */
  public String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(config.logFile(), StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | java.io.UncheckedIOException e) {
      return "(log " + config.logFile() + " unreadable: " + e + ")";
    }
  }

  public Config config() {
    return config;
  }

  public Target target() {
    return config.target();
  }

  /** {@code <host>:<client port>}, the form etcdctl's {@code --endpoints} and gRPC take. */
  public String endpoint() {
    return config.host() + ":" + config.clientPort();
  }

  public String clientUrl() {
    return config.clientUrl();
  }

  public String peerUrl() {
    return config.peerUrl();
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Path log() {
    return config.logFile();
  }

  /** SIGKILL (no shutdown hooks, no flush) and wait for the process to be gone. */
  public void kill9() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("pid " + process.pid() + " survived SIGKILL for 30 s");
    }
  }

  /**
   * Starts the member again on the same data dir, flags and ports (stopping it first if it still
   * runs) and waits until it is ready.
   */
  public void restart() throws IOException, InterruptedException {
    if (process.isAlive()) {
      close();
    }
    logOffsetAtStart = Files.exists(config.logFile()) ? Files.size(config.logFile()) : 0;
    process = launch(config);
    awaitReady(READY_TIMEOUT);
  }

  /** Exit code if the process has ended. */
  public @Nullable Integer exitCode() {
    return process.isAlive() ? null : process.exitValue();
  }

  /** SIGTERM, then SIGKILL after 10 s. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Override
  public String toString() {
    return config.target().label()
        + " "
        + config.name()
        + " pid "
        + process.pid()
        + " at "
        + endpoint();
  }
}
