package io.etcdj.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdj.raft.Message.VoteRequest;
import org.junit.jupiter.api.Test;

/** Pre-vote (Raft thesis §9.6) and check-quorum with the leader lease (thesis §6.2, §4.2.3). */
class ElectionSafetyTest {
  @Test
  void aPartitionedNodeWithPreVoteDoesNotRaiseItsTermThesis96() {
    TestNetwork network = TestNetwork.of(3, c -> c.withElectionSafety(false, true));
    network.campaign(1);
    network.isolate(3);
    for (int i = 0; i < 100; i++) {
      network.node(3).tick();
      network.stabilize();
    }
    assertThat(network.node(3).hardState().term()).isEqualTo(1);
  }

  @Test
  void aRejoiningNodeWithPreVoteDoesNotDisruptTheLeaderThesis96() {
    TestNetwork network = TestNetwork.of(3, c -> c.withElectionSafety(false, true));
    network.campaign(1);
    network.isolate(3);
    network.tick(3, 100);
    network.node(1).propose(Bytes.ofUtf8("while 3 was away"));
    network.stabilize();
    network.heal();
    network.node(3).campaign();
    network.stabilize();
    assertThat(network.leader()).isEqualTo(1);
    assertThat(network.node(1).hardState().term()).isEqualTo(1);
  }

  @Test
  void withoutPreVoteARejoiningNodeDeposesTheLeaderThesis96() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    network.campaign(1);
    network.isolate(3);
    network.node(3).campaign();
    network.node(3).campaign();
    network.stabilize();
    network.heal();
    network.node(3).campaign();
    network.stabilize();
    assertThat(network.node(1).hardState().term()).isGreaterThan(1);
    assertThat(network.node(1).softState().role()).isNotEqualTo(SoftState.Role.LEADER);
  }

  @Test
  void aLeaderThatHearsFromNoQuorumStepsDownAfterAnElectionTimeoutThesis62() {
    TestNetwork network = TestNetwork.of(3, c -> c.withElectionSafety(true, false));
    network.campaign(1);
    network.isolate(1);
    for (int i = 0; i < 9; i++) {
      network.node(1).tick();
    }
    assertThat(network.node(1).softState().role()).isEqualTo(SoftState.Role.LEADER);
    network.tick(1, 11);
    assertThat(network.node(1).softState().role()).isEqualTo(SoftState.Role.FOLLOWER);
  }

  @Test
  void aLeaderWithAnActiveQuorumKeepsLeadingThesis62() {
    TestNetwork network = TestNetwork.of(3, c -> c.withElectionSafety(true, false));
    network.campaign(1);
    network.isolate(3);
    for (int i = 0; i < 50; i++) {
      network.node(1).tick();
      network.stabilize();
    }
    assertThat(network.leader()).isEqualTo(1);
  }

  @Test
  void aFollowerThatHearsFromItsLeaderIgnoresADisruptiveCandidateThesis423() {
    TestNetwork network = TestNetwork.of(3, c -> c.withElectionSafety(true, false));
    network.campaign(1);
    RaftNode follower = network.node(2);
    follower.step(new VoteRequest(3, 2, 5, 100, 100, false, false));
    assertThat(follower.hardState().term()).isEqualTo(1);
    assertThat(network.takeMessages(2)).isEmpty();
  }

  @Test
  void aLeadershipTransferCampaignPassesTheLeaseThesis423() {
    TestNetwork network = TestNetwork.of(3, c -> c.withElectionSafety(true, false));
    network.campaign(1);
    RaftNode follower = network.node(2);
    follower.step(new VoteRequest(3, 2, 2, 100, 100, false, true));
    assertThat(follower.hardState().term()).isEqualTo(2);
    assertThat(follower.hardState().vote()).isEqualTo(3);
  }

  @Test
  void aPreVoteNeverChangesTheTermOfItsReceiverThesis96() {
    TestNetwork network = TestNetwork.of(3, c -> c.withElectionSafety(false, true));
    RaftNode voter = network.node(2);
    voter.step(new VoteRequest(3, 2, 7, 0, 0, true, false));
    assertThat(voter.hardState()).isEqualTo(new HardState(0, 0, 0));
    assertThat(network.takeMessages(2))
        .containsExactly(new Message.VoteResponse(2, 3, 7, true, true));
  }

  @Test
  void learnersDoNotCampaignOnTheirOwnTimeout() {
    TestNetwork network = TestNetwork.of(java.util.List.of(1L, 2L), java.util.List.of(3L), c -> c);
    network.tick(3, 100);
    network.stabilize();
    assertThat(network.node(3).softState().role()).isEqualTo(SoftState.Role.FOLLOWER);
    assertThat(network.node(3).hardState().term()).isZero();
  }
}
