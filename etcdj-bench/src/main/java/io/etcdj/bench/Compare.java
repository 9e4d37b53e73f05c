package io.etcdj.bench;

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
 * run), against real etcd 3.4 and — once it serves — etcdj, each started fresh on loopback with its
 * data on the same disk; repeated and interleaved (etcd, etcdj, etcd, etcdj …), and written as a
 * Markdown table of medians with ratios. By default every fresh server first gets one unmeasured
 * run of the workload (steady state, not JIT warm-up, is compared; etcd gets the same).
 *
 * <p>etcdj runs from its fat jar ({@code --etcdj-jar}, by default {@code
 * etcdj-app/target/etcdj.jar} beside this jar's module), with the same flags as etcd.
 */
@Command(
    name = "compare",
    description = "Run the workload matrix against etcd (and etcdj) and print a Markdown table.")
final class Compare implements Callable<Integer> {
  @Option(names = "--repeats", defaultValue = "3", description = "runs of each workload per server")
  int repeats = 3;

  @Option(
      names = "--scale",
      defaultValue = "1",
      description = "multiply every workload's request count")
  double scale = 1;

  @Option(
      names = "--data",
      defaultValue = "${java.io.tmpdir}",
      description = "where the servers keep their data")
  Path data = Path.of(System.getProperty("java.io.tmpdir"));

  @Option(names = "--out", description = "also write the table to this file")
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
          "run each workload once unmeasured on every fresh server before the measured run"
              + " (both servers; the JVM's JIT needs it, etcd is given the same)")
  boolean warmup = true;

  private Path etcdjJar() {
    if (!etcdjJar.toString().isEmpty()) {
      return etcdjJar;
    }
    Path benchJar =
        Path.of(BenchMain.class.getProtectionDomain().getCodeSource().getLocation().getPath());
    // <root>/etcdj-bench/target/etcdj-bench.jar -> <root>
    Path root = benchJar.toAbsolutePath().resolve("../../..").normalize();
    return root.resolve("etcdj-app").resolve("target").resolve("etcdj.jar");
  }

  /** One row of the table: a command line for the bench client, minus the endpoint. */
  record Workload(String name, List<String> args) {}

  static List<Workload> workloads(double scale) {
    List<Workload> list = new ArrayList<>();
    for (int clients : new int[] {1, 16, 64, 256}) {
      long total = Math.round((clients == 1 ? 500 : clients == 16 ? 3000 : 6000) * scale);
      list.add(
          new Workload(
              "put, " + clients + " client" + (clients == 1 ? "" : "s"),
              List.of(
                  "put",
                  "--clients",
                  "" + clients,
                  "--conns",
                  "" + Math.min(clients, 8),
                  "--total",
                  "" + total,
                  "--key-space-size",
                  "100000",
                  "--val-size",
                  "256")));
    }
    list.add(
        new Workload(
            "range linearizable, 64 clients",
            List.of(
                "range",
                "foo",
                "--clients",
                "64",
                "--conns",
                "8",
                "--total",
                "" + Math.round(10000 * scale))));
    list.add(
        new Workload(
            "range serializable, 64 clients",
            List.of(
                "range",
                "foo",
                "--consistency",
                "s",
                "--clients",
                "64",
                "--conns",
                "8",
                "--total",
                "" + Math.round(10000 * scale))));
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
                "--total",
                "" + Math.round(6000 * scale),
                "--key-space-size",
                "1000")));
    return list;
  }

  record Sample(double requestsPerSecond, double p99Seconds, long errors) {}

  @Override
  public Integer call() throws Exception {
    List<Workload> workloads =
        workloads(scale).stream().filter(w -> w.name().contains(only)).toList();
    Path jar = etcdjJar();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " not found: build etcdj first (./mvnw package)");
    }
    Map<String, List<Sample>> etcd = new LinkedHashMap<>();
    Map<String, List<Sample>> etcdj = new LinkedHashMap<>();
    for (int r = 0; r < repeats; r++) {
      for (Workload w : workloads) {
        for (boolean isEtcdj : new boolean[] {false, true}) {
          Path dir = Files.createTempDirectory(data, isEtcdj ? "etcdj-compare" : "etcd-compare");
          try (EtcdProcess server =
              isEtcdj
                  ? EtcdProcess.startEtcdj(jar, dir.resolve("data"), List.of())
                  : EtcdProcess.start(dir.resolve("data"), List.of())) {
            if (warmup) {
              runClient(server.endpoint(), w);
            }
            (isEtcdj ? etcdj : etcd)
                .computeIfAbsent(w.name(), k -> new ArrayList<>())
                .add(runClient(server.endpoint(), w));
          } finally {
            deleteTree(dir);
          }
          System.err.printf(
              Locale.ROOT,
              "%s run %d/%d: %s done%n",
              isEtcdj ? "etcdj" : "etcd",
              r + 1,
              repeats,
              w.name());
        }
      }
    }
    String table = table(workloads, etcd, etcdj);
    System.out.print(table);
    if (!out.toString().isEmpty()) {
      Files.writeString(out, table);
    }
    return 0;
  }

  static String table(
      List<Workload> workloads, Map<String, List<Sample>> etcd, Map<String, List<Sample>> etcdj) {
    StringBuilder t = new StringBuilder();
    t.append(
        "| workload | etcd req/s (median) | etcd p99 ms | etcdj req/s (median) | etcdj p99 ms |"
            + " etcdj / etcd req/s | etcdj / etcd p99 |\n");
    t.append("|---|---:|---:|---:|---:|---:|---:|\n");
    for (Workload w : workloads) {
      List<Sample> a = etcd.getOrDefault(w.name(), List.of());
      List<Sample> b = etcdj.getOrDefault(w.name(), List.of());
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
              errors == 0 ? w.name() : w.name() + " (" + errors + " errors)",
              aRate,
              aP99,
              bRate,
              bP99,
              bRate / aRate,
              bP99 / aP99));
    }
    return t.toString();
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

  /** Runs this jar's client against {@code endpoint}, in its own JVM, and reads its JSON. */
  static Sample runClient(String endpoint, Workload workload)
      throws IOException, InterruptedException {
    Path jar =
        Path.of(BenchMain.class.getProtectionDomain().getCodeSource().getLocation().getPath());
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-jar");
    command.add(jar.toString());
    command.addAll(workload.args());
    command.addAll(List.of("--endpoints", endpoint, "--json"));
    Process process =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String json = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(10, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new IllegalStateException("bench client did not finish: " + command);
    }
    return new Sample(
        number(json, "requestsPerSecond"),
        number(json, "p99Seconds"),
        (long) number(json, "errors"));
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
