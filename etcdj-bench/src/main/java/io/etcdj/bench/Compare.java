package io.etcdj.bench;

import io.etcdj.api.etcdserverpb.MaintenanceGrpc;
import io.etcdj.api.etcdserverpb.StatusRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code etcdj-bench compare}: the same workloads, with the same client (this jar, one process per
 * run), against real etcd 3.4 and etcdj, each started fresh on loopback (one member, then three)
 * with its data on the same disk; repeated and interleaved (etcd, etcdj, etcd, etcdj …), and
 * written as Markdown tables of medians with ratios: throughput and p99 per workload, one client's
 * put latency against the disk's fsync, and the storage figures (a 1 M-key load, RSS, db size,
 * compaction and defrag under load, restart). Each fresh cluster first runs the whole workload list
 * once unmeasured, then once measured (steady state, not JIT warm-up, is compared; etcd gets the
 * same).
 *
 * <p>etcdj runs from its fat jar ({@code --etcdj-jar}, by default {@code
 * etcdj-app/target/etcdj.jar} beside this jar's module), with the same flags as etcd.
 */
@Command(
    name = "compare",
    description = "Run the workload matrix against etcd and etcdj and print Markdown tables.")
final class Compare implements Callable<Integer> {
  @Option(names = "--repeats", defaultValue = "3", description = "runs of each workload per server")
  int repeats = 3;

  @Option(names = "--seconds", defaultValue = "5", description = "how long each measured run lasts")
  double seconds = 5;

  @Option(
      names = "--warmup-seconds",
      defaultValue = "10",
      description =
          "how long each workload runs in the unmeasured pass (etcdj's JIT needs about a minute"
              + " of a workload to settle with three members on two cores: docs/BENCHMARKS.md)")
  double warmupSeconds = 10;

  @Option(
      names = "--members",
      split = ",",
      defaultValue = "1,3",
      description = "cluster sizes to run every workload at")
  List<Integer> members = List.of(1, 3);

  @Option(
      names = "--storage-keys",
      defaultValue = "1000000",
      description = "keys (256-byte values) of the storage run; 0 skips it")
  long storageKeys = 1_000_000;

  @Option(
      names = "--storage-repeats",
      defaultValue = "-1",
      description = "storage runs per server (default: --repeats)")
  int storageRepeats = -1;

  @Option(
      names = "--data",
      defaultValue = "${java.io.tmpdir}",
      description = "where the servers keep their data")
  Path data = Path.of(System.getProperty("java.io.tmpdir"));

  @Option(names = "--out", description = "also write the tables to this file")
  Path out = Path.of("");

  @Option(
      names = "--etcdj-jar",
      description = "the etcdj server's fat jar (default: etcdj-app/target/etcdj.jar)")
  Path etcdjJar = Path.of("");

  @Option(names = "--only", description = "run only the workloads whose name contains this")
  String only = "";

  @Option(
      names = "--warmup",
      defaultValue = "true",
      negatable = true,
      description =
          "run the workload list once unmeasured on every fresh cluster before the measured runs"
              + " (both servers; the JVM's JIT needs it, etcd is given the same)")
  boolean warmup = true;

  private Path etcdjJar() {
    if (!etcdjJar.toString().isEmpty()) {
      return etcdjJar;
    }
    // <root>/etcdj-bench/target/etcdj-bench.jar -> <root>
    Path root = benchJar().toAbsolutePath().resolve("../../..").normalize();
    return root.resolve("etcdj-app").resolve("target").resolve("etcdj.jar");
  }

  private static Path benchJar() {
    return Path.of(BenchMain.class.getProtectionDomain().getCodeSource().getLocation().getPath());
  }

  /**
   * One row of the throughput table: a command line for the bench client, minus the endpoints, and
   * the JSON field that is its rate ({@code requestsPerSecond}, or e.g. {@code eventsPerSecond} for
   * a watch run).
   */
  record Workload(String name, List<String> args, String rateField) {
    Workload(String name, List<String> args) {
      this(name, args, "requestsPerSecond");
    }
  }

  /** A server under test: its name in the tables and the command that runs it. */
  record Server(String name, List<String> launcher) {}

  static List<Workload> workloads() {
    List<Workload> list = new ArrayList<>();
    for (int clients : new int[] {1, 16, 64, 256}) {
      list.add(
          new Workload(
              "put, " + clients + " client" + (clients == 1 ? "" : "s"),
              List.of(
                  "put",
                  "--clients",
                  "" + clients,
                  "--conns",
                  "" + Math.min(clients, 8),
                  "--key-space-size",
                  "100000",
                  "--val-size",
                  "256")));
    }
    for (String consistency : new String[] {"linearizable", "serializable"}) {
      list.add(
          new Workload(
              "range " + consistency + ", 64 clients",
              List.of(
                  "range",
                  "foo",
                  "--consistency",
                  consistency.substring(0, 1),
                  "--clients",
                  "64",
                  "--conns",
                  "8")));
    }
    list.add(
        new Workload(
            "txn-mixed 4:1, 64 clients",
            List.of(
                "txn-mixed",
                "--rw-ratio",
                "4",
                "--clients",
                "64",
                "--conns",
                "8",
                "--key-space-size",
                "1000",
                "--val-size",
                "256")));
    list.add(
        new Workload(
            "lease-keepalive, 64 clients",
            List.of("lease-keepalive", "--clients", "64", "--conns", "8")));
    list.add(
        new Workload(
            "watch events/s, 10 streams × 10 watchers, 16 put clients",
            List.of(
                "watch",
                "--streams",
                "10",
                "--watchers-per-stream",
                "10",
                "--clients",
                "16",
                "--conns",
                "8",
                "--val-size",
                "256"),
            "eventsPerSecond"));
    return list;
  }

  /** One measured run, from the client's JSON. */
  record Sample(double requestsPerSecond, double p99Seconds, double averageSeconds, long errors) {
    static Sample of(String json) {
      return of(json, "requestsPerSecond");
    }

    /**
     * With the rate read from {@code rateField}; a watch run's events that never arrived count as
     * errors.
     */
    static Sample of(String json, String rateField) {
      long missing =
          json.contains("\"eventsExpected\":")
              ? (long) (number(json, "eventsExpected") - number(json, "eventsReceived"))
              : 0;
      return new Sample(
          number(json, rateField),
          number(json, "p99Seconds"),
          number(json, "averageSeconds"),
          (long) number(json, "errors") + missing);
    }
  }

  /** Samples by row, then by server name. */
  static final class Results {
    final Map<String, Map<String, List<Sample>>> rows = new LinkedHashMap<>();

    void add(String row, String server, Sample sample) {
      rows.computeIfAbsent(row, k -> new LinkedHashMap<>())
          .computeIfAbsent(server, k -> new ArrayList<>())
          .add(sample);
    }

    List<Sample> get(String row, String server) {
      return rows.getOrDefault(row, Map.of()).getOrDefault(server, List.of());
    }
  }

  static String rowName(Workload w, int members) {
    return members == 1 ? w.name() : w.name() + ", " + members + " members";
  }

  @Override
  public Integer call() throws Exception {
    List<Workload> workloads = workloads().stream().filter(w -> w.name().contains(only)).toList();
    Path jar = etcdjJar();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " not found: build etcdj first (./mvnw package)");
    }
    Files.createDirectories(data);
    List<Server> servers =
        List.of(
            new Server("etcd", EtcdProcess.etcdLauncher()),
            new Server("etcdj", EtcdProcess.etcdjLauncher(jar)));
    String duration = String.format(Locale.ROOT, "%.1fs", seconds);
    String warmupDuration = String.format(Locale.ROOT, "%.1fs", warmupSeconds);
    List<Sample> fsyncs = new ArrayList<>();
    Results results = new Results();
    for (int r = 0; r < repeats; r++) {
      fsyncs.add(
          Sample.of(
              runClient(
                  List.of(
                      "fsync",
                      "--dir",
                      data.toString(),
                      "--val-size",
                      "256",
                      "--duration",
                      duration),
                  List.of())));
      for (int size : members) {
        for (Server server : servers) {
          measureCluster(server, size, workloads, warmupDuration, duration, results);
          System.err.printf(
              Locale.ROOT,
              "%s run %d/%d, %d member(s): done%n",
              server.name(),
              r + 1,
              repeats,
              size);
        }
      }
    }
    Map<String, Map<String, List<Double>>> storage = new LinkedHashMap<>();
    int storageRuns = storageRepeats < 0 ? repeats : storageRepeats;
    for (int r = 0; storageKeys > 0 && r < storageRuns; r++) {
      for (Server server : servers) {
        storageRun(server, storage);
        System.err.printf(
            Locale.ROOT, "%s storage run %d/%d done%n", server.name(), r + 1, storageRuns);
      }
    }
    StringBuilder tables = new StringBuilder();
    List<String> rows = new ArrayList<>();
    for (int size : members) {
      for (Workload w : workloads) {
        rows.add(rowName(w, size));
      }
    }
    tables.append(table(rows, results)).append('\n');
    if (!results.get("put, 1 client", "etcd").isEmpty()) {
      tables.append(fsyncTable(fsyncs, results)).append('\n');
    }
    if (!storage.isEmpty()) {
      tables.append(storageTable(storage, storageKeys));
    }
    System.out.print(tables);
    if (!out.toString().isEmpty()) {
      Files.writeString(out, tables);
    }
    return 0;
  }

  /**
   * Starts a fresh cluster of {@code size} members of {@code server}, runs every workload once
   * unmeasured for {@code warmupDuration} (if warming up) and then once measured for {@code
   * duration}, and stops it.
   */
  private void measureCluster(
      Server server,
      int size,
      List<Workload> workloads,
      String warmupDuration,
      String duration,
      Results results)
      throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory(data, server.name() + "-compare");
    List<Path> dataDirs = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      dataDirs.add(dir.resolve("data" + i));
    }
    List<EtcdProcess> cluster =
        EtcdProcess.startCluster(server.launcher(), server.name(), dataDirs, List.of());
    try {
      List<String> endpoints = cluster.stream().map(EtcdProcess::endpoint).toList();
      for (boolean measured : warmup ? new boolean[] {false, true} : new boolean[] {true}) {
        for (Workload w : workloads) {
          List<String> args = new ArrayList<>(w.args());
          args.addAll(List.of("--duration", measured ? duration : warmupDuration));
          String json = runClient(args, endpoints);
          if (measured) {
            results.add(rowName(w, size), server.name(), Sample.of(json, w.rateField()));
          }
        }
      }
    } finally {
      for (EtcdProcess member : cluster) {
        member.close();
      }
      deleteTree(dir);
    }
  }

  /** The throughput table: per row, medians of etcd and etcdj with the ratios. */
  static String table(List<String> rows, Results results) {
    StringBuilder t = new StringBuilder();
    t.append(
        "| workload | etcd req/s (median) | etcd p99 ms | etcdj req/s (median) | etcdj p99 ms |"
            + " etcdj / etcd req/s | etcdj / etcd p99 |\n");
    t.append("|---|---:|---:|---:|---:|---:|---:|\n");
    for (String row : rows) {
      List<Sample> a = results.get(row, "etcd");
      List<Sample> b = results.get(row, "etcdj");
      long errors =
          a.stream().mapToLong(Sample::errors).sum() + b.stream().mapToLong(Sample::errors).sum();
      double aRate = median(a.stream().mapToDouble(Sample::requestsPerSecond).toArray());
      double aP99 = median(a.stream().mapToDouble(Sample::p99Seconds).toArray()) * 1000;
      double bRate = median(b.stream().mapToDouble(Sample::requestsPerSecond).toArray());
      double bP99 = median(b.stream().mapToDouble(Sample::p99Seconds).toArray()) * 1000;
      t.append(
          String.format(
              Locale.ROOT,
              "| %s | %,.0f | %.1f | %,.0f | %.1f | %.2f× | %.2f× |%n",
              errors == 0 ? row : row + " (" + errors + " errors)",
              aRate,
              aP99,
              bRate,
              bP99,
              bRate / aRate,
              bP99 / aP99));
    }
    return t.toString();
  }

  /** One client's put latency (mean, single member) against the disk's write + fdatasync. */
  static String fsyncTable(List<Sample> fsyncs, Results results) {
    double fsync = median(fsyncs.stream().mapToDouble(Sample::averageSeconds).toArray()) * 1000;
    double fsyncP99 = median(fsyncs.stream().mapToDouble(Sample::p99Seconds).toArray()) * 1000;
    StringBuilder t = new StringBuilder();
    t.append(
        String.format(
            Locale.ROOT,
            "The disk: a 256-byte append to a preallocated file + fdatasync, mean %.3f ms, p99 %.3f"
                + " ms (median of %d runs).%n%n",
            fsync,
            fsyncP99,
            fsyncs.size()));
    t.append("| put, 1 client, single member | etcd | etcdj |\n|---|---:|---:|\n");
    double etcd =
        median(
                results.get("put, 1 client", "etcd").stream()
                    .mapToDouble(Sample::averageSeconds)
                    .toArray())
            * 1000;
    double etcdj =
        median(
                results.get("put, 1 client", "etcdj").stream()
                    .mapToDouble(Sample::averageSeconds)
                    .toArray())
            * 1000;
    t.append(String.format(Locale.ROOT, "| mean latency, ms | %.3f | %.3f |%n", etcd, etcdj));
    t.append(
        String.format(
            Locale.ROOT,
            "| mean latency / fsync (target ≤ 1.3×) | %.2f× | %.2f× |%n",
            etcd / fsync,
            etcdj / fsync));
    return t.toString();
  }

  /** The storage table's rows, in order, with how each is printed. */
  static final Map<String, String> STORAGE_ROWS = storageRows();

  private static Map<String, String> storageRows() {
    Map<String, String> rows = new LinkedHashMap<>();
    rows.put("load, keys/s (txns of 128 puts, 16 clients)", "%,.0f");
    rows.put("RSS after the load, MiB", "%,.0f");
    rows.put("db size after the load, MiB", "%,.0f");
    rows.put("db size after overwriting every key once, MiB", "%,.0f");
    rows.put("put p99, 16 clients, no maintenance, ms", "%.1f");
    rows.put("compaction of the overwritten revisions, s", "%.2f");
    rows.put("put p99 during the compaction, ms", "%.1f");
    rows.put("defrag, s", "%.2f");
    rows.put("put p99 during the defrag, ms", "%.1f");
    rows.put("db size after compaction + defrag, MiB", "%,.0f");
    rows.put("restart to serving, s", "%.2f");
    rows.put("RSS after the restart, MiB", "%,.0f");
    return rows;
  }

  /**
   * One storage run on a fresh single member: load {@code storageKeys} keys, overwrite them, put
   * while compacting and while defragmenting, restart; figures into {@code into}.
   */
  private void storageRun(Server server, Map<String, Map<String, List<Double>>> into)
      throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory(data, server.name() + "-storage");
    Map<String, Double> figures = new LinkedHashMap<>();
    EtcdProcess member =
        EtcdProcess.start(server.launcher(), server.name(), dir.resolve("data"), List.of());
    try {
      List<String> endpoint = List.of(member.endpoint());
      int txnOps = 128;
      List<String> load =
          List.of(
              "txn-put",
              "--txn-ops",
              "" + txnOps,
              "--total",
              "" + (storageKeys + txnOps - 1) / txnOps,
              "--clients",
              "16",
              "--conns",
              "8",
              "--key-size",
              "32",
              "--val-size",
              "256");
      Sample loaded = Sample.of(runClient(load, endpoint));
      figures.put(
          "load, keys/s (txns of 128 puts, 16 clients)", loaded.requestsPerSecond() * txnOps);
      figures.put("RSS after the load, MiB", member.rssBytes() / 1048576.0);
      figures.put("db size after the load, MiB", dbSize(member.endpoint()) / 1048576.0);
      runClient(load, endpoint);
      figures.put(
          "db size after overwriting every key once, MiB", dbSize(member.endpoint()) / 1048576.0);
      List<String> puts =
          List.of(
              "put",
              "--clients",
              "16",
              "--conns",
              "8",
              "--key-size",
              "32",
              "--val-size",
              "256",
              "--key-space-size",
              "" + storageKeys);
      List<String> quiet = new ArrayList<>(puts);
      quiet.addAll(List.of("--duration", "5s"));
      figures.put(
          "put p99, 16 clients, no maintenance, ms",
          Sample.of(runClient(quiet, endpoint)).p99Seconds() * 1000);
      for (String what : new String[] {"compact", "defrag"}) {
        List<String> during = new ArrayList<>(puts);
        during.addAll(List.of("--duration", "600s", "--during", what));
        String json = runClient(during, endpoint);
        boolean compact = what.equals("compact");
        figures.put(
            compact ? "compaction of the overwritten revisions, s" : "defrag, s",
            number(json, "maintenanceSeconds"));
        figures.put(
            compact ? "put p99 during the compaction, ms" : "put p99 during the defrag, ms",
            Sample.of(json).p99Seconds() * 1000);
      }
      figures.put("db size after compaction + defrag, MiB", dbSize(member.endpoint()) / 1048576.0);
      member.close();
      long begin = System.nanoTime();
      member = member.startAgain();
      figures.put("restart to serving, s", (System.nanoTime() - begin) / 1e9);
      figures.put("RSS after the restart, MiB", member.rssBytes() / 1048576.0);
    } finally {
      member.close();
      deleteTree(dir);
    }
    figures.forEach(
        (k, v) ->
            into.computeIfAbsent(k, x -> new LinkedHashMap<>())
                .computeIfAbsent(server.name(), x -> new ArrayList<>())
                .add(v));
  }

  static String storageTable(Map<String, Map<String, List<Double>>> storage, long keys) {
    StringBuilder t = new StringBuilder();
    t.append(
        String.format(
            Locale.ROOT,
            "| storage, %,d keys of 256 B, single member | etcd (median) | etcdj (median) | etcdj /"
                + " etcd |%n",
            keys));
    t.append("|---|---:|---:|---:|\n");
    for (Map.Entry<String, String> row : STORAGE_ROWS.entrySet()) {
      Map<String, List<Double>> byServer = storage.getOrDefault(row.getKey(), Map.of());
      double a = median(byServer.getOrDefault("etcd", List.of()));
      double b = median(byServer.getOrDefault("etcdj", List.of()));
      t.append(
          String.format(
              Locale.ROOT,
              "| %s | " + row.getValue() + " | " + row.getValue() + " | %.2f× |%n",
              row.getKey(),
              a,
              b,
              b / a));
    }
    return t.toString();
  }

  static double median(List<Double> values) {
    return median(values.stream().mapToDouble(Double::doubleValue).toArray());
  }

  static double median(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted.length % 2 == 1
        ? sorted[sorted.length / 2]
        : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  }

  /** The member's backend size as it reports it (Maintenance.Status {@code dbSize}). */
  static long dbSize(String endpoint) throws InterruptedException {
    ManagedChannel channel = NettyChannelBuilder.forTarget(endpoint).usePlaintext().build();
    try {
      return MaintenanceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(30, TimeUnit.SECONDS)
          .status(StatusRequest.getDefaultInstance())
          .getDbSize();
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * Runs this jar's client with {@code args} (and {@code endpoints}, if any) in its own JVM and
   * returns its JSON; a run with failed requests or no JSON is an error.
   */
  static String runClient(List<String> args, List<String> endpoints)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-jar");
    command.add(benchJar().toString());
    command.addAll(args);
    if (!endpoints.isEmpty()) {
      command.addAll(List.of("--endpoints", String.join(",", endpoints)));
    }
    command.add("--json");
    Process process =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String json = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(15, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new IllegalStateException("bench client did not finish: " + command);
    }
    if (!json.contains("\"requestsPerSecond\"")) {
      throw new IllegalStateException(
          "bench client exited with " + process.exitValue() + " and no result: " + command);
    }
    return json;
  }

  static double number(String json, String field) {
    Matcher m = Pattern.compile("\"" + field + "\":([0-9.eE+-]+)").matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("no " + field + " in bench output: " + json);
    }
    return Double.parseDouble(m.group(1));
  }

  static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
