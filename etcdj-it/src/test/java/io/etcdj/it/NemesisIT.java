package io.etcdj.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdj.api.etcdserverpb.HashKVRequest;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.MaintenanceGrpc;
import io.etcdj.api.etcdserverpb.StatusRequest;
import io.etcdj.api.etcdserverpb.StatusResponse;
import io.etcdj.it.harness.Cluster;
import io.etcdj.it.harness.EtcdjProcess;
import io.etcdj.it.harness.Netns;
import io.etcdj.it.harness.Target;
import io.etcdj.simulation.linearizability.KvModel;
import io.etcdj.simulation.linearizability.KvOperation;
import io.etcdj.simulation.linearizability.LinearizabilityChecker;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real processes, real faults: a three-member cluster of each target of {@code -Dnemesis.targets}
 * (default {@code etcd,etcdj}: etcd 3.4 proves the rig) under concurrent clients (puts, deletes,
 * compare-and-swap txns, linearizable reads over raw gRPC, each to a random member) while a nemesis
 * kills a random member or the leader with {@code kill -9} and restarts it on its data directory,
 * and freezes a member with SIGSTOP then SIGCONT. Afterwards every key is read back, the whole
 * history must be linearizable (timed-out requests count as maybe applied, so a lost acknowledged
 * write fails it), every member must hold the same HashKV, and the same history with one read
 * falsified must fail the checker. Bounded: {@code -Dnemesis.seconds} (default 20) of load, every
 * fault undone before the checks.
 *
 * <p>As root the members run in network namespaces the test creates ({@link Netns}), and the
 * nemesis also cuts a random member or the leader off (majority/minority, leader isolated), makes a
 * bridge (two members cannot reach each other, both reach the third) or drops one direction of one
 * link; the namespaces are removed at the end. Without them the freezes stand in for partitions,
 * and the output says so.
 */
class NemesisIT {
  @TempDir Path tmp;

  private static final List<String> KEYS = List.of("k0", "k1", "k2");

  @Test
  void historiesUnderKillsAndFreezesAreLinearizableAndMembersAgree() throws Exception {
    long seconds = Long.getLong("nemesis.seconds", 20);
    long seed = Long.getLong("nemesis.seed", 7);
    for (Target target : Target.fromProperty("nemesis.targets", "etcd,etcdj")) {
      Netns.Outcome namespaces = Netns.create(3);
      @Nullable Netns netns = namespaces instanceof Netns.Created c ? c.netns() : null;
      System.out.println(
          netns != null
              ? "nemesis: kill -9 (random member, leader), SIGSTOP/SIGCONT, network partitions in"
                  + " network namespaces (a member or the leader cut off, a bridge, one-way)"
              : "nemesis: kill -9 (random member, leader), SIGSTOP/SIGCONT; no network partitions"
                  + " ("
                  + ((Netns.Unavailable) namespaces).why()
                  + "): freezes stand in for them");
      try {
        run(target, tmp.resolve(target.label()), seconds, new SplittableRandom(seed), netns);
      } finally {
        if (netns != null) {
          netns.close();
        }
      }
    }
  }

