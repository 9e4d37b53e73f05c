package io.etcdj.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdj.it.harness.Etcdctl;
import io.etcdj.it.harness.EtcdjProcess;
import io.etcdj.it.harness.Ports;
import io.etcdj.it.harness.Target;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runtime reconfiguration with real etcdctl, per target of {@code -Dmembership.targets} (default
 * {@code etcd,etcdj}; etcd 3.4 proves the script): grow one member to three (a learner that joins
 * with {@code --initial-cluster-state existing}, catches up, is refused writes and then promoted; a
 * voter added after it), update peer URLs, remove a member (it stops by itself and the others keep
 * serving), and etcd's errors for unknown IDs, used peer URLs and promoting a voter.
 */
class MembershipIT {
  @TempDir Path tmp;

  private static final Pattern ADDED =
      Pattern.compile("Member ([0-9a-f ]{16}) added to cluster ([0-9a-f ]{16})\\n");

  @Test
  void membersAreAddedPromotedUpdatedAndRemovedAsEtcdDoes() throws Exception {
    for (Target target : Target.fromProperty("membership.targets", "etcd,etcdj")) {
      runScript(target, tmp.resolve(target.label()));
    }
  }

  private void runScript(Target target, Path dir) throws Exception {
    List<Integer> ports = Ports.free(6);
    List<EtcdjProcess> started = new ArrayList<>();
    try {
      EtcdjProcess n1 =
          EtcdjProcess.start(
              EtcdjProcess.singleMember(
                  target, "n1", dir.resolve("n1"), ports.get(0), ports.get(1), List.of()));
      started.add(n1);
      Etcdctl via1 = new Etcdctl(n1.endpoint(), dir);
      assertOk(via1.run("put", "a", "1"));

      // A learner: added, then started with the cluster the add printed.
      String n2Peer = "http://127.0.0.1:" + ports.get(3);
      Etcdctl.Result add2 = via1.run("member", "add", "n2", "--peer-urls=" + n2Peer, "--learner");
      assertOk(add2);
      Matcher m = ADDED.matcher(add2.stdout());
      assertThat(m.find()).as("%s", add2).isTrue();
      String n2Id = m.group(1).trim();
      String cluster2 = envLine(add2.stdout(), "ETCD_INITIAL_CLUSTER");
      assertThat(cluster2.split(","))
          .as("in member ID order")
          .containsExactlyInAnyOrder("n1=" + n1.peerUrl(), "n2=" + n2Peer);
      assertThat(envLine(add2.stdout(), "ETCD_INITIAL_CLUSTER_STATE")).isEqualTo("existing");
      assertThat(via1.run("member", "list").stdout())
          .as(target.label())
          .contains(n2Id + ", unstarted, , " + n2Peer + ", , true");

      EtcdjProcess n2 = join(target, "n2", dir, ports.get(2), ports.get(3), cluster2);
      started.add(n2);
      Etcdctl via2 = new Etcdctl(n2.endpoint(), dir);
      Etcdctl.Result serializable =
          until(
              () -> via2.run("get", "a", "--consistency=s", "--print-value-only"),
              r -> r.stdout().equals("1\n"));
      assertThat(serializable.stdout())
          .as("the learner caught up: %s", serializable)
          .isEqualTo("1\n");
      Etcdctl.Result learnerPut = via2.run("put", "x", "y");
      assertThat(learnerPut.exitCode()).isEqualTo(1);
      assertThat(learnerPut.stderr())
          .as(target.label())
          .endsWith("Error: etcdserver: rpc not supported for learner\n");

      Etcdctl.Result promote =
          until(() -> via1.run("member", "promote", n2Id), r -> r.exitCode() == 0);
      assertOk(promote);
      assertThat(promote.stdout())
          .matches("Member +" + n2Id + " promoted in cluster [0-9a-f ]+\\n");
      assertThat(via1.run("member", "list").stdout())
          .contains(n2Id + ", started, n2, " + n2Peer + ", " + n2.clientUrl() + ", false");
      assertOk(until(() -> via2.run("put", "x", "y"), r -> r.exitCode() == 0));

      // A voter: the strict check waits until n1 has been connected to n2 for 5 s.
      String n3Peer = "http://127.0.0.1:" + ports.get(5);
      Etcdctl.Result add3 =
          until(
              () -> via1.run("member", "add", "n3", "--peer-urls=" + n3Peer),
              r -> !r.stderr().contains("unhealthy cluster"));
      assertOk(add3);
      Matcher m3 = ADDED.matcher(add3.stdout());
      assertThat(m3.find()).as("%s", add3).isTrue();
      String n3Id = m3.group(1).trim();
      EtcdjProcess n3 =
          join(
              target,
              "n3",
              dir,
              ports.get(4),
              ports.get(5),
              envLine(add3.stdout(), "ETCD_INITIAL_CLUSTER"));
      started.add(n3);
      Etcdctl via3 = new Etcdctl(n3.endpoint(), dir);
      assertThat(via3.run("get", "x", "--print-value-only").stdout()).isEqualTo("y\n");
      assertThat(via1.run("member", "list").stdout().lines().filter(l -> l.contains(", started, ")))
          .hasSize(3);

      Etcdctl.Result update = via3.run("member", "update", n3Id, "--peer-urls=" + n3Peer);
      assertOk(update);
      assertThat(update.stdout()).matches("Member +" + n3Id + " updated in cluster [0-9a-f ]+\\n");

      assertError(via1.run("member", "remove", "1234"), "etcdserver: member not found");
      assertError(
          via1.run("member", "update", "1234", "--peer-urls=http://127.0.0.1:1"),
          "etcdserver: member not found");
      assertError(via1.run("member", "promote", "1234"), "etcdserver: member not found");
      assertError(
          until(
              () -> via1.run("member", "add", "dup", "--peer-urls=" + n2Peer),
              r -> !r.stderr().contains("unhealthy cluster")),
          "etcdserver: Peer URLs already exists");
      assertError(
          via1.run("member", "promote", n3Id), "etcdserver: can only promote a learner member");

      // Removing n2: it stops by itself; the other two keep a quorum.
      Etcdctl.Result remove =
          until(
              () -> via1.run("member", "remove", n2Id),
              r -> !r.stderr().contains("unhealthy cluster"));
      assertOk(remove);
      assertThat(remove.stdout())
          .matches("Member +" + n2Id + " removed from cluster [0-9a-f ]+\\n");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (n2.isAlive() && System.nanoTime() < deadline) {
        TimeUnit.MILLISECONDS.sleep(50);
      }
      assertThat(n2.isAlive()).as("%s: a removed member stops", target.label()).isFalse();
      assertThat(via1.run("member", "list").stdout().lines().toList())
          .as(target.label())
          .hasSize(2)
          .noneMatch(l -> l.startsWith(n2Id + ","));
      assertOk(until(() -> via3.run("put", "after", "removal"), r -> r.exitCode() == 0));
      assertThat(via1.run("get", "after", "--print-value-only").stdout()).isEqualTo("removal\n");
      System.out.printf(
          "membership (%s): learner join + promote, voter join, update, remove ok%n",
          target.label());
    } finally {
      for (EtcdjProcess p : started) {
        p.close();
      }
    }
  }

