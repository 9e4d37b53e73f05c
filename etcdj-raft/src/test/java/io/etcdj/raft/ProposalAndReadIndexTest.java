package io.etcdj.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdj.raft.ProposalResult.DropReason;
import io.etcdj.raft.ProposalResult.Dropped;
import io.etcdj.raft.ProposalResult.Forwarded;
import io.etcdj.raft.RaftConfig.ReadOnlyOption;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Proposal forwarding and limits; ReadIndex in safe and lease-based mode (Raft §6.4, §8). */
class ProposalAndReadIndexTest {
  @Test
  void aFollowerForwardsProposalsToTheLeader() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    network.campaign(1);
    assertThat(network.node(2).propose(Bytes.ofUtf8("via 2"))).isEqualTo(new Forwarded(1));
    network.stabilize();
    assertThat(network.peer(1).appliedData()).containsExactly(Bytes.ofUtf8("via 2"));
  }

  @Test
  void proposalsAreDroppedWithAReasonWhenNoLeaderIsKnownOrForwardingIsDisabled() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    assertThat(network.node(2).propose(Bytes.ofUtf8("x")))
        .isEqualTo(new Dropped(DropReason.NO_LEADER));
    network.node(3).campaign();
    assertThat(network.node(3).propose(Bytes.ofUtf8("x")))
        .isEqualTo(new Dropped(DropReason.NO_LEADER));

    TestNetwork noForwarding = TestNetwork.of(3, c -> c.withProposalForwardingDisabled(true));
    noForwarding.campaign(1);
    assertThat(noForwarding.node(2).propose(Bytes.ofUtf8("x")))
        .isEqualTo(new Dropped(DropReason.FORWARDING_DISABLED));
    assertThat(noForwarding.node(2).readIndex(Bytes.ofUtf8("r")))
        .isEqualTo(new Dropped(DropReason.FORWARDING_DISABLED));
  }

  @Test
  void aLeaderDropsProposalsBeyondTheUncommittedByteLimitUntilEntriesCommit() {
    TestNetwork network = TestNetwork.of(3, c -> c.withMaxUncommittedEntriesBytes(100));
    network.campaign(1);
    network.isolate(2);
    network.isolate(3);
    RaftNode leader = network.node(1);
    assertThat(leader.propose(Bytes.copyOf(new byte[60])))
        .isInstanceOf(ProposalResult.Accepted.class);
    assertThat(leader.propose(Bytes.copyOf(new byte[30])))
        .isInstanceOf(ProposalResult.Accepted.class);
    assertThat(leader.propose(Bytes.copyOf(new byte[30])))
        .isEqualTo(new Dropped(DropReason.UNCOMMITTED_LIMIT));
    network.heal();
    network.tickAll(1);
    assertThat(leader.propose(Bytes.copyOf(new byte[30])))
        .isInstanceOf(ProposalResult.Accepted.class);
  }

  @Test
  void aSafeReadIsReleasedOnlyAfterAQuorumAnswersAHeartbeatSection64() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    network.campaign(1);
    network.node(1).propose(Bytes.ofUtf8("w"));
    network.stabilize();
    network.isolate(2);
    network.isolate(3);
    network.node(1).readIndex(Bytes.ofUtf8("r1"));
    network.stabilize();
    assertThat(network.peer(1).readStates).isEmpty();
    network.heal();
    network.node(1).readIndex(Bytes.ofUtf8("r2"));
    network.stabilize();
    // The acknowledged heartbeat for r2 confirms r1 as well, which came first.
    assertThat(network.peer(1).readStates)
        .containsExactly(
            new ReadState(2, Bytes.ofUtf8("r1")), new ReadState(2, Bytes.ofUtf8("r2")));
  }

  @Test
  void aNewLeaderAnswersReadsOnlyAfterCommittingAnEntryOfItsTermSection8() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    network.node(1).campaign();
    network.processAllReady();
    network.deliver(); // votes out
    network.processAllReady();
    network.deliver(); // grants in: leader, its no-op not yet replicated
    assertThat(network.node(1).softState().role()).isEqualTo(SoftState.Role.LEADER);
    network.node(1).readIndex(Bytes.ofUtf8("early"));
    network.processAllReady();
    assertThat(network.peer(1).readStates).isEmpty();
    network.stabilize();
    assertThat(network.peer(1).readStates).containsExactly(new ReadState(1, Bytes.ofUtf8("early")));
  }

  @Test
  void aFollowerForwardsReadsAndReceivesTheReadStateSection64() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    network.campaign(1);
    network.node(1).propose(Bytes.ofUtf8("w"));
    network.stabilize();
    assertThat(network.node(3).readIndex(Bytes.ofUtf8("f"))).isEqualTo(new Forwarded(1));
    network.stabilize();
    assertThat(network.peer(3).readStates).containsExactly(new ReadState(2, Bytes.ofUtf8("f")));
  }

  @Test
  void aLeaseBasedReadIsAnsweredWithoutAHeartbeatRound() {
    TestNetwork network =
        TestNetwork.of(
            3,
            c -> c.withElectionSafety(true, false).withReadOnlyOption(ReadOnlyOption.LEASE_BASED));
    network.campaign(1);
    network.isolate(2);
    network.isolate(3);
    network.node(1).readIndex(Bytes.ofUtf8("lease"));
    network.processAllReady();
    assertThat(network.peer(1).readStates).containsExactly(new ReadState(1, Bytes.ofUtf8("lease")));
  }

  @Test
  void aReadPendingAtADeposedLeaderIsNeverReleasedSection64() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    network.campaign(1);
    network.isolate(1);
    network.node(1).readIndex(Bytes.ofUtf8("stale"));
    network.campaign(2);
    network.node(2).propose(Bytes.ofUtf8("newer"));
    network.stabilize();
    network.heal();
    network.tickAll(3);
    assertThat(network.node(1).softState().leader()).isEqualTo(2);
    assertThat(network.peer(1).readStates).isEmpty();
    network.node(1).readIndex(Bytes.ofUtf8("fresh"));
    network.stabilize();
    assertThat(network.peer(1).readStates).hasSize(1);
    assertThat(network.peer(1).readStates.get(0).index()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void aSingleVoterAnswersReadsByItself() {
    TestNetwork network = TestNetwork.of(List.of(1L), List.of(), c -> c);
    network.campaign(1);
    network.node(1).readIndex(Bytes.ofUtf8("solo"));
    network.stabilize();
    assertThat(network.peer(1).readStates).containsExactly(new ReadState(1, Bytes.ofUtf8("solo")));
  }
}
