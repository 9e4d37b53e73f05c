package io.etcdj.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.CompactionRequest;
import io.etcdj.api.etcdserverpb.LeaseGrantRequest;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.PutResponse;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.backend.BatchPolicy;
import io.etcdj.backend.BatchedBackend;
import io.etcdj.backend.InMemoryStore;
import io.etcdj.wal.SimulatedDisk;
import java.net.URI;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A member driven on the test's thread with a virtual clock and a simulated disk: no thread is
 * started, time moves only when the test moves it, and the same inputs give the same member — what
 * a whole-server simulation builds on.
 */
class SteppedServerTest {
  private static final long MILLI = 1_000_000L;

  private final AtomicLong now = new AtomicLong(1_000 * MILLI);

  private ServerConfig config() {
    return ServerConfig.builder(
            "n1",
            Path.of("/sim/n1"),
            URI.create("http://127.0.0.1:2379"),
            URI.create("http://127.0.0.1:2380"))
        .timing(20, 100)
        .preVote(true)
        .build();
  }

  private EtcdServer open(SimulatedDisk disk) throws Exception {
    ServerEnvironment env =
        new ServerEnvironment(
            now::get,
            1_700_000_000_000L,
            task -> {
              throw new AssertionError("a stepped member starts no thread");
            },
            Runnable::run,
            new SplittableRandom(42),
            disk,
            new BatchedBackend(new InMemoryStore(), BatchPolicy.DEFAULT),
            PeerTransport.NONE,
            "3.4.23");
    return EtcdServer.open(config(), env, m -> {});
  }

  private <T> T await(EtcdServer.Stepper stepper, CompletableFuture<T> f) throws Exception {
    for (int i = 0; i < 10_000 && !f.isDone(); i++) {
      now.addAndGet(MILLI);
      stepper.step();
    }
    assertThat(f).as("completed within 10 virtual seconds").isDone();
    return f.get();
  }

  /**
   * etcdctl compaction answers once the compaction is scheduled; a defrag sent right after must
   * still give back the space of the revisions it removes (the order of etcd's quota recovery).
   */
  @Test
  void aDefragmentRightAfterACompactionGivesBackTheCompactedSpace() throws Exception {
    EtcdServer s = open(new SimulatedDisk(new SplittableRandom(7)));
    EtcdServer.Stepper stepper = s.startStepped();
    for (int i = 0; i < 10_000 && !s.ready(); i++) {
      now.addAndGet(MILLI);
      stepper.step();
    }
    ByteString big = ByteString.copyFromUtf8("v".repeat(10_000));
    long revision = 0;
    for (int i = 0; i < 20; i++) {
      revision =
          await(
                  stepper,
                  s.put(
                      PutRequest.newBuilder()
                          .setKey(ByteString.copyFromUtf8("big"))
                          .setValue(big)
                          .build()))
              .getHeader()
              .getRevision();
    }
    for (int i = 0; i < 500; i++) { // past the backend's batch interval: the puts are committed
      now.addAndGet(MILLI);
      stepper.step();
    }
    assertThat(s.status().getDbSize()).isGreaterThan(20 * 10_000L);
    await(stepper, s.compact(CompactionRequest.newBuilder().setRevision(revision).build()));
    await(stepper, s.defragment());
    assertThat(s.status().getDbSize()).as("one value of 10 000 bytes left").isLessThan(30_000L);
  }

  @Test
  void aMemberServesOnTheCallersThreadAndLeasesExpireOnVirtualTime() throws Exception {
    EtcdServer s = open(new SimulatedDisk(new SplittableRandom(7)));
    EtcdServer.Stepper stepper = s.startStepped();
    for (int i = 0; i < 10_000 && !s.ready(); i++) {
      now.addAndGet(MILLI);
      stepper.step();
    }
    assertThat(s.ready()).isTrue();

    PutResponse put =
        await(
            stepper,
            s.put(
                PutRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("k"))
                    .setValue(ByteString.copyFromUtf8("v"))
                    .build()));
    assertThat(put.getHeader().getRevision()).isEqualTo(2);
    RangeResponse read =
        await(
            stepper,
            s.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build()));
    assertThat(read.getKvs(0).getValue().toStringUtf8()).isEqualTo("v");

    long lease =
        await(stepper, s.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(1).build())).getID();
    await(
        stepper,
        s.put(
            PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("leased"))
                .setValue(ByteString.copyFromUtf8("x"))
                .setLease(lease)
                .build()));
    long start = now.get();
    RangeRequest leased =
        RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("leased")).build();
    long gone = -1;
    for (int i = 0; i < 5_000 && gone < 0; i++) {
      now.addAndGet(MILLI);
      stepper.step();
      if (i % 50 == 0 && await(stepper, s.range(leased)).getCount() == 0) {
        gone = now.get() - start;
      }
    }
    assertThat(gone)
        .as("the 1 s lease expired after its TTL, counted on the virtual clock")
        .isBetween(1_000 * MILLI, 2_500 * MILLI);
    s.close();
  }
}