  private static EtcdjProcess join(
      Target target, String name, Path dir, int clientPort, int peerPort, String initialCluster)
      throws IOException, InterruptedException {
    return EtcdjProcess.start(
        new EtcdjProcess.Config(
            target,
            name,
            dir.resolve(name),
            clientPort,
            peerPort,
            initialCluster,
            "existing",
            "etcd-cluster",
            List.of()));
  }

  private static String envLine(String stdout, String name) {
    return stdout
        .lines()
        .filter(l -> l.startsWith(name + "="))
        .map(l -> l.substring(name.length() + 2, l.length() - 1))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " missing in " + stdout));
  }

  @FunctionalInterface
  private interface Run {
    Etcdctl.Result run() throws IOException, InterruptedException;
  }

  /** Runs until {@code done} holds, at most 40 times over ~20 s; returns the last result. */
  private static Etcdctl.Result until(Run run, Predicate<Etcdctl.Result> done)
      throws IOException, InterruptedException {
    Etcdctl.Result r = run.run();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    for (int i = 0; i < 40 && !done.test(r) && System.nanoTime() < deadline; i++) {
      TimeUnit.MILLISECONDS.sleep(500);
      r = run.run();
    }
    return r;
  }

  private static void assertOk(Etcdctl.Result r) {
    assertThat(r.exitCode()).as("%s", r).isZero();
  }

  private static void assertError(Etcdctl.Result r, String message) {
    assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
    assertThat(r.stderr()).as("%s", r).endsWith("Error: " + message + "\n");
  }
}
