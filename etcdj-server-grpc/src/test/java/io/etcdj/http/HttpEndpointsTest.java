package io.etcdj.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdj.grpc.ClientPortServer;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.io.File;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /health and /version, byte for byte and header for header, against a live etcd 3.4. */
class HttpEndpointsTest {
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /** Status, body and headers (less Date) of one request. */
  record Answer(int status, String body, Map<String, List<String>> headers) {}

  private Answer fetch(String base, String method, String path) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(base + path))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    Map<String, List<String>> headers = new TreeMap<>(response.headers().map());
    headers.remove("date");
    return new Answer(response.statusCode(), response.body(), headers);
  }

  static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Test
  void answersAsARealEtcdAnswers(@TempDir Path tmp) throws Exception {
    String binary = System.getenv().getOrDefault("ETCD_BINARY", "/usr/bin/etcd");
    assertThat(new File(binary)).as("etcd 3.4 (apt-get install etcd-server)").isExecutable();
    int client = freePort();
    int peer = freePort();
    Process etcd =
        new ProcessBuilder(
                binary,
                "--data-dir",
                tmp.resolve("etcd").toString(),
                "--listen-client-urls",
                "http://127.0.0.1:" + client,
                "--advertise-client-urls",
                "http://127.0.0.1:" + client,
                "--listen-peer-urls",
                "http://127.0.0.1:" + peer,
                "--initial-advertise-peer-urls",
                "http://127.0.0.1:" + peer,
                "--initial-cluster",
                "default=http://127.0.0.1:" + peer)
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("etcd.log").toFile())
            .start();
    Vertx vertx = Vertx.vertx();
    try {
      String etcdBase = "http://127.0.0.1:" + client;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        try {
          if (fetch(etcdBase, "GET", "/health").status() == 200) {
            break;
          }
        } catch (java.io.IOException notYet) {
          // not listening yet
        }
        assertThat(System.nanoTime()).as("etcd ready in 30 s").isLessThan(deadline);
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
      }
      Router router = Router.router(vertx);
      HttpEndpoints.mount(router, "3.4.23", state(true, List.of(), "3.4.0"));
      try (ClientPortServer ours =
          ClientPortServer.start(vertx, "127.0.0.1", 0, List.of(), router, 1 << 21)) {
        String oursBase = "http://127.0.0.1:" + ours.port();
        for (String[] request :
            List.of(
                new String[] {"GET", "/health"},
                new String[] {"GET", "/health?exclude=NOSPACE"},
                new String[] {"GET", "/version"},
                new String[] {"POST", "/health"},
                new String[] {"PUT", "/version"})) {
          assertThat(fetch(oursBase, request[0], request[1]))
              .as(request[0] + " " + request[1])
              .isEqualTo(fetch(etcdBase, request[0], request[1]));
        }
      }
    } finally {
      etcd.destroy();
      etcd.waitFor(10, TimeUnit.SECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  static HttpEndpoints.MemberState state(
      boolean leader, List<String> alarms, String clusterVersion) {
    return new HttpEndpoints.MemberState() {
      @Override
      public boolean hasLeader() {
        return leader;
      }

      @Override
      public List<String> activeAlarms() {
        return alarms;
      }

      @Override
      public String clusterVersion() {
        return clusterVersion;
      }
    };
  }

  @Test
  void isUnhealthyWithoutALeaderOrWithAnAlarmThatIsNotExcluded() throws Exception {
    Vertx vertx = Vertx.vertx();
    AtomicBoolean leader = new AtomicBoolean(false);
    AtomicReference<List<String>> alarms = new AtomicReference<>(List.of());
    HttpEndpoints.MemberState live =
        new HttpEndpoints.MemberState() {
          @Override
          public boolean hasLeader() {
            return leader.get();
          }

          @Override
          public List<String> activeAlarms() {
            return alarms.get();
          }

          @Override
          public String clusterVersion() {
            return "not_decided";
          }
        };
    Router router = Router.router(vertx);
    HttpEndpoints.mount(router, "3.4.23", live);
    try (ClientPortServer server =
        ClientPortServer.start(vertx, "127.0.0.1", 0, List.of(), router, 1 << 21)) {
      String base = "http://127.0.0.1:" + server.port();
      Answer noLeader = fetch(base, "GET", "/health");
      assertThat(noLeader.status()).isEqualTo(503);
      assertThat(noLeader.body()).isEqualTo("{\"health\":\"false\"}\n");
      assertThat(noLeader.headers()).containsEntry("x-content-type-options", List.of("nosniff"));
      leader.set(true);
      assertThat(fetch(base, "GET", "/health").status()).isEqualTo(200);
      alarms.set(List.of("NOSPACE"));
      assertThat(fetch(base, "GET", "/health").status()).isEqualTo(503);
      assertThat(fetch(base, "GET", "/health?exclude=NOSPACE").status()).isEqualTo(200);
      assertThat(fetch(base, "GET", "/health?exclude=CORRUPT").status()).isEqualTo(503);
      assertThat(fetch(base, "GET", "/version").body())
          .isEqualTo("{\"etcdserver\":\"3.4.23\",\"etcdcluster\":\"not_decided\"}");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
