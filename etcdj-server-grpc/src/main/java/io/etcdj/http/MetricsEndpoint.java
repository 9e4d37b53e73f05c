package io.etcdj.http;

import io.etcdj.api.etcdserverpb.StatusResponse;
import io.etcdj.grpc.PeerMetrics;
import io.etcdj.server.EtcdServer;
import io.etcdj.server.ServerConfig;
import io.etcdj.server.ServerMetrics;
import io.vertx.core.Context;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /metrics}: Prometheus text format 0.0.4 under etcd's series names (spec/server.md §8),
 * families sorted by name and numbers formatted as Go's Prometheus client formats them ({@code
 * strconv.FormatFloat(v, 'g', -1, 64)}: {@code 20480}, {@code 2.147483648e+09}).
 *
 * <p>Not served: {@code go_*} and etcd's other debugging series.
 *
 * <p>The page is built on a virtual thread (it reads {@code /proc/self}), then written on the
 * request's context.
 */
public final class MetricsEndpoint {
  private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  private static final long MAX_FDS_COUNTED = 1_000_000;
  private static final double USER_HZ = 100;

  private final EtcdServer server;
  private final long quotaBackendBytes;

  private final io.etcdj.grpc.GrpcMetrics grpc;
  private final PeerMetrics peers;

  private MetricsEndpoint(
      EtcdServer server,
      long quotaBackendBytes,
      io.etcdj.grpc.GrpcMetrics grpc,
      PeerMetrics peers) {
    this.grpc = grpc;
    this.peers = peers;
    this.server = server;
    this.quotaBackendBytes = quotaBackendBytes;
  }

  /** Adds {@code /metrics}, reporting etcd's default quota of 2 GiB. */
  public static void mount(Router router, EtcdServer server) {
    mount(router, server, ServerConfig.DEFAULT_QUOTA_BACKEND_BYTES);
  }

  /**
   * Adds {@code /metrics}.
   *
   * @param quotaBackendBytes the quota in force ({@code ServerConfig.effectiveQuotaBackendBytes()})
   */
  public static void mount(Router router, EtcdServer server, long quotaBackendBytes) {
    mount(router, server, quotaBackendBytes, new io.etcdj.grpc.GrpcMetrics());
  }

  /** As {@link #mount(Router, EtcdServer, long)}, with the client port's gRPC counters. */
  public static void mount(
      Router router, EtcdServer server, long quotaBackendBytes, io.etcdj.grpc.GrpcMetrics grpc) {
    mount(router, server, quotaBackendBytes, grpc, new PeerMetrics());
  }

  /** With the client port's gRPC counters and the peer port's network counters. */
  public static void mount(
      Router router,
      EtcdServer server,
      long quotaBackendBytes,
      io.etcdj.grpc.GrpcMetrics grpc,
      PeerMetrics peers) {
    MetricsEndpoint endpoint = new MetricsEndpoint(server, quotaBackendBytes, grpc, peers);
    router.route("/metrics").handler(endpoint::handle);
  }

  private void handle(RoutingContext ctx) {
    ctx.response()
        .putHeader("Access-Control-Allow-Headers", "accept, content-type, authorization")
        .putHeader("Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE")
        .putHeader("Access-Control-Allow-Origin", "*");
    if (ctx.request().method() != HttpMethod.GET) {
      ctx.response()
          .setStatusCode(405)
          .putHeader("Allow", "GET")
          .putHeader("Content-Type", "text/plain; charset=utf-8")
          .putHeader("X-Content-Type-Options", "nosniff")
          .end("Method Not Allowed\n");
      return;
    }
    Context context = ctx.vertx().getOrCreateContext();
    Thread.ofVirtual()
        .name("etcdj-metrics")
        .start(
            () -> {
              String page;
              try {
                page = render();
              } catch (RuntimeException e) {
                context.runOnContext(
                    v ->
                        ctx.response()
                            .setStatusCode(500)
                            .putHeader("Content-Type", "text/plain; charset=utf-8")
                            .end("An error has occurred while serving metrics:\n\n" + e + "\n"));
                return;
              }
              context.runOnContext(
                  v ->
                      ctx.response()
                          .setStatusCode(200)
                          .putHeader("Content-Type", CONTENT_TYPE)
                          .end(page));
            });
  }

