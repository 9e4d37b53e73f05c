package io.etcdj.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdj.raft.ConfChange.Change;
import io.etcdj.raft.ConfChange.ChangeType;
import io.etcdj.raft.ConfChange.Transition;
import io.etcdj.raft.ProposalResult.DropReason;
import io.etcdj.raft.ProposalResult.Dropped;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Leadership transfer (thesis §3.10) and membership changes (Raft §6, thesis §4). */
class TransferAndMembershipTest {
  @Test
  void aTransferToAnUpToDateFollowerMakesItLeaderInTheNextTermThesis310() {
    TestNetwork network = TestNetwork.of(3, c -> c.withElectionSafety(true, true));
    network.campaign(1);
    network.node(1).transferLeadership(3);
    network.stabilize();
    assertThat(network.leader()).isEqualTo(3);
    assertThat(network.node(3).hardState().term()).isEqualTo(2);
  }

  @Test
  void aTransferCatchesTheTargetUpFirstAndRefusesProposalsMeanwhileThesis310() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    network.campaign(1);
    network.isolate(3);
    network.node(1).propose(Bytes.ofUtf8("before"));
    network.stabilize();
    network.heal();
    network.node(1).transferLeadership(3);
    assertThat(network.node(1).status().leadTransferee()).isEqualTo(3);
    assertThat(network.node(1).propose(Bytes.ofUtf8("during")))
        .isEqualTo(new Dropped(DropReason.LEADERSHIP_TRANSFER));
    network.stabilize();
    assertThat(network.leader()).isEqualTo(3);
    assertThat(network.node(3).termAt(2)).isEqualTo(1);
  }

  @Test
  void aTransferThatCannotFinishIsAbandonedAfterAnElectionTimeoutThesis310() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    network.campaign(1);
    network.isolate(3);
    network.node(1).transferLeadership(3);
    network.stabilize();
    network.tick(1, 10);
    assertThat(network.node(1).status().leadTransferee()).isZero();
    assertThat(network.node(1).propose(Bytes.ofUtf8("after")))
        .isInstanceOf(ProposalResult.Accepted.class);
  }

  @Test
  void aFollowerForwardsATransferRequestAndLearnersCannotBeTransferees() {
    TestNetwork network = TestNetwork.of(List.of(1L, 2L, 3L), List.of(4L), c -> c);
    network.campaign(1);
    network.node(4).transferLeadership(4);
    network.stabilize();
    assertThat(network.leader()).isEqualTo(1);
    network.node(2).transferLeadership(2);
    network.stabilize();
    assertThat(network.leader()).isEqualTo(2);
  }

  @Test
  void anAddedVoterCatchesUpAndCountsTowardsTheQuorumSection6() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    network.campaign(1);
    network.addEmpty(4, TestNetwork::testConfig);
    network.node(1).proposeConfChange(ConfChange.addVoter(4));
    network.stabilize();
    assertThat(network.peer(1).confState.voters()).containsExactly(1L, 2L, 3L, 4L);
    // Four voters: with 2 and 3 gone, 1 and 4 are not a majority.
    network.isolate(2);
    network.isolate(3);
    network.node(1).propose(Bytes.ofUtf8("needs three of four"));
    network.stabilize();
    assertThat(network.node(1).hardState().commit()).isEqualTo(2);
    network.heal();
    network.tickAll(1);
    assertThat(network.peer(4).appliedData()).containsExactly(Bytes.ofUtf8("needs three of four"));
  }

  @Test
  void aRemovedVoterNoLongerCountsTowardsTheQuorumSection6() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    network.campaign(1);
    network.node(1).proposeConfChange(ConfChange.remove(3));
    network.stabilize();
    network.isolate(3);
    network.node(1).propose(Bytes.ofUtf8("two of two"));
    network.stabilize();
    assertThat(network.peer(2).appliedData()).containsExactly(Bytes.ofUtf8("two of two"));
  }

  @Test
  void aLearnerReceivesTheLogWithoutCountingAndCanBePromoted() {
    TestNetwork network = TestNetwork.of(List.of(1L, 2L, 3L), List.of(4L), c -> c);
    network.campaign(1);
    network.isolate(2);
    network.isolate(3);
    network.node(1).propose(Bytes.ofUtf8("x"));
    network.stabilize();
    assertThat(network.node(1).hardState().commit()).isEqualTo(1);
    assertThat(network.node(4).lastIndex()).isEqualTo(2);
    network.heal();
    network.tickAll(1);
    assertThat(network.peer(4).appliedData()).containsExactly(Bytes.ofUtf8("x"));
    network.node(1).proposeConfChange(ConfChange.addVoter(4));
    network.stabilize();
    assertThat(network.peer(4).confState.voters()).containsExactly(1L, 2L, 3L, 4L);
    assertThat(network.peer(4).confState.learners()).isEmpty();
  }

  @Test
  void jointConsensusWithAutoLeaveEndsInTheNewConfigurationSection6() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    network.campaign(1);
    network.addEmpty(4, TestNetwork::testConfig);
    network.addEmpty(5, TestNetwork::testConfig);
    network
        .node(1)
        .proposeConfChange(
            ConfChange.joint(
                Transition.AUTO,
                List.of(
                    new Change(ChangeType.ADD_VOTER, 4),
                    new Change(ChangeType.ADD_VOTER, 5),
                    new Change(ChangeType.REMOVE, 3))));
    network.stabilize();
    for (long id : List.of(1L, 2L, 4L, 5L)) {
      ConfState state = network.peer(id).confState;
      assertThat(state.voters()).as("node %d", id).containsExactly(1L, 2L, 4L, 5L);
      assertThat(state.votersOutgoing()).isEmpty();
    }
  }

  @Test
  void aJointConfigurationNeedsBothMajoritiesSection6() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    network.campaign(1);
    network.addEmpty(4, TestNetwork::testConfig);
    network.addEmpty(5, TestNetwork::testConfig);
    network
        .node(1)
        .proposeConfChange(
            ConfChange.joint(
                Transition.JOINT_EXPLICIT,
                List.of(
                    new Change(ChangeType.ADD_VOTER, 4),
                    new Change(ChangeType.ADD_VOTER, 5),
                    new Change(ChangeType.REMOVE, 2),
                    new Change(ChangeType.REMOVE, 3))));
    network.stabilize();
    assertThat(network.peer(1).confState.votersOutgoing()).containsExactly(1L, 2L, 3L);
    assertThat(network.peer(1).confState.voters()).containsExactly(1L, 4L, 5L);
    // Incoming {1,4,5} has a majority without 2 and 3, outgoing {1,2,3} does not.
    network.isolate(2);
    network.isolate(3);
    network.node(1).propose(Bytes.ofUtf8("blocked"));
    network.stabilize();
    assertThat(network.peer(4).appliedData()).isEmpty();
    network.heal();
    network.tickAll(1);
    assertThat(network.peer(4).appliedData()).containsExactly(Bytes.ofUtf8("blocked"));
    network.node(1).proposeConfChange(ConfChange.leaveJoint());
    network.stabilize();
    assertThat(network.peer(1).confState.votersOutgoing()).isEmpty();
  }

  @Test
  void onlyOneConfChangeMayBePendingAndInvalidOnesAreRefusedSection6() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    network.campaign(1);
    network.isolate(2);
    network.isolate(3);
    RaftNode leader = network.node(1);
    assertThat(leader.proposeConfChange(ConfChange.addLearner(4)))
        .isInstanceOf(ProposalResult.Accepted.class);
    assertThat(leader.proposeConfChange(ConfChange.addLearner(5)))
        .isEqualTo(new Dropped(DropReason.CONF_CHANGE_PENDING));
    network.heal();
    network.tickAll(1);
    assertThat(leader.proposeConfChange(ConfChange.leaveJoint()))
        .isEqualTo(new Dropped(DropReason.INVALID_CONF_CHANGE));
    assertThat(leader.proposeConfChange(ConfChange.addLearner(5)))
        .isInstanceOf(ProposalResult.Accepted.class);
  }

  @Test
  void aRemovedLeaderHandsLeadershipToTheMostUpToDateVoterThesis42() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    network.campaign(1);
    network.node(1).proposeConfChange(ConfChange.remove(1));
    assertThat(network.node(1).propose(Bytes.ofUtf8("after removal")))
        .isEqualTo(new Dropped(DropReason.NOT_A_MEMBER));
    network.stabilize();
    // A transferee still applying the removal ignores the first TimeoutNow; the leader retries
    // after an election timeout.
    network.tickAll(12);
    long leader = network.leader();
    assertThat(leader).isIn(2L, 3L);
    network.node(leader).propose(Bytes.ofUtf8("new era"));
    network.stabilize();
    assertThat(network.peer(5 - leader).appliedData()).containsExactly(Bytes.ofUtf8("new era"));
  }

  /** Membership while 3 is demoted and 2 added: incoming {1, 2}, outgoing {1, 3}. */
  private static final ConfState DEMOTING_3 =
      new ConfState(List.of(1L, 2L), List.of(), List.of(1L, 3L), List.of(3L), false);

  /** The same change once left: 3 is a learner. */
  private static final ConfState DEMOTED_3 =
      new ConfState(List.of(1L, 2L), List.of(3L), List.of(), List.of(), false);

  /** A storage with {@code entries} entries of term 1 (none committed) and that membership. */
  private static MemoryStorage storageWith(ConfState state, int entries) {
    MemoryStorage storage = new MemoryStorage(state);
    for (long index = 1; index <= entries; index++) {
      storage.append(
          List.of(new Entry(1, index, EntryType.NORMAL, Bytes.ofUtf8("entry " + index))));
    }
    storage.setHardState(new HardState(1, 0, 0));
    return storage;
  }

  @Test
  void aVoterBeingDemotedStillCampaignsWhileTheOutgoingConfigurationCountsItThesis43() {
    // Thesis §4.3: in the joint configuration an outgoing voter is a voter. Here 3 holds the
    // longest log, so 1 and 2 cannot win without it (3 refuses them); it must campaign itself.
    TestNetwork network = new TestNetwork();
    network.add(1, TestNetwork.testConfig(1), storageWith(DEMOTING_3, 2));
    network.add(2, TestNetwork.testConfig(2), storageWith(DEMOTING_3, 1));
    network.add(3, TestNetwork.testConfig(3), storageWith(DEMOTING_3, 3));
    network.tick(3, 100);
    network.stabilize();
    assertThat(network.leader()).isEqualTo(3);
  }

  @Test
  void
      aDemotedLearnerWithTheLongestLogCampaignsWhenAVoterThatStillCountsItAsksForItsVoteThesis41() {
    // Configurations take effect when applied (thesis §4.1): 1 and 2 have not applied leaving the
    // joint configuration and need 3's vote in the outgoing half {1, 3}; 3, a learner already,
    // holds the longest log (entries of a leader that crashed before persisting them) and must
    // refuse them (Raft §5.4.1). Learners do not campaign on their own, so 3 campaigns when asked.
    TestNetwork network = new TestNetwork();
    network.add(1, TestNetwork.testConfig(1), storageWith(DEMOTING_3, 2));
    network.add(2, TestNetwork.testConfig(2), storageWith(DEMOTING_3, 2));
    network.add(3, TestNetwork.testConfig(3), storageWith(DEMOTED_3, 3));
    network.tick(3, 100);
    network.stabilize();
    assertThat(network.node(3).hardState().term()).as("learners do not campaign").isEqualTo(1);

    network.campaign(1);
    network.campaign(2);

    // 3 won under its configuration {1, 2} and handed leadership to a voter.
    long leader = network.leader();
    assertThat(leader).isIn(1L, 2L);
    network.node(leader).propose(Bytes.ofUtf8("after the demotion"));
    network.stabilize();
    for (long id = 1; id <= 3; id++) {
      assertThat(network.peer(id).appliedData()).contains(Bytes.ofUtf8("after the demotion"));
      assertThat(network.node(id).lastIndex()).isEqualTo(network.node(leader).lastIndex());
    }
  }
}
