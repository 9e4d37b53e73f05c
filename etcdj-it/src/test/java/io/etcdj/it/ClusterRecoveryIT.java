package io.etcdj.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.HashKVRequest;
import io.etcdj.api.etcdserverpb.HashKVResponse;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.MaintenanceGrpc;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.PutResponse;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.StatusRequest;
import io.etcdj.api.etcdserverpb.StatusResponse;
import io.etcdj.it.harness.Cluster;
import io.etcdj.it.harness.EtcdjProcess;
import io.etcdj.it.harness.Target;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real members under failure, per target of {@code -Dcluster.targets} (default {@code etcdj};
 * {@code etcd} runs the same against etcd 3.4): the leader is killed with {@code kill -9}, a new
 * one is elected and writes continue; a member that was down during more than 100 000 writes, with
 * the log compacted behind it, catches up by the leader's snapshot and ends with the same HashKV as
 * the others at the same revision.
 */
class ClusterRecoveryIT {
  static final int WRITES_WHILE_DOWN = 105_000;
  static final int IN_FLIGHT = 256;

  @TempDir Path tmp;

  @Test
  void killingTheLeaderElectsANewOneAndALaggingMemberCatchesUpBySnapshot() throws Exception {
    for (Target target : Target.fromProperty("cluster.targets", "etcdj")) {
      try (Cluster cluster =
          Cluster.start(
              target, tmp.resolve(target.label()), List.of("--snapshot-count", "10000"))) {
        List<ManagedChannel> channels = new ArrayList<>();
        try {
          for (EtcdjProcess m : cluster.members()) {
            channels.add(RestartRecoveryIT.channel(m));
          }
          int leader = awaitLeader(channels, -1);
          cluster.member(leader).kill9();
          int next = awaitLeader(channels, leader);
          assertThat(next).as("a new leader among the survivors").isNotEqualTo(leader);
          int writer = next;
          put(channels.get(writer), "after-leader-died", "1");
          cluster.member(leader).restart();

          int lagging = 3 - writer - leader; // the third member; the old leader is back
          cluster.member(lagging).kill9();
          long start = System.nanoTime();
          long last = writeMany(channels.get(writer), WRITES_WHILE_DOWN);
          long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
          System.out.printf(
              "cluster recovery (%s): %d writes with one member down in %d ms%n",
              target.label(), WRITES_WHILE_DOWN, millis);
          cluster.member(lagging).restart();
          channels.set(lagging, RestartRecoveryIT.channel(cluster.member(lagging)));
          HashKVResponse expected = null;
          HashKVResponse got = null;
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
          while (System.nanoTime() < deadline) {
            try {
              expected = hashKv(channels.get(writer), last);
              got = hashKv(channels.get(lagging), last);
              if (got.getHash() == expected.getHash()) {
                break;
              }
            } catch (StatusRuntimeException notYet) {
              // the restarted member has not reached that revision yet (future revision)
            }
            LockSupport.parkNanos(200_000_000L);
          }
          if (got == null || expected == null) {
            throw new AssertionError("the lagging member never answered HashKV");
          }
          assertThat(got.getHash())
              .as("same HashKV at revision %d", last)
              .isEqualTo(expected.getHash());
          var value =
              KVGrpc.newBlockingStub(channels.get(lagging))
                  .range(
                      RangeRequest.newBuilder()
                          .setKey(ByteString.copyFromUtf8("w" + (WRITES_WHILE_DOWN - 1)))
                          .setSerializable(true)
                          .build());
          assertThat(value.getKvsCount()).isEqualTo(1);
          if (target == Target.ETCDJ) {
            String log = Files.readString(cluster.member(lagging).log());
            assertThat(log)
                .as("caught up by the leader's snapshot, not by replaying the log")
                .contains("restored the backend from the leader's snapshot");
          }
        } finally {
          channels.forEach(ManagedChannel::shutdownNow);
        }
      }
    }
  }

  /** The index of the member every live member names as leader, other than {@code not}. */
  private static int awaitLeader(List<ManagedChannel> channels, int not) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      for (int i = 0; i < channels.size(); i++) {
        if (i == not) {
          continue;
        }
        try {
          StatusResponse s =
              MaintenanceGrpc.newBlockingStub(channels.get(i))
                  .withDeadlineAfter(1, TimeUnit.SECONDS)
                  .status(StatusRequest.getDefaultInstance());
          if (s.getLeader() != 0 && s.getLeader() == s.getHeader().getMemberId()) {
            return i;
          }
        } catch (StatusRuntimeException down) {
          // killed or not answering yet
        }
      }
      LockSupport.parkNanos(100_000_000L);
    }
    throw new AssertionError("no leader within 30 s");
  }

  private static void put(ManagedChannel channel, String key, String value) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try {
        KVGrpc.newBlockingStub(channel)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .put(
                PutRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8(key))
                    .setValue(ByteString.copyFromUtf8(value))
                    .build());
        return;
      } catch (StatusRuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        LockSupport.parkNanos(200_000_000L);
      }
    }
  }

  /** Writes keys w0..w(n-1) with a bounded window of requests in flight; the last revision. */
  private static long writeMany(ManagedChannel channel, int n) throws InterruptedException {
    KVGrpc.KVFutureStub kv = KVGrpc.newFutureStub(channel);
    Semaphore window = new Semaphore(IN_FLIGHT);
    AtomicLong maxRevision = new AtomicLong();
    AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
    for (int i = 0; i < n && failure.get() == null; i++) {
      if (!window.tryAcquire(30, TimeUnit.SECONDS)) {
        throw new AssertionError("writes stalled at " + i);
      }
      PutRequest req =
          PutRequest.newBuilder()
              .setKey(ByteString.copyFromUtf8("w" + i))
              .setValue(ByteString.copyFromUtf8("value-" + i))
              .build();
      Futures.addCallback(
          kv.withDeadlineAfter(20, TimeUnit.SECONDS).put(req),
          new FutureCallback<PutResponse>() {
            @Override
            public void onSuccess(PutResponse r) {
              maxRevision.accumulateAndGet(r.getHeader().getRevision(), Math::max);
              window.release();
            }

            @Override
            public void onFailure(Throwable t) {
              failure.compareAndSet(null, t);
              window.release();
            }
          },
          MoreExecutors.directExecutor());
    }
    if (!window.tryAcquire(IN_FLIGHT, 60, TimeUnit.SECONDS)) {
      throw new AssertionError("writes did not finish");
    }
    Throwable t = failure.get();
    if (t != null) {
      throw new AssertionError("a write failed", t);
    }
    return maxRevision.get();
  }

  private static HashKVResponse hashKv(ManagedChannel channel, long revision) {
    return MaintenanceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .hashKV(HashKVRequest.newBuilder().setRevision(revision).build());
  }
}
