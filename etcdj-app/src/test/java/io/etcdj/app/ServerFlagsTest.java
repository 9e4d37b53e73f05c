package io.etcdj.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdj.server.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerFlagsTest {

  private static ServerConfig configOf(List<String> args, Map<String, String> env) {
    ServerFlags.Parsed parsed = ServerFlags.parse(args, env);
    assertThat(parsed).isInstanceOf(ServerFlags.Run.class);
    return ((ServerFlags.Run) parsed).config();
  }

  private static ServerFlags.Failure failureOf(String... args) {
    ServerFlags.Parsed parsed = ServerFlags.parse(List.of(args), Map.of());
    assertThat(parsed).isInstanceOf(ServerFlags.Failure.class);
    return (ServerFlags.Failure) parsed;
  }

  @Test
  void noFlagsGiveEtcdsDefaultsWithAnEtcdjDataDirectory() {
    ServerConfig config = configOf(List.of(), Map.of());
    assertThat(config.name()).isEqualTo("default");
    assertThat(config.dataDir()).isEqualTo(Path.of("default.etcdj"));
    assertThat(config.effectiveWalDir()).isEqualTo(Path.of("default.etcdj/member/wal"));
    assertThat(config.listenClientUrls()).containsExactly(URI.create("http://localhost:2379"));
    assertThat(config.listenPeerUrls()).containsExactly(URI.create("http://localhost:2380"));
    assertThat(config.advertiseClientUrls()).containsExactly(URI.create("http://localhost:2379"));
    assertThat(config.initialCluster()).isEqualTo("default=http://localhost:2380");
    assertThat(config.initialClusterState()).isEqualTo(ServerConfig.ClusterState.NEW);
    assertThat(config.initialClusterToken()).isEqualTo("etcd-cluster");
    assertThat(config.snapshotCount()).isEqualTo(100_000);
    assertThat(config.heartbeatIntervalMillis()).isEqualTo(100);
    assertThat(config.electionTimeoutMillis()).isEqualTo(1000);
    assertThat(config.electionTicks()).isEqualTo(10);
    assertThat(config.requestTimeout()).isEqualTo(Duration.ofSeconds(7));
    assertThat(config.maxRequestBytes()).isEqualTo(1_572_864);
    assertThat(config.maxTxnOps()).isEqualTo(128);
    assertThat(config.effectiveQuotaBackendBytes()).isEqualTo(2L << 30);
    assertThat(config.backendBatchInterval()).isEqualTo(Duration.ofMillis(100));
    assertThat(config.backendBatchLimit()).isEqualTo(10_000);
    assertThat(config.grpcKeepaliveMinTime()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.preVote()).isFalse();
    assertThat(config.strictReconfigCheck()).isTrue();
    assertThat(config.autoCompactionMode()).isEqualTo(ServerConfig.CompactionMode.PERIODIC);
    assertThat(config.autoCompactionRetention()).isEqualTo("0");
  }

  @Test
  void acceptsEveryGoFlagSpelling() {
    ServerConfig config =
        configOf(
            List.of(
                "--name", "n1", "-snapshot-count=7", "--pre-vote", "-strict-reconfig-check=false"),
            Map.of());
    assertThat(config.name()).isEqualTo("n1");
    assertThat(config.dataDir()).isEqualTo(Path.of("n1.etcdj"));
    assertThat(config.snapshotCount()).isEqualTo(7);
    assertThat(config.preVote()).isTrue();
    assertThat(config.strictReconfigCheck()).isFalse();
  }

  @Test
  void environmentVariablesSetFlagsTheCommandLineLeftUnset() {
    ServerFlags.Parsed parsed =
        ServerFlags.parse(
            List.of("--name", "n2"),
            Map.of("ETCD_DATA_DIR", "/tmp/d", "ETCD_UNKNOWN", "x", "HOME", "/root"));
    assertThat(parsed).isInstanceOf(ServerFlags.Run.class);
    ServerFlags.Run run = (ServerFlags.Run) parsed;
    assertThat(run.config().dataDir()).isEqualTo(Path.of("/tmp/d"));
    assertThat(run.config().name()).isEqualTo("n2");
    assertThat(run.warnings())
        .containsExactly(
            "recognized and used environment variable ETCD_DATA_DIR=/tmp/d",
            "unrecognized environment variable ETCD_UNKNOWN=x");
  }

  @Test
  void aFlagGivenBothOnTheCommandLineAndInTheEnvironmentIsRefusedAsEtcdRefusesIt() {
    ServerFlags.Parsed parsed = ServerFlags.parse(List.of("--name", "a"), Map.of("ETCD_NAME", "b"));
    assertThat(parsed)
        .isEqualTo(
            new ServerFlags.Failure(
                "conflicting environment variable \"ETCD_NAME\" is shadowed by corresponding"
                    + " command-line flag (either unset environment variable or disable flag)",
                1,
                false));
  }

  @Test
  void badFlagsGetEtcdsMessagesAndExitCodes() {
    assertThat(failureOf("--nosuch"))
        .isEqualTo(new ServerFlags.Failure("flag provided but not defined: -nosuch", 2, true));
    assertThat(failureOf("--nosuch=1").message())
        .isEqualTo("flag provided but not defined: -nosuch");
    assertThat(failureOf("--heartbeat-interval=abc"))
        .isEqualTo(
            new ServerFlags.Failure(
                "invalid value \"abc\" for flag -heartbeat-interval: parse error", 2, true));
    assertThat(failureOf("--pre-vote=maybe").message())
        .isEqualTo("invalid boolean value \"maybe\" for -pre-vote: parse error");
    assertThat(failureOf("--initial-cluster-state=foo").message())
        .isEqualTo("invalid value \"foo\" for flag -initial-cluster-state: invalid value");
    assertThat(failureOf("--election-timeout=100"))
        .isEqualTo(
            new ServerFlags.Failure(
                "error verifying flags, --election-timeout[100ms] should be at least as 5 times as"
                    + " --heartbeat-interval[100ms]. See 'etcdj --help'.",
                1,
                false));
    assertThat(failureOf("--listen-client-urls=http://127.0.0.1:5555").message())
        .isEqualTo(
            "error verifying flags, --advertise-client-urls is required when"
                + " --listen-client-urls is set explicitly. See 'etcdj --help'.");
    assertThat(failureOf("extra").message())
        .isEqualTo("error verifying flags, 'extra' is not a valid flag. See 'etcdj --help'.");
    assertThat(failureOf("--listen-peer-urls=ftp://x:1").message())
        .startsWith("invalid value \"ftp://x:1\" for flag -listen-peer-urls: URL scheme must be");
    assertThat(failureOf("--name").message()).isEqualTo("flag needs an argument: -name");
    assertThat(failureOf("--backend-batch-interval=5").message())
        .isEqualTo("invalid value \"5\" for flag -backend-batch-interval: parse error");
  }

  @Test
  void helpListsEveryFlagWithItsDefaultInEtcdsLayout() {
    String usage = ServerFlags.usage();
    assertThat(usage).startsWith("Usage:\n\n  etcdj [flags]\n");
    assertThat(usage)
        .contains("\nMember:\n  --name 'default'\n    Human-readable name of this member.\n");
    assertThat(usage).contains("  --data-dir '${name}.etcdj'\n");
    assertThat(usage)
        .contains("\nClustering:\n  --initial-advertise-peer-urls 'http://localhost:2380'\n");
    for (ServerFlags.Flag flag : ServerFlags.FLAGS) {
      assertThat(usage).contains("  --" + flag.name() + " '" + flag.shownDefault() + "'\n");
    }
  }

  @Test
  void mainPrintsHelpVersionAndErrorsWithTheirExitCodes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
    assertThat(EtcdjMain.run(new String[] {"--help"}, Map.of(), outStream, errStream)).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(ServerFlags.usage());
    out.reset();
    assertThat(EtcdjMain.run(new String[] {"--version"}, Map.of(), outStream, errStream)).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .startsWith("etcdj Version: ")
        .contains("\netcd API Version: 3.4.23\n");
    assertThat(EtcdjMain.run(new String[] {"--bogus"}, Map.of(), outStream, errStream))
        .isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .startsWith("flag provided but not defined: -bogus\nUsage:\n");
  }
}
