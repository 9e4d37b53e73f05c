package io.etcdj.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class KeepAliveForwarderTest {
  /** A batch the fake leader received, and its answers to complete. */
  private record Sent(long leader, long[] ids, List<CompletableFuture<Long>> answers) {
    void answer(long... ttls) {
      for (int i = 0; i < ttls.length; i++) {
        answers.get(i).complete(ttls[i]);
      }
    }
  }

  private final List<Sent> sent = new ArrayList<>();
  private long now;
  private final RequestTimeouts timeouts = new RequestTimeouts(() -> now, Duration.ofSeconds(7));
  private final KeepAliveForwarder forwarder =
      new KeepAliveForwarder(
          (leader, ids) -> {
            List<CompletableFuture<Long>> answers = new ArrayList<>();
            for (int i = 0; i < ids.length; i++) {
              answers.add(new CompletableFuture<>());
            }
            sent.add(new Sent(leader, ids.clone(), answers));
            return answers;
          },
          timeouts::within);

  @Test
  void aLoneKeepAliveLeavesAtOnceAndGetsItsTtl() {
    CompletableFuture<Long> ttl = forwarder.renew(1, 100);
    assertThat(sent).hasSize(1);
    assertThat(sent.get(0).ids()).containsExactly(100);
    sent.get(0).answer(30);
    assertThat(ttl).isCompletedWithValue(30L);
  }

  @Test
  void keepAlivesArrivingWhileABatchIsInFlightTravelTogetherWhenItIsAnswered() {
    CompletableFuture<Long> first = forwarder.renew(1, 100);
    CompletableFuture<Long> a = forwarder.renew(1, 200);
    CompletableFuture<Long> b = forwarder.renew(1, 300);
    CompletableFuture<Long> again = forwarder.renew(1, 200);
    assertThat(sent).hasSize(1);
    sent.get(0).answer(30);
    assertThat(first).isCompletedWithValue(30L);
    assertThat(sent).hasSize(2);
    assertThat(sent.get(1).ids()).containsExactly(200, 300, 200);
    assertThat(a).isNotDone();
    sent.get(1).answer(10, 0, 11);
    assertThat(a).isCompletedWithValue(10L);
    assertThat(b).isCompletedWithValue(0L);
    assertThat(again).isCompletedWithValue(11L);
    CompletableFuture<Long> later = forwarder.renew(1, 400);
    assertThat(sent).hasSize(3);
    sent.get(2).answer(5);
    assertThat(later).isCompletedWithValue(5L);
  }

  @Test
  void eachKeepAliveGetsItsOwnFailureAndTheNextBatchStillLeaves() throws Exception {
    forwarder.renew(1, 100);
    CompletableFuture<Long> refused = forwarder.renew(1, 200);
    CompletableFuture<Long> renewed = forwarder.renew(1, 300);
    sent.get(0).answers().get(0).completeExceptionally(EtcdError.NOT_PRIMARY_LESSOR.exception());
    sent.get(1).answers().get(0).completeExceptionally(EtcdError.LEASE_NOT_FOUND.exception());
    sent.get(1).answer(0, 9);
    assertThat(renewed).isCompletedWithValue(9L);
    assertThat(causeOf(refused)).isInstanceOf(EtcdException.class);
    assertThat(causeOf(refused).getMessage()).isEqualTo(EtcdError.LEASE_NOT_FOUND.message());
    assertThat(forwarder.renew(1, 400)).isNotDone();
    assertThat(sent).hasSize(3);
  }

  @Test
  void aBatchTheLeaderNeverAnswersIsGivenUpAtTheDeadlineSoTheNextLeaves() {
    forwarder.renew(1, 100);
    CompletableFuture<Long> waiting = forwarder.renew(1, 200);
    now += Duration.ofSeconds(7).toNanos();
    timeouts.expire(now);
    assertThat(sent).hasSize(2);
    assertThat(sent.get(1).ids()).containsExactly(200);
    sent.get(1).answer(20);
    assertThat(waiting).isCompletedWithValue(20L);
  }

  @Test
  void aTransportThatThrowsFailsTheBatchAndNothingIsLeftWaiting() {
    KeepAliveForwarder broken =
        new KeepAliveForwarder(
            (leader, ids) -> {
              throw EtcdError.NO_LEADER.exception();
            },
            timeouts::within);
    CompletableFuture<Long> f = broken.renew(1, 100);
    assertThat(causeOf(f).getMessage()).isEqualTo(EtcdError.NO_LEADER.message());
    assertThat(causeOf(broken.renew(1, 200)).getMessage()).isEqualTo(EtcdError.NO_LEADER.message());
  }

  @Test
  void leadersAreIndependentAndABatchCarriesAtMostMaxBatch() {
    forwarder.renew(1, 100);
    forwarder.renew(2, 100);
    assertThat(sent).hasSize(2);
    List<CompletableFuture<Long>> waiting = new ArrayList<>();
    for (int i = 0; i < KeepAliveForwarder.MAX_BATCH + 5; i++) {
      waiting.add(forwarder.renew(1, i));
    }
    sent.get(1).answer(1); // leader 2's answer sends nothing for leader 1
    assertThat(sent).hasSize(2);
    sent.get(0).answer(1);
    assertThat(sent).hasSize(3);
    assertThat(sent.get(2).ids()).hasSize(KeepAliveForwarder.MAX_BATCH);
    long[] full = new long[KeepAliveForwarder.MAX_BATCH];
    Arrays.fill(full, 7);
    sent.get(2).answer(full);
    assertThat(sent).hasSize(4);
    assertThat(sent.get(3).ids())
        .containsExactly(
            KeepAliveForwarder.MAX_BATCH,
            KeepAliveForwarder.MAX_BATCH + 1,
            KeepAliveForwarder.MAX_BATCH + 2,
            KeepAliveForwarder.MAX_BATCH + 3,
            KeepAliveForwarder.MAX_BATCH + 4);
    sent.get(3).answer(8, 8, 8, 8, 8);
    assertThat(waiting).allSatisfy(f -> assertThat(f).isCompleted());
    assertThat(waiting.get(KeepAliveForwarder.MAX_BATCH)).isCompletedWithValue(8L);
  }

  private static Throwable causeOf(CompletableFuture<Long> f) {
    try {
      f.get();
    } catch (ExecutionException e) {
      return java.util.Objects.requireNonNull(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    throw new AssertionError("completed normally: " + f.join());
  }
}
