package io.etcdj.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdj.it.harness.Cluster;
import io.etcdj.it.harness.Etcdctl;
import io.etcdj.it.harness.EtcdjProcess;
import io.etcdj.it.harness.Target;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three-member {@link Cluster} fixture, per target of {@code -Dcluster.targets} (default {@code
 * etcd,etcdj}): the members find each other from {@code --initial-cluster}, elect one leader, and
 * replicate a write; a member killed with {@code kill -9} comes back on its data dir and catches
 * up.
 */
class ClusterFixtureIT {
  @TempDir Path tmp;

  @Test
  void threeMembersFormOneClusterAndAKilledMemberRejoins() throws Exception {
    for (Target target : Target.fromProperty("cluster.targets", "etcd,etcdj")) {
      try (Cluster cluster = Cluster.start(target, tmp.resolve(target.label()), List.of())) {
        Etcdctl all = new Etcdctl(cluster.endpoints(), tmp);
        Etcdctl.Result members = all.run("member", "list");
        assertThat(members.exitCode()).as("%s", members).isZero();
        assertThat(members.stdout().lines().toList())
            .as(target.label())
            .hasSize(3)
            .allMatch(l -> l.contains(", started, "))
            .anyMatch(l -> l.contains(", a, "))
            .anyMatch(l -> l.contains(", b, "))
            .anyMatch(l -> l.contains(", c, "));

        Etcdctl.Result status = all.run("endpoint", "status", "-w", "json");
        assertThat(status.exitCode()).as("%s", status).isZero();
        Matcher leaders = Pattern.compile("\"leader\":(\\d+)").matcher(status.stdout());
        List<String> seen = leaders.results().map(r -> r.group(1)).distinct().toList();
        assertThat(seen).as("one leader seen by all: %s", status.stdout()).hasSize(1);

        String metrics =
            java.net.http.HttpClient.newHttpClient()
                .send(
                    java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(cluster.member(0).clientUrl() + "/metrics"))
                        .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
        for (String series :
            List.of(
                "etcd_network_peer_sent_bytes_total{To=\"",
                "etcd_network_peer_received_bytes_total{From=\"",
                "etcd_network_active_peers{Local=\"",
                "etcd_network_client_grpc_received_bytes_total ")) {
          assertThat(metrics).as("%s: %s", target.label(), series).contains(series);
        }

        Etcdctl viaA = new Etcdctl(cluster.member(0).endpoint(), tmp);
        Etcdctl viaC = new Etcdctl(cluster.member(2).endpoint(), tmp);
        assertThat(viaA.run("put", "replicated", "yes").exitCode()).isZero();
        assertThat(viaC.run("get", "replicated", "--print-value-only").stdout()).isEqualTo("yes\n");

        EtcdjProcess b = cluster.member(1);
        b.kill9();
        assertThat(b.isAlive()).isFalse();
        // If b was the leader, a and c first elect another: retry, bounded, until the put is taken.
        Etcdctl.Result putWhileDown = viaA.run("put", "while-b-down", "1");
        for (int attempt = 0; attempt < 10 && putWhileDown.exitCode() != 0; attempt++) {
          java.util.concurrent.locks.LockSupport.parkNanos(500_000_000L);
          putWhileDown = viaA.run("put", "while-b-down", "1");
        }
        assertThat(putWhileDown.exitCode()).as("%s", putWhileDown).isZero();
        b.restart();
        Etcdctl viaB = new Etcdctl(b.endpoint(), tmp);
        Etcdctl.Result caughtUp = viaB.run("get", "while-b-down", "--print-value-only");
        assertThat(caughtUp.stdout()).as("%s", caughtUp).isEqualTo("1\n");
        System.out.printf(
            "cluster fixture (%s): 3 members, kill -9 and rejoin ok%n", target.label());
      }
    }
  }
}
