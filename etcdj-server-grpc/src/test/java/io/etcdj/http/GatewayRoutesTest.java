package io.etcdj.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import io.etcdj.api.etcdserverpb.LeaseGrantResponse;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.etcdj.api.etcdserverpb.PutResponse;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.SnapshotResponse;
import io.etcdj.api.etcdserverpb.TxnResponse;
import io.etcdj.api.etcdserverpb.WatchResponse;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JSON gateway against a real single member over real HTTP/1.1: etcd 3.4's JSON (proto field
 * names, int64 as strings, base64 bytes), its errors and HTTP statuses, and the streams.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayRoutesTest {
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

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void putThenRangeRoundTripsBase64KeysAndStringInt64s() throws Exception {
    HttpResponse<String> put =
        member.post(
            "/v3/kv/put", "{\"key\":\"" + b64("gw/a") + "\",\"value\":\"" + b64("v1") + "\"}");
    assertThat(put.statusCode()).isEqualTo(200);
    assertThat(put.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(put.headers().firstValue("grpc-metadata-content-type")).hasValue("application/grpc");
    assertThat(put.body()).startsWith("{\"header\":{\"cluster_id\":\"").contains("\"revision\":\"");
    PutResponse.Builder p = PutResponse.newBuilder();
    JsonFormat.parser().merge(put.body(), p);
    long revision = p.getHeader().getRevision();
    assertThat(revision).isEqualTo(member.server.currentRevision());
    assertThat(put.body())
        .isEqualTo(
            "{\"header\":{\"cluster_id\":\""
                + Long.toUnsignedString(member.server.clusterId())
                + "\",\"member_id\":\""
                + Long.toUnsignedString(member.server.memberId())
                + "\",\"revision\":\""
                + revision
                + "\",\"raft_term\":\""
                + member.server.term()
                + "\"}}");

    HttpResponse<String> range =
        member.post("/v3/kv/range", "{\"key\":\"" + b64("gw/a") + "\",\"unknown\":[1,{}]}");
    assertThat(range.statusCode()).isEqualTo(200);
    assertThat(range.body())
        .contains(
            "\"kvs\":[{\"key\":\""
                + b64("gw/a")
                + "\",\"create_revision\":\""
                + revision
                + "\",\"mod_revision\":\""
                + revision
                + "\",\"version\":\"1\",\"value\":\""
                + b64("v1")
                + "\"}],\"count\":\"1\"}");
    RangeResponse.Builder r = RangeResponse.newBuilder();
    JsonFormat.parser().merge(range.body(), r);
    assertThat(r.getKvs(0).getValue().toStringUtf8()).isEqualTo("v1");

    // 3.4 serves /v3beta too; camelCase input names and trailing data after the object are fine.
    HttpResponse<String> beta =
        member.post("/v3beta/kv/range", "{\"key\":\"" + b64("gw/a") + "\",\"countOnly\":true} x");
    assertThat(beta.statusCode()).isEqualTo(200);
    assertThat(beta.body()).endsWith(",\"count\":\"1\"}").doesNotContain("kvs");
  }

  @Test
  void txnTakesTheBranchItsComparesChoose() throws Exception {
    member.post("/v3/kv/put", "{\"key\":\"" + b64("gw/t") + "\",\"value\":\"" + b64("x") + "\"}");
    String txn =
        "{\"compare\":[{\"key\":\""
            + b64("gw/t")
            + "\",\"target\":\"VALUE\",\"result\":\"EQUAL\",\"value\":\""
            + b64("x")
            + "\"}],\"success\":[{\"request_put\":{\"key\":\""
            + b64("gw/t")
            + "\",\"value\":\""
            + b64("y")
            + "\"}}],\"failure\":[{\"requestRange\":{\"key\":\""
            + b64("gw/t")
            + "\"}}]}";
    HttpResponse<String> first = member.post("/v3/kv/txn", txn);
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).contains("\"succeeded\":true,\"responses\":[{\"response_put\":{");
    HttpResponse<String> second = member.post("/v3/kv/txn", txn);
    TxnResponse.Builder t = TxnResponse.newBuilder();
    JsonFormat.parser().merge(second.body(), t);
    assertThat(t.getSucceeded()).isFalse();
    assertThat(second.body()).doesNotContain("succeeded").contains("\"response_range\":{");
    assertThat(t.getResponses(0).getResponseRange().getKvs(0).getValue().toStringUtf8())
        .isEqualTo("y");
  }

  @Test
  void errorsCarryEtcdsCodeMessageAndHttpStatus() throws Exception {
    HttpResponse<String> empty = member.post("/v3/kv/range", "{\"key\":\"\"}");
    assertThat(empty.statusCode()).isEqualTo(400);
    assertThat(empty.body())
        .isEqualTo(
            "{\"error\":\"etcdserver: key is not provided\","
                + "\"message\":\"etcdserver: key is not provided\",\"code\":3}");
    assertThat(member.post("/v3/kv/range", "").body()).contains("key is not provided");

    HttpResponse<String> future =
        member.post(
            "/v3/kv/range",
            "{\"key\":\"" + b64("gw/a") + "\",\"revision\":\"" + (1L << 40) + "\"}");
    assertThat(future.statusCode()).isEqualTo(400);
    assertThat(future.body())
        .isEqualTo(
            "{\"error\":\"etcdserver: mvcc: required revision is a future revision\","
                + "\"message\":\"etcdserver: mvcc: required revision is a future revision\","
                + "\"code\":11}");

    HttpResponse<String> missing = member.post("/v3/lease/revoke", "{\"ID\":987654321}");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.body()).contains("\"code\":5").contains("requested lease not found");

    HttpResponse<String> bad = member.post("/v3/kv/put", "{bad");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).startsWith("{\"error\":").endsWith(",\"code\":3}");

    HttpResponse<String> get = member.get("/v3/kv/range");
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(get.body()).isEqualTo("Method Not Allowed\n");
    HttpResponse<String> unknown = member.post("/v3/nothing", "{}");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).isEqualTo("Not Found\n");
  }

  @Test
  void anErrorIsChunkedWithGrpcGatewaysTrailer() throws Exception {
    String raw = TestMember.raw(member.port.port(), "POST", "/v3/kv/range", "{}");
    assertThat(raw)
        .startsWith("HTTP/1.1 400 Bad Request\r\n")
        .contains("\r\nTrailer: Grpc-Trailer-Content-Type\r\n")
        .containsIgnoringCase("transfer-encoding: chunked")
        .contains("Grpc-Trailer-Content-Type: application/grpc\r\n");
  }

  @Test
  void leasesAreGrantedAndReportTheirTimeToLive() throws Exception {
    HttpResponse<String> grant = member.post("/v3/lease/grant", "{\"TTL\":60,\"ID\":\"4242\"}");
    assertThat(grant.statusCode()).isEqualTo(200);
    assertThat(grant.body()).endsWith(",\"ID\":\"4242\",\"TTL\":\"60\"}");
    LeaseGrantResponse.Builder g = LeaseGrantResponse.newBuilder();
    JsonFormat.parser().merge(grant.body(), g);
    assertThat(g.getID()).isEqualTo(4242);

    HttpResponse<String> again = member.post("/v3/lease/grant", "{\"TTL\":60,\"ID\":4242}");
    assertThat(again.statusCode()).as("FailedPrecondition is 412 in 3.4").isEqualTo(412);
    assertThat(again.body()).contains("etcdserver: lease already exists").contains("\"code\":9");

    member.post(
        "/v3/kv/put", "{\"key\":\"" + b64("gw/leased") + "\",\"value\":\"\",\"lease\":4242}");
    HttpResponse<String> ttl =
        member.post("/v3/kv/lease/timetolive", "{\"ID\":4242,\"keys\":true}");
    assertThat(ttl.statusCode()).isEqualTo(200);
    LeaseTimeToLiveResponse.Builder t = LeaseTimeToLiveResponse.newBuilder();
    JsonFormat.parser().merge(ttl.body(), t);
    assertThat(t.getGrantedTTL()).isEqualTo(60);
    assertThat(t.getTTL()).isBetween(1L, 60L);
    assertThat(ttl.body()).contains("\"keys\":[\"" + b64("gw/leased") + "\"]");
    assertThat(member.post("/v3/lease/timetolive", "{\"ID\":1}").body())
        .endsWith(",\"ID\":\"1\",\"TTL\":\"-1\"}");
    assertThat(member.post("/v3/lease/leases", "{}").body()).contains("{\"ID\":\"4242\"}");

    HttpResponse<String> keepAlive =
        member.post("/v3/lease/keepalive", "{\"ID\":4242}\n{\"ID\":\"5\"}");
    assertThat(keepAlive.statusCode()).isEqualTo(200);
    String[] lines = keepAlive.body().split("\n");
    assertThat(lines).hasSize(2);
    assertThat(lines[0])
        .startsWith("{\"result\":{\"header\":")
        .endsWith("\"ID\":\"4242\",\"TTL\":\"60\"}}");
    assertThat(lines[1]).endsWith("\"ID\":\"5\"}}");
    HttpResponse<String> badStream = member.post("/v3/lease/keepalive", "xx");
    assertThat(badStream.statusCode()).isEqualTo(500);
    assertThat(badStream.body()).endsWith(",\"code\":2}");
  }

  @Test
  void maintenanceAnswersAsEtcdDoes() throws Exception {
    assertThat(member.post("/v3/maintenance/alarm", "{}").body()).isEqualTo("{}");
    assertThat(member.post("/v3/maintenance/defragment", "{}").body()).isEqualTo("{}");
    assertThat(member.post("/v3/maintenance/status", "{}").body())
        .contains("\"version\":\"3.4.23\",\"dbSize\":\"")
        .contains("\"leader\":\"" + Long.toUnsignedString(member.server.memberId()) + "\"");
    assertThat(member.post("/v3/maintenance/hash", "{}").body()).contains("\"hash\":");
    assertThat(member.post("/v3/cluster/member/list", "{}").body())
        .contains("\"members\":[{\"ID\":\"" + Long.toUnsignedString(member.server.memberId()));
    HttpResponse<String> transfer =
        member.post("/v3/maintenance/transfer-leadership", "{\"targetID\":1}");
    assertThat(transfer.statusCode()).isEqualTo(412);
    assertThat(transfer.body()).contains("etcdserver: bad leader transferee");

    HttpResponse<String> snapshot = member.post("/v3/maintenance/snapshot", "{}");
    assertThat(snapshot.statusCode()).isEqualTo(200);
    String[] lines = snapshot.body().split("\n");
    assertThat(lines.length).isGreaterThanOrEqualTo(2);
    long total = 0;
    for (int i = 0; i < lines.length; i++) {
      assertThat(lines[i]).startsWith("{\"result\":{");
      SnapshotResponse.Builder s = SnapshotResponse.newBuilder();
      JsonFormat.parser().merge(lines[i].substring(10, lines[i].length() - 1), s);
      if (i == lines.length - 1) {
        assertThat(s.getBlob().size()).as("the SHA-256 trailer").isEqualTo(32);
      } else {
        total += s.getBlob().size();
      }
    }
    assertThat(total % 512).isZero();
  }

  @Test
  void aWatchStreamsCreatedAndEventLinesUntilTheClientCloses() throws Exception {
    String key = b64("gw/w");
    String body =
        "{\"create_request\":{\"key\":\""
            + key
            + "\"}}{\"create_request\":{\"key\":\"Yg==\",\"range_end\":\"YQ==\"}}";
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", member.port.port()), 10_000);
      s.setSoTimeout(15_000);
      OutputStream out = s.getOutputStream();
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      out.write(
          ("POST /v3/watch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + b.length + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(b);
      out.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      List<String> results = new ArrayList<>();
      String status = in.readLine();
      assertThat(status).isEqualTo("HTTP/1.1 200 OK");
      boolean put = false;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (results.size() < 3 && System.nanoTime() < deadline) {
        String line;
        try {
          line = in.readLine();
        } catch (SocketTimeoutException e) {
          break;
        }
        if (line == null) {
          break;
        }
        if (line.startsWith("{\"result\":")) {
          results.add(line);
        }
        if (results.size() == 2 && !put) {
          put = true;
          assertThat(
                  member
                      .post(
                          "/v3/kv/put", "{\"key\":\"" + key + "\",\"value\":\"" + b64("1") + "\"}")
                      .statusCode())
              .isEqualTo(200);
        }
      }
      assertThat(results).hasSize(3);
      assertThat(results.get(0)).endsWith("\"created\":true}}").doesNotContain("watch_id");
      assertThat(results.get(1))
          .endsWith(
              "\"watch_id\":\"-1\",\"created\":true,\"canceled\":true,"
                  + "\"cancel_reason\":\"mvcc: watcher range is empty\"}}");
      WatchResponse.Builder event = WatchResponse.newBuilder();
      String third = results.get(2);
      JsonFormat.parser().merge(third.substring(10, third.length() - 1), event);
      assertThat(event.getEvents(0).getKv().getKey().toStringUtf8()).isEqualTo("gw/w");
      assertThat(third).contains("\"events\":[{\"kv\":{\"key\":\"" + key + "\"");
      assertThat(member.server.metrics().watchStreams(member.server)).isEqualTo(1);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (member.server.metrics().watchStreams(member.server) != 0
        && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(member.server.metrics().watchStreams(member.server))
        .as("the stream closes with the connection")
        .isZero();
  }
}