  private void run(
      Target target, Path dir, long seconds, SplittableRandom random, @Nullable Netns netns)
      throws Exception {
    try (Cluster cluster =
        netns != null
            ? Cluster.startInNamespaces(target, dir, netns, List.of())
            : Cluster.start(target, dir, List.of())) {
      List<ManagedChannel> channels = new ArrayList<>();
      for (EtcdjProcess m : cluster.members()) {
        channels.add(NettyChannelBuilder.forTarget(m.endpoint()).usePlaintext().build());
      }
      try {
        List<KvOperation> history = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        long origin = System.nanoTime();
        java.util.concurrent.atomic.AtomicIntegerArray down =
            new java.util.concurrent.atomic.AtomicIntegerArray(channels.size());
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
          int client = c;
          SplittableRandom r = random.split();
          clients.add(
              Thread.ofVirtual()
                  .start(() -> clientLoop(client, r, channels, down, history, stop, origin)));
        }
        WatchCheck watch = new WatchCheck(channels, random.split());
        watch.start();
        List<String> faults = nemesis(cluster, channels, down, random, seconds, netns);
        stop.set(true);
        for (Thread t : clients) {
          t.join(TimeUnit.SECONDS.toMillis(30));
        }
        // Every fault is undone: all members run; wait until they agree on a revision.
        long revision = converge(channels);
        List<String> watchViolations = watch.finish(revision);
        for (String key : KEYS) {
          KVGrpc.KVBlockingStub kv =
              KVGrpc.newBlockingStub(channels.get(0)).withDeadlineAfter(10, TimeUnit.SECONDS);
          long call = System.nanoTime() - origin;
          KvOperation.Response r = EtcdLinearizabilityIT.execute(kv, new KvOperation.Get(key));
          history.add(
              new KvOperation(-1, new KvOperation.Get(key), call, System.nanoTime() - origin, r));
        }
        List<KvOperation> recorded = resolve(history, watch.written);
        long unknown = recorded.stream().filter(o -> o.response() == null).count();
        LinearizabilityChecker.Result result =
            LinearizabilityChecker.check(KvModel.INITIAL, recorded, 50_000_000);
        System.out.printf(
            "nemesis (%s): %d operations (%d unknown), faults %s; final revision %d; %s%n",
            target.label(),
            recorded.size(),
            unknown,
            faults,
            revision,
            result.getClass().getSimpleName());
        assertThat(result)
            .as(
                "%s: %s",
                target.label(),
                result instanceof LinearizabilityChecker.Result.NotLinearizable n
                    ? n.explain()
                    : result.toString())
            .isInstanceOf(LinearizabilityChecker.Result.Linearizable.class);
        assertThat(LinearizabilityChecker.check(KvModel.INITIAL, falsified(recorded), 50_000_000))
            .as("a falsified read is caught")
            .isInstanceOf(LinearizabilityChecker.Result.NotLinearizable.class);
        List<Integer> hashes = new ArrayList<>();
        for (ManagedChannel ch : channels) {
          hashes.add(
              MaintenanceGrpc.newBlockingStub(ch)
                  .withDeadlineAfter(10, TimeUnit.SECONDS)
                  .hashKV(HashKVRequest.newBuilder().setRevision(revision).build())
                  .getHash());
        }
        assertThat(hashes)
            .as("%s: HashKV at %d on every member", target.label(), revision)
            .containsOnly(hashes.get(0));
        System.out.printf(
            "nemesis (%s): the watch saw %d events on %d stream(s)%n",
            target.label(), watch.events, watch.streams);
        assertThat(watchViolations).as("%s: the watch", target.label()).isEmpty();
      } finally {
        for (ManagedChannel ch : channels) {
          ch.shutdownNow();
        }
      }
    }
  }

  /**
   * Settles what the watch proved about writes whose answer never came: every client write puts a
   * value of its own, so a put or compare-and-swap whose value the watcher saw was applied at that
   * revision (its answer is that, at an unknown time after the call), and one whose value never
   * appeared had no effect (dropped). Deletes stay unknown. Without this, a few dozen unknown
   * outcomes make the exhaustive search too costly.
   */
  private static List<KvOperation> resolve(
      List<KvOperation> history, java.util.Map<String, Long> written) {
    List<KvOperation> out = new ArrayList<>();
    synchronized (history) {
      for (KvOperation o : history) {
        if (o.response() != null) {
          out.add(o);
          continue;
        }
        long late = Long.MAX_VALUE / 4;
        switch (o.request()) {
          case KvOperation.Put p -> {
            Long rev = written.get(p.value());
            if (rev != null) {
              out.add(
                  new KvOperation(
                      o.client(), p, o.callTime(), late, new KvOperation.PutResponse(rev)));
            }
          }
          case KvOperation.CompareAndSet c -> {
            Long rev = written.get(c.value());
            if (rev != null) {
              out.add(
                  new KvOperation(
                      o.client(),
                      c,
                      o.callTime(),
                      late,
                      new KvOperation.CompareAndSetResponse(rev, true)));
            }
          }
          default -> out.add(o);
        }
      }
    }
    return out;
  }

  private static void clientLoop(
      int client,
      SplittableRandom random,
      List<ManagedChannel> channels,
      java.util.concurrent.atomic.AtomicIntegerArray down,
      List<KvOperation> history,
      AtomicBoolean stop,
      long origin) {
    long lastModSeen = 0;
    for (int i = 0; i < 100_000 && !stop.get(); i++) {
      String key = KEYS.get(random.nextInt(KEYS.size()));
      KvOperation.Request request =
          switch (random.nextInt(4)) {
            case 0 -> new KvOperation.Put(key, "c" + client + "-" + i);
            case 1 -> new KvOperation.Get(key);
            case 2 -> new KvOperation.Delete(key);
            default -> new KvOperation.CompareAndSet(key, lastModSeen, "cas" + client + "-" + i);
          };
      // Clients move off a member the nemesis took down (as a load balancer would after its
      // health check); requests already in flight to it stay in the history as unknown.
      // A member cut off by a partition (2) still gets reads, which must fail rather than be
      // stale (a failed read is not in the history); writes go elsewhere, or every one of them
      // would be an unknown outcome, and enough of those make the history too costly to check.
      boolean write = !(request instanceof KvOperation.Get);
      int target = random.nextInt(channels.size());
      for (int tries = 0;
          tries < channels.size() && (down.get(target) == 1 || write && down.get(target) == 2);
          tries++) {
        target = (target + 1) % channels.size();
      }
      KVGrpc.KVBlockingStub kv =
          KVGrpc.newBlockingStub(channels.get(target)).withDeadlineAfter(2, TimeUnit.SECONDS);
      long call = System.nanoTime() - origin;
      KvOperation.Response response;
      try {
        response = EtcdLinearizabilityIT.execute(kv, request);
      } catch (StatusRuntimeException e) {
        response = null; // timed out or refused: maybe applied
      }
      long ret = System.nanoTime() - origin;
      if (response instanceof KvOperation.GetResponse g) {
        lastModSeen = g.modRevision();
      }
      // A read that failed changed nothing: the checker need not place it.
      if (response != null || !(request instanceof KvOperation.Get)) {
        history.add(new KvOperation(client, request, call, ret, response));
      }
      // Pace the load so that a run stays checkable (a few hundred operations per client).
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(40));
    }
  }

  /** Injects faults for {@code seconds}, undoing each before the next; returns what it did. */
  private static List<String> nemesis(
      Cluster cluster,
      List<ManagedChannel> channels,
      java.util.concurrent.atomic.AtomicIntegerArray down,
      SplittableRandom random,
      long seconds,
      @Nullable Netns netns)
      throws Exception {
    List<String> done = new ArrayList<>();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < end) {
      TimeUnit.MILLISECONDS.sleep(1000 + random.nextInt(1000));
      int victim = random.nextInt(3);
      switch (random.nextInt(netns != null ? 7 : 3)) {
        case 0 -> {
          int leader = leaderIndex(cluster, channels);
          int index = leader >= 0 ? leader : victim;
          EtcdjProcess m = cluster.member(index);
          down.set(index, 1);
          m.kill9();
          TimeUnit.MILLISECONDS.sleep(500 + random.nextInt(1500));
          m.restart();
          down.set(index, 0);
          done.add("kill-leader");
        }
        case 1 -> {
          EtcdjProcess m = cluster.member(victim);
          down.set(victim, 1);
          m.kill9();
          TimeUnit.MILLISECONDS.sleep(500 + random.nextInt(1500));
          m.restart();
          down.set(victim, 0);
          done.add("kill");
        }
        case 3, 4 -> {
          // Clients keep sending to the cut-off member: its reads must fail, never be stale.
          int leader = leaderIndex(cluster, channels);
          int index = random.nextBoolean() && leader >= 0 ? leader : victim;
          down.set(index, 2);
          java.util.Objects.requireNonNull(netns).isolate(index);
          try {
            TimeUnit.MILLISECONDS.sleep(1000 + random.nextInt(2500));
          } finally {
            netns.heal(index);
            down.set(index, 0);
          }
          done.add(index == leader ? "partition-leader" : "partition");
        }
        case 5 -> {
          // A bridge: the other two cannot reach each other, the victim reaches both.
          int a = (victim + 1) % 3;
          int b = (victim + 2) % 3;
          Netns ns = java.util.Objects.requireNonNull(netns);
          ns.cut(a, b);
          ns.cut(b, a);
          try {
            TimeUnit.MILLISECONDS.sleep(1000 + random.nextInt(2500));
          } finally {
            ns.restore(a, b);
            ns.restore(b, a);
          }
          done.add("bridge");
        }
        case 6 -> {
          // One way: the victim's messages to one peer are lost, the peer's arrive.
          int to = (victim + 1 + random.nextInt(2)) % 3;
          Netns ns = java.util.Objects.requireNonNull(netns);
          ns.cut(victim, to);
          try {
            TimeUnit.MILLISECONDS.sleep(1000 + random.nextInt(2500));
          } finally {
            ns.restore(victim, to);
          }
          done.add("one-way");
        }
        default -> {
          EtcdjProcess m = cluster.member(victim);
          down.set(victim, 1);
          signal(m, "STOP");
          try {
            TimeUnit.MILLISECONDS.sleep(1000 + random.nextInt(2000));
          } finally {
            signal(m, "CONT");
          }
          down.set(victim, 0);
          done.add("freeze");
        }
      }
    }
    return done;
  }

  private static void signal(EtcdjProcess m, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(m.pid())).start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -" + signal + " " + m.pid() + " failed");
    }
  }

  private static int leaderIndex(Cluster cluster, List<ManagedChannel> channels) {
    for (int i = 0; i < channels.size(); i++) {
      try {
        StatusResponse s =
            MaintenanceGrpc.newBlockingStub(channels.get(i))
                .withDeadlineAfter(2, TimeUnit.SECONDS)
                .status(StatusRequest.getDefaultInstance());
        if (s.getLeader() != 0 && s.getLeader() == s.getHeader().getMemberId()) {
          return i;
        }
      } catch (StatusRuntimeException down) {
        // try the next
      }
    }
    return -1;
  }

  /** Waits (bounded) until every member reports the same revision and raft applied index. */
  private static long converge(List<ManagedChannel> channels) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String last = "";
    while (System.nanoTime() < deadline) {
      List<Long> revisions = new ArrayList<>();
      List<Long> applied = new ArrayList<>();
      try {
        for (ManagedChannel ch : channels) {
          StatusResponse s =
              MaintenanceGrpc.newBlockingStub(ch)
                  .withDeadlineAfter(2, TimeUnit.SECONDS)
                  .status(StatusRequest.getDefaultInstance());
          revisions.add(s.getHeader().getRevision());
          applied.add(s.getRaftAppliedIndex());
        }
      } catch (StatusRuntimeException notYet) {
        TimeUnit.MILLISECONDS.sleep(200);
        continue;
      }
      last = revisions + " applied " + applied;
      if (revisions.stream().distinct().count() == 1 && applied.stream().distinct().count() == 1) {
        return revisions.get(0);
      }
      TimeUnit.MILLISECONDS.sleep(200);
    }
    throw new AssertionError("members did not converge within 60 s: " + last);
  }

  /**
   * A prefix of the history (up to the fourth unknown outcome, at most 300 operations; what was
   * still running then counts as unknown) with its last successful read given a value never
   * written: the checker must reject it. A prefix keeps the exhaustive search that a rejection
   * needs small.
   */
  private static List<KvOperation> falsified(List<KvOperation> recorded) {
    List<KvOperation> byCall = new ArrayList<>(recorded);
    byCall.sort(java.util.Comparator.comparingLong(KvOperation::callTime));
    long cut = byCall.size() > 300 ? byCall.get(300).callTime() : Long.MAX_VALUE;
    int unknown = 0;
    for (KvOperation o : byCall) {
      if (o.response() == null && ++unknown > 3) {
        cut = Math.min(cut, o.callTime());
        break;
      }
    }
    List<KvOperation> prefix = new ArrayList<>();
    for (KvOperation o : byCall) {
      if (o.callTime() >= cut) {
        continue;
      }
      prefix.add(
          o.response() != null && o.returnTime() < cut
              ? o
              : new KvOperation(o.client(), o.request(), o.callTime(), cut, null));
    }
    for (int i = prefix.size() - 1; i >= 0; i--) {
      KvOperation o = prefix.get(i);
      if (o.response() instanceof KvOperation.GetResponse g) {
        prefix.set(
            i,
            new KvOperation(
                o.client(),
                o.request(),
                o.callTime(),
                o.returnTime(),
                new KvOperation.GetResponse(g.revision(), "never-written", g.modRevision() + 1)));
        return prefix;
      }
    }
    throw new AssertionError("no read to falsify in the first " + prefix.size() + " operations");
  }

  /**
   * One watcher over the keyspace with prev_kv on a random member; when its stream fails it resumes
   * on another member after the last revision it saw. Every write changes one key, so it must see
   * every revision from 2 to the final one exactly once, in order, each prev_kv being the value the
   * previous event left.
   */
  private static final class WatchCheck {
    private final List<ManagedChannel> channels;
    private final SplittableRandom random;
    private final Object lock = new Object();
    private final java.util.Map<String, String> values = new java.util.HashMap<>();

    /** Every value written, with its revision (each client write has a value of its own). */
    final java.util.Map<String, Long> written = new java.util.HashMap<>();

    private final List<String> violations = new ArrayList<>();
    private long lastRevision = 1;
    private volatile boolean done;
    private @Nullable Thread thread;
    int events;
    int streams;

    WatchCheck(List<ManagedChannel> channels, SplittableRandom random) {
      this.channels = channels;
      this.random = random;
    }

    void start() {
      thread = Thread.ofVirtual().start(this::loop);
    }

    private void loop() {
      while (!done) {
        java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);
        long from;
        synchronized (lock) {
          from = lastRevision + 1;
          streams++;
        }
        io.grpc.stub.StreamObserver<io.etcdj.api.etcdserverpb.WatchRequest> in =
            io.etcdj.api.etcdserverpb.WatchGrpc.newStub(
                    channels.get(random.nextInt(channels.size())))
                .watch(
                    new io.grpc.stub.StreamObserver<>() {
                      @Override
                      public void onNext(io.etcdj.api.etcdserverpb.WatchResponse r) {
                        if (r.getCanceled()) {
                          ended.countDown();
                        }
                        synchronized (lock) {
                          for (io.etcdj.api.mvccpb.Event e : r.getEventsList()) {
                            check(e);
                          }
                        }
                      }

                      @Override
                      public void onError(Throwable t) {
                        ended.countDown();
                      }

                      @Override
                      public void onCompleted() {
                        ended.countDown();
                      }
                    });
        in.onNext(
            io.etcdj.api.etcdserverpb.WatchRequest.newBuilder()
                .setCreateRequest(
                    io.etcdj.api.etcdserverpb.WatchCreateRequest.newBuilder()
                        .setKey(EtcdLinearizabilityIT.bytes("\0"))
                        .setRangeEnd(EtcdLinearizabilityIT.bytes("\0"))
                        .setStartRevision(from)
                        .setPrevKv(true))
                .build());
        try {
          // A stream on a frozen or cut-off member stalls silently: move on after a while.
          ended.await(3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          return;
        }
        in.onError(new RuntimeException("moving to another member"));
      }
    }

    private void check(io.etcdj.api.mvccpb.Event e) {
      events++;
      long rev = e.getKv().getModRevision();
      if (rev <= lastRevision) {
        return; // a stream that resumed where the last one ended may repeat nothing else
      }
      String key = e.getKv().getKey().toStringUtf8();
      if (rev != lastRevision + 1) {
        violations.add("revision " + rev + " after " + lastRevision);
      }
      lastRevision = rev;
      String prev = e.hasPrevKv() ? e.getPrevKv().getValue().toStringUtf8() : null;
      if (!java.util.Objects.equals(values.get(key), prev)) {
        violations.add(
            "revision " + rev + " " + key + ": prev_kv " + prev + ", was " + values.get(key));
      }
      if (e.getType() == io.etcdj.api.mvccpb.Event.EventType.PUT) {
        values.put(key, e.getKv().getValue().toStringUtf8());
        written.put(e.getKv().getValue().toStringUtf8(), rev);
      } else {
        values.remove(key);
      }
    }

    /** Waits (bounded) until the watcher reached {@code revision}; returns what went wrong. */
    List<String> finish(long revision) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline) {
        synchronized (lock) {
          if (lastRevision >= revision) {
            break;
          }
        }
        TimeUnit.MILLISECONDS.sleep(50);
      }
      done = true;
      Thread t = thread;
      if (t != null) {
        t.join(TimeUnit.SECONDS.toMillis(10));
      }
      synchronized (lock) {
        List<String> out = new ArrayList<>(violations);
        if (lastRevision != revision) {
          out.add("stopped at revision " + lastRevision + " of " + revision);
        }
        return out;
      }
    }
  }
}