  /** One metric family: its text, keyed by name for sorting. */
  private record Family(String name, String text) {}

  /** The whole page. */
  String render() {
    ServerMetrics m = server.metrics();
    StatusResponse status = server.status();
    List<Family> families = new ArrayList<>();
    long leader = server.leader();
    gauge(
        families,
        "etcd_server_has_leader",
        "Whether or not a leader exists. 1 is existence, 0 is not.",
        leader != 0 ? 1 : 0);
    gauge(
        families,
        "etcd_server_is_leader",
        "Whether or not this member is a leader. 1 if is, 0 otherwise.",
        server.isLeader() ? 1 : 0);
    gauge(
        families,
        "etcd_server_is_learner",
        "Whether or not this member is a learner. 1 if is, 0 otherwise.",
        server.isLearner() ? 1 : 0);
    counter(
        families,
        "etcd_server_leader_changes_seen_total",
        "The number of leader changes seen.",
        m.leaderChanges());
    gauge(
        families,
        "etcd_server_proposals_committed_total",
        "The total number of consensus proposals committed.",
        server.committedIndex());
    gauge(
        families,
        "etcd_server_proposals_applied_total",
        "The total number of consensus proposals applied.",
        server.appliedIndex());
    gauge(
        families,
        "etcd_server_proposals_pending",
        "The current number of pending proposals to commit.",
        m.proposalsPending());
    counter(
        families,
        "etcd_server_proposals_failed_total",
        "The total number of failed proposals seen.",
        m.proposalsFailed());
    counter(
        families,
        "etcd_server_slow_read_indexes_total",
        "The total number of pending read indexes not in sync with leader's or timed out read index requests.",
        m.slowReadIndexes());
    counter(
        families,
        "etcd_server_read_indexes_failed_total",
        "The total number of failed read indexes seen.",
        m.readIndexFailed());
    gauge(
        families,
        "etcd_server_quota_backend_bytes",
        "Current backend storage quota size in bytes.",
        quotaBackendBytes);
    labelled(
        families,
        "etcd_server_version",
        "Which version is running. 1 for 'server_version' label with current version.",
        "server_version",
        status.getVersion());
    labelled(
        families,
        "etcd_server_id",
        "Server or member ID in hexadecimal format. 1 for 'server_id' label with current ID.",
        "server_id",
        Long.toHexString(server.memberId()));
    if (server.ready()) {
      labelled(
          families,
          "etcd_cluster_version",
          "Which version is running. 1 for 'cluster_version' label with current cluster version",
          "cluster_version",
          "3.4");
    }
    gauge(
        families,
        "etcd_mvcc_db_total_size_in_bytes",
        "Total size of the underlying database physically allocated in bytes.",
        status.getDbSize());
    gauge(
        families,
        "etcd_mvcc_db_total_size_in_use_in_bytes",
        "Total size of the underlying database logically in use in bytes.",
        status.getDbSizeInUse());
    gauge(
        families,
        "etcd_debugging_mvcc_current_revision",
        "The current revision of store.",
        server.currentRevision());
    counter(families, "etcd_mvcc_put_total", "Total number of puts seen by this member.", m.puts());
    counter(
        families,
        "etcd_mvcc_delete_total",
        "Total number of deletes seen by this member.",
        m.deletes());
    counter(
        families,
        "etcd_mvcc_range_total",
        "Total number of ranges seen by this member.",
        m.ranges());
    counter(families, "etcd_mvcc_txn_total", "Total number of txns seen by this member.", m.txns());
    gauge(
        families,
        "etcd_debugging_mvcc_watch_stream_total",
        "Total number of watch streams.",
        m.watchStreams(server));
    gauge(
        families,
        "etcd_debugging_mvcc_watcher_total",
        "Total number of watchers.",
        m.watchers(server));
    gauge(
        families,
        "etcd_debugging_mvcc_slow_watcher_total",
        "Total number of unsynced slow watchers.",
        m.slowWatchers(server));
    counter(
        families,
        "etcd_debugging_lease_granted_total",
        "The total number of granted leases.",
        m.leasesGranted());
    counter(
        families,
        "etcd_debugging_lease_revoked_total",
        "The total number of revoked leases.",
        m.leasesRevoked());
    counter(
        families,
        "etcd_debugging_lease_renewed_total",
        "The number of renewed leases seen by the leader.",
        m.leasesRenewed());
    counter(
        families,
        "etcd_debugging_server_lease_expired_total",
        "The total number of expired leases.",
        m.leasesExpired());
    histogram(
        families,
        "etcd_disk_wal_fsync_duration_seconds",
        "The latency distributions of fsync called by WAL.",
        m.walFsync());
    histogram(
        families,
        "etcd_disk_backend_commit_duration_seconds",
        "The latency distributions of commit called by backend.",
        m.backendCommit());
    processFamilies(families);
    networkFamilies(families);
    grpc.families().forEach((name, text) -> families.add(new Family(name, text)));
    families.sort(Comparator.comparing(Family::name));
    StringBuilder out = new StringBuilder(8192);
    for (Family f : families) {
      out.append(f.text());
    }
    return out.toString();
  }

