package io.etcdj.server.lease;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdj.backend.BatchPolicy;
import io.etcdj.backend.BatchedBackend;
import io.etcdj.backend.ByteSequence;
import io.etcdj.backend.InMemoryStore;
import io.etcdj.backend.ReadTxn;
import io.etcdj.backend.WriteTxn;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The lessor's clock rules: who expires leases, and what a leader change does to them. */
class LessorTest {
  private static final long SECOND = 1_000_000_000L;

  private final BatchedBackend backend =
      new BatchedBackend(new InMemoryStore(), BatchPolicy.DEFAULT);

  private void write(java.util.function.Consumer<WriteTxn> body) {
    WriteTxn btx = backend.beginWrite();
    try {
      body.accept(btx);
    } finally {
      btx.end();
    }
  }

  @Test
  void theMinimumTtlIsOneAndAHalfElectionTimeoutsRoundedUp() {
    assertThat(Lessor.minTtlSeconds(1000)).isEqualTo(2);
    assertThat(new Lessor(2).effectiveTtl(1)).isEqualTo(2);
    assertThat(new Lessor(2).effectiveTtl(0)).isEqualTo(2);
    assertThat(new Lessor(2).effectiveTtl(60)).isEqualTo(60);
  }

  @Test
  void onlyThePrimaryExpiresLeasesAndOnlyAfterTheirTtl() {
    Lessor lessor = new Lessor(1);
    write(btx -> lessor.grant(btx, 7, 10, 0));
    assertThat(lessor.expired(100 * SECOND, 10)).as("a follower never expires").isEmpty();
    lessor.promote(0, 0);
    assertThat(lessor.expired(9 * SECOND, 10)).isEmpty();
    assertThat(lessor.expired(10 * SECOND, 10)).containsExactly(7L);
    assertThat(lessor.renew(7, 9 * SECOND)).isEqualTo(new Lessor.Renewal(10, false));
    assertThat(lessor.expired(18 * SECOND, 10)).as("renewed to a full TTL").isEmpty();
    lessor.demote();
    assertThat(lessor.expired(1000 * SECOND, 10)).isEmpty();
  }

  @Test
  void withoutCheckpointsANewLeaderGivesTheFullTtlAgain() {
    Lessor lessor = new Lessor(1);
    write(btx -> lessor.grant(btx, 7, 10, 0));
    lessor.promote(0, SECOND);
    // 8 s later the leader changes; the new one counts 10 s + the election timeout from then.
    lessor.demote();
    lessor.promote(8 * SECOND, SECOND);
    assertThat(lessor.expired(18 * SECOND, 10)).isEmpty();
    assertThat(lessor.expired(19 * SECOND, 10)).containsExactly(7L);
  }

  @Test
  void aCheckpointedRemainingTtlIsWhatTheNextLeaderStartsFromAndItSurvivesARestart() {
    Lessor leader = new Lessor(1);
    write(btx -> leader.grant(btx, 7, 10, 0));
    leader.promote(0, 0);
    Map<Long, Long> remaining = leader.checkpointAll(7 * SECOND);
    assertThat(remaining).containsEntry(7L, 3L);
    write(btx -> leader.checkpoint(btx, 7, 3));

    Lessor restarted = new Lessor(1);
    try (ReadTxn r = backend.readTxn()) {
      restarted.restore(r, Map.of(ByteSequence.ofUtf8("k"), 7L));
    }
    restarted.promote(8 * SECOND, SECOND);
    assertThat(restarted.expired(11 * SECOND, 10)).isEmpty();
    assertThat(restarted.expired(12 * SECOND, 10))
        .as("3 s remaining + 1 s election timeout, not a fresh 10 s")
        .containsExactly(7L);
    Lessor.LeaseInfo info = restarted.timeToLive(7, 8 * SECOND);
    assertThat(info).isNotNull();
    assertThat(java.util.Objects.requireNonNull(info).keys())
        .isEqualTo(List.of(ByteSequence.ofUtf8("k")));
  }

  @Test
  void aRenewalAfterACheckpointMustClearItAndOneWithoutNeedNot() {
    Lessor leader = new Lessor(1);
    write(btx -> leader.grant(btx, 7, 10, 0));
    write(btx -> leader.grant(btx, 8, 10, 0));
    leader.promote(0, 0);
    assertThat(leader.renew(7, SECOND).clearCheckpoint()).as("never checkpointed").isFalse();
    leader.checkpointAll(2 * SECOND);
    // Proposed, not applied yet: the checkpoint under way would still hand over 9 s.
    assertThat(leader.renew(7, 3 * SECOND)).isEqualTo(new Lessor.Renewal(10, true));
    write(btx -> leader.checkpoint(btx, 7, 9));
    write(btx -> leader.checkpoint(btx, 8, 8));
    assertThat(leader.renew(8, 4 * SECOND).clearCheckpoint()).as("applied").isTrue();
    write(btx -> leader.checkpoint(btx, 8, 0));
    assertThat(leader.renew(8, 5 * SECOND).clearCheckpoint()).as("cleared").isFalse();
    assertThat(leader.renew(99, 5 * SECOND)).isEqualTo(new Lessor.Renewal(0, false));

    // The next leader starts lease 8 from its full TTL, lease 7 from the 9 s checkpoint.
    leader.demote();
    leader.promote(6 * SECOND, 0);
    assertThat(leader.expired(15 * SECOND, 10)).containsExactly(7L);
    assertThat(leader.expired(16 * SECOND - 1, 10)).containsExactly(7L);
    assertThat(leader.expired(16 * SECOND, 10)).containsExactly(7L, 8L);
  }

  @Test
  void revokingReturnsTheAttachedKeysInKeyOrder() {
    Lessor lessor = new Lessor(1);
    write(btx -> lessor.grant(btx, 7, 10, 0));
    lessor.attach(7, ByteSequence.ofUtf8("b"));
    lessor.attach(7, ByteSequence.ofUtf8("a"));
    lessor.detach(7, ByteSequence.ofUtf8("b"));
    lessor.attach(7, ByteSequence.ofUtf8("c"));
    java.util.concurrent.atomic.AtomicReference<
            @org.jspecify.annotations.Nullable List<ByteSequence>>
        keys = new java.util.concurrent.atomic.AtomicReference<>();
    write(btx -> keys.set(lessor.revoke(btx, 7)));
    assertThat(keys.get()).containsExactly(ByteSequence.ofUtf8("a"), ByteSequence.ofUtf8("c"));
    assertThat(lessor.exists(7)).isFalse();
  }
}
