package io.etcdj.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.it.harness.EtcdjProcess;
import io.etcdj.it.harness.Target;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durability across {@code kill -9}: every write the member acknowledged before it was killed in
 * the middle of a concurrent write loop is there, with its value, after a restart on the same data
 * dir; and the restarted member takes the rest of the writes. The target is {@code
 * -Drecovery.target} ({@code etcdj} by default; {@code etcd} validates the test on real etcd 3.4).
 */
class RestartRecoveryIT {
  static final int KEYS = 2000;
  static final int SEQUENTIAL = 800;
  static final int WRITERS = 4;

  /** Kill once this many writes are acknowledged (well before the loop can end). */
  static final int KILL_AFTER_ACKS = 1200;

  @TempDir Path tmp;

  @Test
  void everyAcknowledgedWriteSurvivesKillNineAndRestart() throws Exception {
    Target target = Target.parse(System.getProperty("recovery.target", "etcdj"));
    Map<String, String> acked = new ConcurrentHashMap<>();
    try (EtcdjProcess member = EtcdjProcess.start(target, tmp.resolve("member"), List.of())) {
      ManagedChannel channel = channel(member);
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> writers = new ArrayList<>();
      try {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
        for (int i = 0; i < SEQUENTIAL; i++) {
          put(kv, i, acked);
        }
        int perWriter = (KEYS - SEQUENTIAL) / WRITERS;
        for (int w = 0; w < WRITERS; w++) {
          int from = SEQUENTIAL + w * perWriter;
          int to = w == WRITERS - 1 ? KEYS : from + perWriter;
          writers.add(
              Thread.ofVirtual()
                  .start(
                      () -> {
                        for (int i = from; i < to && !stop.get(); i++) {
                          try {
                            put(kv, i, acked);
                          } catch (StatusRuntimeException killed) {
                            return; // outcome unknown; not counted as acknowledged
                          }
                        }
                      }));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (acked.size() < KILL_AFTER_ACKS && System.nanoTime() < deadline) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        assertThat(acked.size())
            .as("acknowledged writes before the kill")
            .isGreaterThanOrEqualTo(KILL_AFTER_ACKS);
        member.kill9();
        int ackedAtKill = acked.size();
        assertThat(ackedAtKill).as("the kill came in the middle of the loop").isLessThan(KEYS);
        stop.set(true);
        for (Thread writer : writers) {
          writer.join(TimeUnit.SECONDS.toMillis(30));
          assertThat(writer.isAlive()).as("writer stopped").isFalse();
        }
      } finally {
        stop.set(true);
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
      }
      Map<String, String> acknowledged = Map.copyOf(acked);

      member.restart();
      ManagedChannel again = channel(member);
      try {
        KVGrpc.KVBlockingStub kv =
            KVGrpc.newBlockingStub(again).withDeadlineAfter(30, TimeUnit.SECONDS);
        RangeResponse all =
            kv.range(
                RangeRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("key/"))
                    .setRangeEnd(ByteString.copyFromUtf8("key0"))
                    .build());
        Map<String, String> found = new java.util.HashMap<>();
        all.getKvsList()
            .forEach(k -> found.put(k.getKey().toStringUtf8(), k.getValue().toStringUtf8()));
        List<String> lost = new ArrayList<>();
        acknowledged.forEach(
            (key, value) -> {
              if (!value.equals(found.get(key))) {
                lost.add(key + "=" + value + " (found " + found.get(key) + ")");
              }
            });
        assertThat(lost).as("acknowledged writes lost or changed by kill -9").isEmpty();
        // Writes in flight at the kill may or may not be there, but only with their own value.
        found.forEach((key, value) -> assertThat(value).isEqualTo(valueOf(key)));
        assertThat(all.getHeader().getRevision()).isGreaterThanOrEqualTo(1L + acknowledged.size());

        // The restarted member takes the writes that were not acknowledged.
        KVGrpc.KVBlockingStub writer = KVGrpc.newBlockingStub(again);
        for (int i = 0; i < KEYS; i++) {
          if (!found.containsKey(key(i))) {
            put(writer, i, acked);
          }
        }
        RangeResponse count =
            KVGrpc.newBlockingStub(again)
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .range(
                    RangeRequest.newBuilder()
                        .setKey(ByteString.copyFromUtf8("key/"))
                        .setRangeEnd(ByteString.copyFromUtf8("key0"))
                        .setCountOnly(true)
                        .build());
        assertThat(count.getCount()).isEqualTo(KEYS);
        System.out.printf(
            "restart recovery (%s): %d writes acknowledged before kill -9, all found after"
                + " restart%n",
            target.label(), acknowledged.size());
      } finally {
        again.shutdownNow();
        again.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  static ManagedChannel channel(EtcdjProcess member) {
    return NettyChannelBuilder.forTarget(member.endpoint()).usePlaintext().build();
  }

  static void put(KVGrpc.KVBlockingStub kv, int i, Map<String, String> acked) {
    String key = key(i);
    String value = valueOf(key);
    kv.withDeadlineAfter(10, TimeUnit.SECONDS)
        .put(
            PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key))
                .setValue(ByteString.copyFromUtf8(value))
                .build());
    acked.put(key, value);
  }

  static String key(int i) {
    return String.format("key/%05d", i);
  }

  static String valueOf(String key) {
    return "value-of-" + key + "-" + Integer.toHexString(key.hashCode());
  }
}