  // ---------------------------------------------------------------- process_* and os_fd_*

  private static void processFamilies(List<Family> families) {
    String stat = read(Path.of("/proc/self/stat"));
    if (stat != null) {
      // Fields after the command (in parentheses, may hold spaces): state is field 3.
      int close = stat.lastIndexOf(')');
      String[] f = stat.substring(close + 2).trim().split(" ");
      // f[0] is field 3; field n is f[n - 3].
      if (f.length > 21) {
        double cpu = (parse(f[11]) + parse(f[12])) / USER_HZ;
        counter(
            families,
            "process_cpu_seconds_total",
            "Total user and system CPU time spent in seconds.",
            cpu);
        gauge(
            families,
            "process_virtual_memory_bytes",
            "Virtual memory size in bytes.",
            parse(f[20]));
        long btime = bootTime();
        if (btime > 0) {
          gauge(
              families,
              "process_start_time_seconds",
              "Start time of the process since unix epoch in seconds.",
              btime + parse(f[19]) / USER_HZ);
        }
      }
    }
    String status = read(Path.of("/proc/self/status"));
    if (status != null) {
      for (String line : status.split("\n")) {
        if (line.startsWith("VmRSS:")) {
          String kb = line.substring("VmRSS:".length()).trim().split("\\s+")[0];
          gauge(
              families,
              "process_resident_memory_bytes",
              "Resident memory size in bytes.",
              parse(kb) * 1024);
        }
      }
    }
    long fds = openFds();
    if (fds >= 0) {
      gauge(families, "process_open_fds", "Number of open file descriptors.", fds);
      gauge(families, "os_fd_used", "The number of used file descriptors.", fds);
    }
    long limit = maxFds();
    if (limit > 0) {
      gauge(families, "process_max_fds", "Maximum number of open file descriptors.", limit);
      gauge(families, "os_fd_limit", "The file descriptor limit.", limit);
    }
  }

  private static long bootTime() {
    String stat = read(Path.of("/proc/stat"));
    if (stat == null) {
      return -1;
    }
    for (String line : stat.split("\n")) {
      if (line.startsWith("btime ")) {
        return (long) parse(line.substring("btime ".length()).trim());
      }
    }
    return -1;
  }

