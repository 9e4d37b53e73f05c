package io.etcdj.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdj.it.harness.Cluster;
import io.etcdj.it.harness.Etcdctl;
import io.etcdj.it.harness.EtcdjProcess;
import io.etcdj.it.harness.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcdctl with endpoints written as URLs ({@code http://host:port}), as operators and scripts
 * usually write them, and the {@code --cluster} commands, which dial the member list's client URLs:
 * the calls etcdctl dials straight to the endpoint string (status, hashkv, snapshot, every {@code
 * --cluster} command) arrive with a scheme in {@code :authority}. Per target of {@code
 * -Dscheme.targets} (default {@code etcd,etcdj}).
 */
class SchemeEndpointsIT {
  @TempDir Path tmp;

  @Test
  void urlEndpointsAndClusterCommandsWork() throws Exception {
    for (Target target : Target.fromProperty("scheme.targets", "etcd,etcdj")) {
      try (Cluster cluster = Cluster.start(target, tmp.resolve(target.label()), List.of())) {
        EtcdjProcess first = cluster.member(0);
        Etcdctl url = new Etcdctl(first.clientUrl(), tmp);
        assertThat(url.run("put", "k", "v").exitCode()).isZero();
        Etcdctl.Result status = url.run("endpoint", "status");
        assertThat(status.exitCode()).as("%s", status).isZero();
        assertThat(status.stdout()).startsWith(first.clientUrl() + ", ");
        Etcdctl.Result all = url.run("endpoint", "status", "--cluster");
        assertThat(all.exitCode()).as("%s", all).isZero();
        assertThat(all.stdout().lines().count()).isEqualTo(3);
        Etcdctl.Result hashes = url.run("endpoint", "hashkv", "--cluster");
        assertThat(hashes.exitCode()).as("%s", hashes).isZero();
        assertThat(hashes.stdout().lines().map(l -> l.substring(l.indexOf(", ") + 2)).distinct())
            .as("one HashKV across the members: %s", hashes.stdout())
            .hasSize(1);
        Etcdctl.Result health = url.run("endpoint", "health", "--cluster");
        assertThat(health.exitCode()).as("%s", health).isZero();
        Path file = tmp.resolve(target.label() + "-snapshot.db");
        Etcdctl.Result snapshot = url.run("snapshot", "save", file.toString());
        assertThat(snapshot.exitCode()).as("%s", snapshot).isZero();
        assertThat(snapshot.stdout()).isEqualTo("Snapshot saved at " + file + "\n");
        assertThat(Files.size(file) % 512).as("data + sha256, as etcdctl checks").isEqualTo(32);
      }
    }
  }
}
