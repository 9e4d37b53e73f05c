package io.etcdj.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same gateway requests sent to a real etcd 3.4 ({@code /usr/bin/etcd}, started here on free
 * loopback ports) and to etcdj: status, content type and body equal byte for byte once the cluster
 * and member IDs and the raft term are masked. Skipped when etcd is not installed.
 */
class GatewayDifferentialTest {
  private static final Path ETCD = Path.of("/usr/bin/etcd");

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
  }

  private String exchange(URI base, String method, String path, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20));
    b = method.equals("GET") ? b.GET() : b.POST(HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    String masked =
        r.body()
            .replaceAll("\"(cluster_id|member_id)\":\"\\d+\"", "\"$1\":\"X\"")
            .replaceAll("\"raft_term\":\"\\d+\"", "\"raft_term\":\"X\"");
    return r.statusCode()
        + " "
        + r.headers().firstValue("content-type").orElse("-")
        + " "
        + r.headers().firstValue("grpc-metadata-content-type").orElse("-")
        + "\n"
        + masked;
  }

  private static boolean healthy(HttpClient http, URI base) {
    try {
      return http.send(
              HttpRequest.newBuilder(base.resolve("/health"))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body()
          .contains("true");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Test
  void gatewayAnswersAsEtcd34Does(@TempDir Path dir) throws Exception {
    assumeTrue(Files.isExecutable(ETCD), "etcd 3.4 not installed at " + ETCD);
    int client = freePort();
    int peer = freePort();
    URI etcdBase = URI.create("http://127.0.0.1:" + client);
    Process etcd =
        new ProcessBuilder(
                ETCD.toString(),
                "--name",
                "d1",
                "--data-dir",
                dir.resolve("etcd").toString(),
                "--listen-client-urls",
                etcdBase.toString(),
                "--advertise-client-urls",
                etcdBase.toString(),
                "--listen-peer-urls",
                "http://127.0.0.1:" + peer,
                "--initial-advertise-peer-urls",
                "http://127.0.0.1:" + peer,
                "--initial-cluster",
                "d1=http://127.0.0.1:" + peer)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("etcd.log").toFile())
            .start();
    try (TestMember member = TestMember.start(dir.resolve("etcdj"))) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!healthy(http, etcdBase) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assumeTrue(healthy(http, etcdBase), "etcd did not become healthy");
      URI ours = member.uri("/");
      List<String[]> requests =
          List.of(
              new String[] {"POST", "/v3/kv/put", "{\"key\":\"Zm9v\",\"value\":\"YmFy\"}"},
              new String[] {
                "POST", "/v3/kv/put", "{\"key\":\"Zm9v\",\"value\":\"YmF6\",\"prev_kv\":true}"
              },
              new String[] {"POST", "/v3/kv/range", "{\"key\":\"Zm9v\"}"},
              new String[] {"POST", "/v3beta/kv/range", "{\"key\":\"Zm9v\",\"keys_only\":true}"},
              new String[] {"POST", "/v3/kv/range", "{\"key\":\"\"}"},
              new String[] {"POST", "/v3/kv/range", "{\"key\":\"Zm9v\",\"revision\":100}"},
              new String[] {
                "POST",
                "/v3/kv/txn",
                "{\"compare\":[{\"key\":\"Zm9v\",\"target\":\"VALUE\",\"value\":\"YmF6\"}],"
                    + "\"success\":[{\"request_put\":{\"key\":\"Zm9v\",\"value\":\"MQ==\"}},"
                    + "{\"request_range\":{\"key\":\"Zm9v\"}}],"
                    + "\"failure\":[{\"requestRange\":{\"key\":\"Zm9v\"}}]}"
              },
              new String[] {"POST", "/v3/kv/deleterange", "{\"key\":\"bm9uZQ==\"}"},
              new String[] {"POST", "/v3/kv/deleterange", "{\"key\":\"Zm9v\",\"prev_kv\":true}"},
              new String[] {"POST", "/v3/kv/compaction", "{\"revision\":2}"},
              new String[] {"POST", "/v3/kv/compaction", "{\"revision\":1}"},
              new String[] {"POST", "/v3/lease/grant", "{\"TTL\":30,\"ID\":1234}"},
              new String[] {"POST", "/v3/lease/grant", "{\"TTL\":30,\"ID\":1234}"},
              new String[] {"POST", "/v3/lease/grant", "{\"TTL\":\"9000000001\"}"},
              new String[] {"POST", "/v3/lease/revoke", "{\"ID\":999}"},
              new String[] {"POST", "/v3/kv/lease/timetolive", "{\"ID\":99}"},
              new String[] {"POST", "/v3/lease/leases", "{}"},
              new String[] {"POST", "/v3/lease/keepalive", "{\"ID\":1234}{\"ID\":5}"},
              new String[] {"POST", "/v3/lease/keepalive", ""},
              new String[] {"POST", "/v3/maintenance/alarm", "{}"},
              new String[] {"POST", "/v3/maintenance/defragment", "{}"},
              new String[] {"POST", "/v3/maintenance/transfer-leadership", "{\"targetID\":1}"},
              new String[] {"GET", "/v3/kv/range", ""},
              new String[] {"POST", "/v3/nothing", "{}"},
              new String[] {"POST", "/v3/maintenance/hashkv", "{}"});
      for (String[] r : requests) {
        String expected = exchange(etcdBase, r[0], r[1], r[2]);
        String actual = exchange(ours, r[0], r[1], r[2]);
        assertThat(actual).as(r[0] + " " + r[1] + " " + r[2]).isEqualTo(expected);
      }
    } finally {
      etcd.destroy();
      if (!etcd.waitFor(10, TimeUnit.SECONDS)) {
        etcd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