  private static long openFds() {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.limit(MAX_FDS_COUNTED).count();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static long maxFds() {
    String limits = read(Path.of("/proc/self/limits"));
    if (limits == null) {
      return -1;
    }
    for (String line : limits.split("\n")) {
      if (line.startsWith("Max open files")) {
        String[] f = line.substring("Max open files".length()).trim().split("\\s+");
        return f.length > 0 && !f[0].equals("unlimited") ? (long) parse(f[0]) : -1;
      }
    }
    return -1;
  }

  private static @Nullable String read(Path path) {
    try {
      return Files.readString(path, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static double parse(String s) {
    try {
      return Double.parseDouble(s);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  // ---------------------------------------------------------------- text format

  private static StringBuilder head(String name, String help, String type) {
    return new StringBuilder()
        .append("# HELP ")
        .append(name)
        .append(' ')
        .append(help)
        .append("\n# TYPE ")
        .append(name)
        .append(' ')
        .append(type)
        .append('\n');
  }

  private static void gauge(List<Family> families, String name, String help, double value) {
    families.add(
        new Family(
            name,
            head(name, help, "gauge")
                .append(name)
                .append(' ')
                .append(goFloat(value))
                .append('\n')
                .toString()));
  }

  private static void counter(List<Family> families, String name, String help, double value) {
    families.add(
        new Family(
            name,
            head(name, help, "counter")
                .append(name)
                .append(' ')
                .append(goFloat(value))
                .append('\n')
                .toString()));
  }

  private static void labelled(
      List<Family> families, String name, String help, String label, String value) {
    families.add(
        new Family(
            name,
            head(name, help, "gauge")
                .append(name)
                .append('{')
                .append(label)
                .append("=\"")
                .append(escapeLabel(value))
                .append("\"} 1\n")
                .toString()));
  }

  private static void histogram(
      List<Family> families, String name, String help, ServerMetrics.Histogram h) {
    StringBuilder out = head(name, help, "histogram");
    histogramSeries(out, name, "", h);
    families.add(new Family(name, out.toString()));
  }

  /** One histogram's series; {@code labels} is empty or {@code key="value",} (trailing comma). */
  private static void histogramSeries(
      StringBuilder out, String name, String labels, ServerMetrics.Histogram h) {
    double[] bounds = h.bounds();
    long count = h.count();
    for (int i = 0; i < bounds.length; i++) {
      out.append(name)
          .append("_bucket{")
          .append(labels)
          .append("le=\"")
          .append(goFloat(bounds[i]))
          .append("\"} ")
          .append(goFloat(h.cumulativeCount(i)))
          .append('\n');
    }
    out.append(name)
        .append("_bucket{")
        .append(labels)
        .append("le=\"+Inf\"} ")
        .append(goFloat(count))
        .append('\n');
    String plain = labels.isEmpty() ? "" : "{" + labels.substring(0, labels.length() - 1) + "}";
    out.append(name).append("_sum").append(plain).append(' ').append(goFloat(h.sumSeconds()));
    out.append('\n');
    out.append(name).append("_count").append(plain).append(' ').append(goFloat(count));
    out.append('\n');
  }

  /** A counter per peer ({@code label} is {@code To} or {@code From}); absent when empty. */
  private static void perPeer(
      List<Family> families, String name, String help, String label, Map<Long, Long> values) {
    if (values.isEmpty()) {
      return;
    }
    StringBuilder out = head(name, help, "counter");
    values.forEach(
        (peer, v) ->
            out.append(name)
                .append('{')
                .append(label)
                .append("=\"")
                .append(Long.toHexString(peer))
                .append("\"} ")
                .append(goFloat(v))
                .append('\n'));
    families.add(new Family(name, out.toString()));
  }

  private static void perPeerHistogram(
      List<Family> families,
      String name,
      String help,
      String label,
      Map<Long, ServerMetrics.Histogram> values) {
    if (values.isEmpty()) {
      return;
    }
    StringBuilder out = head(name, help, "histogram");
    values.forEach(
        (peer, h) -> histogramSeries(out, name, label + "=\"" + Long.toHexString(peer) + "\",", h));
    families.add(new Family(name, out.toString()));
  }

  /** etcd's {@code etcd_network_*} series. */
  private void networkFamilies(List<Family> families) {
    counter(
        families,
        "etcd_network_client_grpc_received_bytes_total",
        "The total number of bytes received from grpc clients.",
        grpc.receivedBytes());
    counter(
        families,
        "etcd_network_client_grpc_sent_bytes_total",
        "The total number of bytes sent to grpc clients.",
        grpc.sentBytes());
    PeerMetrics p = peers;
    perPeer(
        families,
        "etcd_network_peer_sent_bytes_total",
        "The total number of bytes sent to peers.",
        "To",
        p.sentBytes.values());
    perPeer(
        families,
        "etcd_network_peer_received_bytes_total",
        "The total number of bytes received from peers.",
        "From",
        p.receivedBytes.values());
    perPeer(
        families,
        "etcd_network_peer_sent_failures_total",
        "The total number of send failures from peers.",
        "To",
        p.sentFailures.values());
    perPeer(
        families,
        "etcd_network_peer_received_failures_total",
        "The total number of receive failures from peers.",
        "From",
        p.receivedFailures.values());
    perPeerHistogram(
        families,
        "etcd_network_peer_round_trip_time_seconds",
        "Round-Trip-Time histogram between peers",
        "To",
        p.roundTrip.values());
    perPeer(
        families,
        "etcd_network_snapshot_send_success",
        "Total number of successful snapshot sends",
        "To",
        p.snapshotSendSuccess.values());
    perPeer(
        families,
        "etcd_network_snapshot_send_failures",
        "Total number of snapshot send failures",
        "To",
        p.snapshotSendFailures.values());
    perPeerHistogram(
        families,
        "etcd_network_snapshot_send_total_duration_seconds",
        "Total latency distributions of v3 snapshot sends",
        "To",
        p.snapshotSend.values());
    perPeer(
        families,
        "etcd_network_snapshot_receive_success",
        "Total number of successful snapshot receives",
        "From",
        p.snapshotReceiveSuccess.values());
    perPeer(
        families,
        "etcd_network_snapshot_receive_failures",
        "Total number of snapshot receive failures",
        "From",
        p.snapshotReceiveFailures.values());
    perPeerHistogram(
        families,
        "etcd_network_snapshot_receive_total_duration_seconds",
        "Total latency distributions of v3 snapshot receives",
        "From",
        p.snapshotReceive.values());
    String local = Long.toHexString(server.memberId());
    List<Long> active = p.activePeers();
    if (!active.isEmpty()) {
      StringBuilder out =
          head(
              "etcd_network_active_peers",
              "The current number of active peer connections.",
              "gauge");
      for (long peer : active) {
        out.append("etcd_network_active_peers{Local=\"")
            .append(local)
            .append("\",Remote=\"")
            .append(Long.toHexString(peer))
            .append("\"} 1\n");
      }
      families.add(new Family("etcd_network_active_peers", out.toString()));
    }
    Map<Long, Long> gone = p.disconnected.values();
    if (!gone.isEmpty()) {
      StringBuilder out =
          head(
              "etcd_network_disconnected_peers_total",
              "The total number of disconnected peers.",
              "counter");
      gone.forEach(
          (peer, n) ->
              out.append("etcd_network_disconnected_peers_total{Local=\"")
                  .append(local)
                  .append("\",Remote=\"")
                  .append(Long.toHexString(peer))
                  .append("\"} ")
                  .append(goFloat(n))
                  .append('\n'));
      families.add(new Family("etcd_network_disconnected_peers_total", out.toString()));
    }
  }

  private static String escapeLabel(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  /**
   * Go's {@code strconv.FormatFloat(v, 'g', -1, 64)}: the shortest digits that round-trip, in
   * exponent form when the decimal exponent is below -4 or at least 6 ({@code 123456}, {@code
   * 1e+06}, {@code 2.147483648e+09}, {@code 0.001}, {@code 1e-05}).
   */
  static String goFloat(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    if (v == 0) {
      return "0";
    }
    BigDecimal d = new BigDecimal(Double.toString(Math.abs(v))).stripTrailingZeros();
    String digits = d.unscaledValue().toString();
    int exp = digits.length() - 1 - d.scale();
    StringBuilder out = new StringBuilder(24);
    if (v < 0) {
      out.append('-');
    }
    if (exp < -4 || exp >= 6) {
      out.append(digits.charAt(0));
      if (digits.length() > 1) {
        out.append('.').append(digits, 1, digits.length());
      }
      out.append('e').append(exp < 0 ? '-' : '+');
      int a = Math.abs(exp);
      if (a < 10) {
        out.append('0');
      }
      out.append(a);
      return out.toString();
    }
    if (exp < 0) {
      out.append("0.");
      out.append("0".repeat(-exp - 1));
      out.append(digits);
    } else if (digits.length() <= exp + 1) {
      out.append(digits);
      out.append("0".repeat(exp + 1 - digits.length()));
    } else {
      out.append(digits, 0, exp + 1).append('.').append(digits, exp + 1, digits.length());
    }
    return out.toString();
  }
}
