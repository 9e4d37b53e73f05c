package io.etcdj.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real etcdj-bench jar, as a process, against a real etcd 3.4 on loopback. */
class BenchAgainstRealEtcdIT {
  @TempDir static Path tmp;
  private static EtcdProcess etcd;

  @BeforeAll
  static void startEtcd() throws Exception {
    etcd = EtcdProcess.start(tmp.resolve("etcd-data"), List.of());
  }

  @AfterAll
  static void stopEtcd() throws Exception {
    etcd.close();
  }

  record Run(int exitCode, String stdout) {
    long number(String field) {
      Matcher m = Pattern.compile("\"" + field + "\":([0-9.]+)").matcher(stdout);
      assertThat(m.find()).as("field %s in %s", field, stdout).isTrue();
      return (long) Double.parseDouble(m.group(1));
    }
  }

  static Run bench(String... args) throws IOException, InterruptedException {
    Path jar =
        Path.of(
            System.getProperty("etcdj.project.root"), "etcdj-bench", "target", "etcdj-bench.jar");
    assertThat(jar).exists();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-jar");
    command.add(jar.toString());
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    byte[] out = process.getInputStream().readAllBytes();
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  @Test
  void putWritesEveryRequestAndReportsItsLatencies() throws Exception {
    Run run =
        bench(
            "put",
            "--endpoints",
            etcd.endpoint(),
            "--clients",
            "8",
            "--conns",
            "2",
            "--total",
            "400",
            "--key-space-size",
            "100",
            "--sequential-keys",
            "--key-size",
            "12",
            "--json");
    assertThat(run.exitCode()).isZero();
    assertThat(run.number("requests")).isEqualTo(400);
    assertThat(run.number("errors")).isZero();
    assertThat(run.stdout()).contains("\"p99Seconds\":").contains("\"requestsPerSecond\":");
    ManagedChannel channel = NettyChannelBuilder.forTarget(etcd.endpoint()).usePlaintext().build();
    try {
      long count =
          KVGrpc.newBlockingStub(channel)
              .range(
                  RangeRequest.newBuilder()
                      .setKey(ByteString.copyFromUtf8("000000000000"))
                      .setRangeEnd(ByteString.copyFromUtf8("000000000100"))
                      .setCountOnly(true)
                      .build())
              .getCount();
      assertThat(count).as("12-digit sequential keys 0..99").isEqualTo(100);
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void watchLatencyDeliversEveryEventToEveryWatcher() throws Exception {
    Run run =
        bench(
            "watch-latency",
            "--endpoints",
            etcd.endpoint(),
            "--total",
            "50",
            "--rate",
            "100",
            "--streams",
            "2",
            "--watchers-per-stream",
            "3",
            "--json");
    assertThat(run.exitCode()).isZero();
    assertThat(run.number("eventsReceived")).isEqualTo(300);
    assertThat(run.number("requests")).as("one latency per event").isEqualTo(300);
  }

  @Test
  void everyCommandRunsCleanly() throws Exception {
    for (String[] args :
        List.of(
            new String[] {"range", "foo", "--total", "100", "--clients", "4"},
            new String[] {"range", "foo", "--total", "100", "--consistency", "s"},
            new String[] {"txn-put", "--total", "50", "--txn-ops", "4"},
            new String[] {
              "txn-mixed", "--total", "100", "--rw-ratio", "3", "--key-space-size", "10"
            },
            new String[] {"lease-keepalive", "--total", "100", "--clients", "2"},
            new String[] {
              "watch", "--total", "20", "--streams", "2", "--watchers-per-stream", "2"
            })) {
      List<String> all = new ArrayList<>(List.of(args));
      all.addAll(List.of("--endpoints", etcd.endpoint(), "--json"));
      Run run = bench(all.toArray(String[]::new));
      assertThat(run.exitCode()).as(String.join(" ", args) + ": " + run.stdout()).isZero();
      assertThat(run.number("errors")).as(args[0]).isZero();
    }
  }

  @Test
  void putsRunWhileACompactionOrADefragRunsAndTheirDurationIsReported() throws Exception {
    for (String what : List.of("compact", "defrag")) {
      Run run =
          bench(
              "put",
              "--endpoints",
              etcd.endpoint(),
              "--clients",
              "2",
              "--key-space-size",
              "10",
              "--duration",
              "60s",
              "--during",
              what,
              "--json");
      assertThat(run.exitCode()).as(what + ": " + run.stdout()).isZero();
      // The load ends when the call returns, not after the 60 s cap.
      assertThat(run.number("totalSeconds")).as(what).isBetween(0L, 30L);
      assertThat(run.stdout()).contains("\"maintenanceSeconds\":");
      assertThat(run.number("requests")).as(what).isPositive();
      assertThat(run.number("requests"))
          .as("%s starts only once the load has completed 100 puts", what)
          .isGreaterThanOrEqualTo(100);
    }
    Run bad = bench("put", "--endpoints", etcd.endpoint(), "--during", "snapshot");
    assertThat(bad.exitCode()).isEqualTo(2);
  }

  @Test
  void fsyncTimesOneWriteAndFdatasyncAtATime() throws Exception {
    Run run =
        bench("fsync", "--dir", tmp.toString(), "--total", "50", "--val-size", "256", "--json");
    assertThat(run.exitCode()).as(run.stdout()).isZero();
    assertThat(run.number("requests")).isEqualTo(50);
    try (var files = java.nio.file.Files.list(tmp)) {
      assertThat(files.map(Path::getFileName).map(Path::toString))
          .as("the test file is removed")
          .noneMatch(n -> n.startsWith("etcdj-bench-fsync"));
    }
  }

  @Test
  void aThreeMemberClusterServesOnEveryMemberAndAMemberRestartsWithItsData() throws Exception {
    List<EtcdProcess> cluster =
        EtcdProcess.startCluster(
            EtcdProcess.etcdLauncher(),
            "etcd",
            List.of(tmp.resolve("c0"), tmp.resolve("c1"), tmp.resolve("c2")),
            List.of());
    try {
      Run put =
          bench(
              "put",
              "--endpoints",
              String.join(",", cluster.stream().map(EtcdProcess::endpoint).toList()),
              "--conns",
              "3",
              "--clients",
              "3",
              "--total",
              "30",
              "--json");
      assertThat(put.exitCode()).as(put.stdout()).isZero();
      assertThat(cluster.get(0).rssBytes()).isGreaterThan(1 << 20);
      EtcdProcess first = cluster.get(0);
      first.close();
      EtcdProcess again = first.startAgain();
      cluster.set(0, again);
      ManagedChannel channel =
          NettyChannelBuilder.forTarget(again.endpoint()).usePlaintext().build();
      try {
        long count =
            KVGrpc.newBlockingStub(channel)
                .range(
                    RangeRequest.newBuilder()
                        .setKey(ByteString.copyFromUtf8("0"))
                        .setRangeEnd(ByteString.copyFrom(new byte[] {0}))
                        .setCountOnly(true)
                        .build())
                .getCount();
        assertThat(count).as("the restarted member has the cluster's keys").isPositive();
      } finally {
        channel.shutdownNow();
      }
    } finally {
      for (EtcdProcess member : cluster) {
        member.close();
      }
    }
  }

  @Test
  void failedRequestsAreCountedWithTheirMessageAndFailTheRun() throws Exception {
    Run run =
        bench(
            "range",
            "foo",
            "--rev",
            "1000000000",
            "--endpoints",
            etcd.endpoint(),
            "--total",
            "20",
            "--json");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.number("requests")).isZero();
    assertThat(run.number("errors")).isEqualTo(20);
    assertThat(run.stdout())
        .contains("\"OUT_OF_RANGE: etcdserver: mvcc: required revision is a future revision\":20");
  }

  @Test
  void anUnreachableEndpointFailsClearly() throws Exception {
    Run run = bench("put", "--endpoints", "127.0.0.1:" + EtcdProcess.freePort(), "--total", "1");
    assertThat(run.exitCode()).isNotZero();
  }
}
