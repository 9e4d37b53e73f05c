package io.etcdj.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics} of a real member: etcd's series names, types and Prometheus text. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsEndpointTest {
  private TestMember member;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    member = TestMember.start(dir);
  }

  @AfterAll
  void stop() throws Exception {
    if (member != null) {
      member.close();
    }
  }

  @Test
  void servesEtcdsSeriesInPrometheusText() throws Exception {
    member.post("/v3/kv/put", "{\"key\":\"bQ==\",\"value\":\"dg==\"}");
    member.post("/v3/kv/range", "{\"key\":\"bQ==\"}");
    HttpResponse<String> r = member.get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type"))
        .hasValue("text/plain; version=0.0.4; charset=utf-8");
    String page = r.body();
    for (String name :
        List.of(
            "etcd_server_has_leader",
            "etcd_server_is_leader",
            "etcd_server_is_learner",
            "etcd_server_leader_changes_seen_total",
            "etcd_server_proposals_committed_total",
            "etcd_server_proposals_applied_total",
            "etcd_server_proposals_pending",
            "etcd_server_proposals_failed_total",
            "etcd_server_quota_backend_bytes",
            "etcd_server_version",
            "etcd_server_id",
            "etcd_mvcc_db_total_size_in_bytes",
            "etcd_mvcc_db_total_size_in_use_in_bytes",
            "etcd_debugging_mvcc_current_revision",
            "etcd_mvcc_put_total",
            "etcd_mvcc_delete_total",
            "etcd_mvcc_range_total",
            "etcd_mvcc_txn_total",
            "etcd_debugging_mvcc_watch_stream_total",
            "etcd_debugging_mvcc_watcher_total",
            "etcd_debugging_mvcc_slow_watcher_total",
            "etcd_debugging_lease_granted_total",
            "etcd_debugging_lease_revoked_total",
            "etcd_debugging_lease_renewed_total",
            "etcd_debugging_server_lease_expired_total",
            "etcd_disk_wal_fsync_duration_seconds",
            "etcd_disk_backend_commit_duration_seconds",
            "process_resident_memory_bytes",
            "process_start_time_seconds",
            "process_open_fds",
            "os_fd_used")) {
      assertThat(page)
          .as(name)
          .contains("\n# HELP " + name + " ")
          .contains("\n# TYPE " + name + " ");
    }
    assertThat(page)
        .startsWith("# HELP ")
        .contains("\netcd_server_has_leader 1\n")
        .contains("\netcd_server_is_leader 1\n")
        .contains("\netcd_server_is_learner 0\n")
        .contains("\netcd_server_quota_backend_bytes 2.147483648e+09\n")
        .contains("\netcd_server_version{server_version=\"3.4.23\"} 1\n")
        .contains(
            "\netcd_server_id{server_id=\""
                + Long.toHexString(member.server.memberId())
                + "\"} 1\n")
        .contains("# TYPE etcd_disk_wal_fsync_duration_seconds histogram\n")
        .contains("\netcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.001\"} ")
        .contains("\netcd_disk_wal_fsync_duration_seconds_bucket{le=\"8.192\"} ")
        .contains("\netcd_disk_wal_fsync_duration_seconds_bucket{le=\"+Inf\"} ")
        .contains("# TYPE etcd_mvcc_put_total counter\n")
        .containsPattern("\netcd_mvcc_put_total [1-9]")
        .containsPattern("\netcd_mvcc_range_total [1-9]")
        .containsPattern("\nprocess_resident_memory_bytes \\d(\\.\\d+)?e\\+\\d\\d\n")
        .containsPattern("\nprocess_open_fds [1-9]\\d*\n");
    assertThat(member.post("/metrics", "").statusCode()).isEqualTo(405);
  }

  @Test
  void countsGrpcCallsAsGoGrpcPrometheusDoesFromZero() throws Exception {
    String before = member.get("/metrics").body();
    assertThat(before)
        .contains("# TYPE grpc_server_handled_total counter\n")
        .contains(
            "\ngrpc_server_started_total{grpc_method=\"Watch\",grpc_service=\"etcdserverpb.Watch\","
                + "grpc_type=\"bidi_stream\"} 0\n")
        .contains(
            "\ngrpc_server_handled_total{grpc_code=\"Unimplemented\",grpc_method=\"MemberAdd\","
                + "grpc_service=\"etcdserverpb.Cluster\",grpc_type=\"unary\"} 0\n");
    io.grpc.ManagedChannel channel =
        io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", member.port.port())
            .usePlaintext()
            .build();
    try {
      var kv = io.etcdj.api.etcdserverpb.KVGrpc.newBlockingStub(channel);
      kv.range(
          io.etcdj.api.etcdserverpb.RangeRequest.newBuilder()
              .setKey(com.google.protobuf.ByteString.copyFromUtf8("m"))
              .build());
      try {
        kv.put(io.etcdj.api.etcdserverpb.PutRequest.getDefaultInstance());
      } catch (io.grpc.StatusRuntimeException expected) {
        // empty key: InvalidArgument
      }
    } finally {
      channel.shutdownNow();
    }
    String labels = "grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"";
    assertThat(member.get("/metrics").body())
        .contains("\ngrpc_server_started_total{grpc_method=\"Range\"," + labels + "} 1\n")
        .contains("\ngrpc_server_msg_received_total{grpc_method=\"Range\"," + labels + "} 1\n")
        .contains("\ngrpc_server_msg_sent_total{grpc_method=\"Range\"," + labels + "} 1\n")
        .contains(
            "\ngrpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Range\","
                + labels
                + "} 1\n")
        .contains(
            "\ngrpc_server_handled_total{grpc_code=\"InvalidArgument\",grpc_method=\"Put\","
                + labels
                + "} 1\n");
  }

  @Test
  void countsTheWatchersOfOpenWatchStreams() throws Exception {
    io.grpc.ManagedChannel channel =
        io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", member.port.port())
            .usePlaintext()
            .build();
    try {
      var created = new java.util.concurrent.LinkedBlockingQueue<Long>();
      var requests =
          io.etcdj.api.etcdserverpb.WatchGrpc.newStub(channel)
              .watch(
                  new io.grpc.stub.StreamObserver<io.etcdj.api.etcdserverpb.WatchResponse>() {
                    @Override
                    public void onNext(io.etcdj.api.etcdserverpb.WatchResponse r) {
                      if (r.getCreated()) {
                        created.add(r.getWatchId());
                      }
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                  });
      for (String key : List.of("w1", "w2")) {
        requests.onNext(
            io.etcdj.api.etcdserverpb.WatchRequest.newBuilder()
                .setCreateRequest(
                    io.etcdj.api.etcdserverpb.WatchCreateRequest.newBuilder()
                        .setKey(com.google.protobuf.ByteString.copyFromUtf8(key)))
                .build());
      }
      for (int i = 0; i < 2; i++) {
        assertThat(created.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isNotNull();
      }
      assertThat(member.get("/metrics").body())
          .contains("# TYPE etcd_debugging_mvcc_watcher_total gauge\n")
          .contains("\netcd_debugging_mvcc_watcher_total 2\n")
          .contains("\netcd_debugging_mvcc_slow_watcher_total 0\n")
          .contains("\netcd_debugging_mvcc_watch_stream_total 1\n");
      requests.onCompleted();
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void servesEtcdsNetworkSeriesPerPeer() throws Exception {
    long peer = 0x8e9e05c52164694dL;
    member.peers.sentBytes.add(peer, 1234);
    member.peers.receivedBytes.add(peer, 99);
    member.peers.sentFailures.add(peer, 2);
    member.peers.roundTrip.observeNanos(peer, 300_000); // 0.3 ms
    member.peers.setActive(peer, true);
    member.peers.setActive(peer, false);
    member.peers.setActive(peer, true);
    member.peers.snapshotSendSuccess.add(peer, 1);
    member.peers.snapshotSend.observeNanos(peer, 150_000_000);
    String page = member.get("/metrics").body();
    String local = Long.toHexString(member.server.memberId());
    assertThat(page)
        .contains(
            "# TYPE etcd_network_peer_sent_bytes_total counter\n"
                + "etcd_network_peer_sent_bytes_total{To=\"8e9e05c52164694d\"} 1234\n")
        .contains("etcd_network_peer_received_bytes_total{From=\"8e9e05c52164694d\"} 99\n")
        .contains("etcd_network_peer_sent_failures_total{To=\"8e9e05c52164694d\"} 2\n")
        .contains(
            "etcd_network_peer_round_trip_time_seconds_bucket{To=\"8e9e05c52164694d\",le=\"0.0002\"}"
                + " 0\n"
                + "etcd_network_peer_round_trip_time_seconds_bucket{To=\"8e9e05c52164694d\",le=\"0.0004\"}"
                + " 1\n")
        .contains("etcd_network_peer_round_trip_time_seconds_count{To=\"8e9e05c52164694d\"} 1\n")
        .contains(
            "etcd_network_active_peers{Local=\"" + local + "\",Remote=\"8e9e05c52164694d\"} 1\n")
        .contains(
            "etcd_network_disconnected_peers_total{Local=\""
                + local
                + "\",Remote=\"8e9e05c52164694d\"} 1\n")
        .contains("etcd_network_snapshot_send_success{To=\"8e9e05c52164694d\"} 1\n")
        .contains(
            "etcd_network_snapshot_send_total_duration_seconds_bucket{To=\"8e9e05c52164694d\",le=\"0.2\"}"
                + " 1\n")
        .contains("# TYPE etcd_network_client_grpc_sent_bytes_total counter\n")
        .doesNotContain("etcd_network_snapshot_receive_success");
  }

  @Test
  void numbersAreFormattedAsGosPrometheusClientDoes() {
    assertThat(MetricsEndpoint.goFloat(0)).isEqualTo("0");
    assertThat(MetricsEndpoint.goFloat(1)).isEqualTo("1");
    assertThat(MetricsEndpoint.goFloat(20480)).isEqualTo("20480");
    assertThat(MetricsEndpoint.goFloat(123456)).isEqualTo("123456");
    assertThat(MetricsEndpoint.goFloat(1_000_000)).isEqualTo("1e+06");
    assertThat(MetricsEndpoint.goFloat(2147483648.0)).isEqualTo("2.147483648e+09");
    assertThat(MetricsEndpoint.goFloat(28868608)).isEqualTo("2.8868608e+07");
    assertThat(MetricsEndpoint.goFloat(1.7961710748e9)).isEqualTo("1.7961710748e+09");
    assertThat(MetricsEndpoint.goFloat(0.001)).isEqualTo("0.001");
    assertThat(MetricsEndpoint.goFloat(8.192)).isEqualTo("8.192");
    assertThat(MetricsEndpoint.goFloat(0.011558524)).isEqualTo("0.011558524");
    assertThat(MetricsEndpoint.goFloat(0.00001)).isEqualTo("1e-05");
    assertThat(MetricsEndpoint.goFloat(-2.5)).isEqualTo("-2.5");
    assertThat(MetricsEndpoint.goFloat(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
  }
}
