package io.etcdj.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The Ready/advance contract and configuration validation. */
class ReadyContractTest {
  @Test
  void invalidConfigurationsAreRejectedAtConstruction() {
    RaftConfig base = RaftConfig.defaults(1);
    assertThatThrownBy(() -> base.withTicks(2, 2)).hasMessageContaining("electionTicks");
    assertThatThrownBy(() -> base.withTicks(10, 0)).hasMessageContaining("heartbeatTicks");
    assertThatThrownBy(() -> base.withFlowControl(0, 1, 0)).hasMessageContaining("maxSizePerMsg");
    assertThatThrownBy(() -> base.withFlowControl(100, 0, 0))
        .hasMessageContaining("maxInflightMsgs");
    assertThatThrownBy(() -> base.withFlowControl(100, 1, 50))
        .hasMessageContaining("maxInflightBytes");
    assertThatThrownBy(() -> base.withMaxUncommittedEntriesBytes(-1))
        .hasMessageContaining("maxUncommitted");
    assertThatThrownBy(
            () ->
                base.withElectionSafety(false, true)
                    .withReadOnlyOption(RaftConfig.ReadOnlyOption.LEASE_BASED))
        .hasMessageContaining("checkQuorum");
    assertThatThrownBy(() -> RaftConfig.defaults(0)).hasMessageContaining("id");
  }

  @Test
  void aReadyMustBeAdvancedBeforeTheNextOne() {
    RaftNode node =
        new RaftNode(
            TestNetwork.testConfig(1),
            MemoryStorage.ofVoters(List.of(1L, 2L)),
            new SplittableRandom(1));
    assertThatThrownBy(node::advance).isInstanceOf(IllegalStateException.class);
    node.campaign();
    node.ready();
    assertThatThrownBy(node::ready).isInstanceOf(IllegalStateException.class);
    node.advance();
    assertThat(node.hasReady()).isFalse();
  }

  @Test
  void aCommitOnlyChangeNeedsNoFsyncButATermOrEntriesDo() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    network.campaign(1);
    network.node(1).propose(Bytes.ofUtf8("x"));
    network.processAllReady();
    network.deliver(); // append reaches 2 and 3
    Ready followerAppend = network.node(2).ready();
    assertThat(followerAppend.entries()).hasSize(1);
    assertThat(followerAppend.mustSync()).isTrue();
    network.peer(2).storage.append(followerAppend.entries());
    network.node(2).advance();
    network.queue.addAll(followerAppend.messages());
    network.deliver(); // the acknowledgement commits the entry on the leader
    network.processReady(1); // which tells the followers the new commit index
    network.deliver();
    Ready commitOnly = network.node(2).ready();
    assertThat(commitOnly.hardState()).isNotNull();
    assertThat(commitOnly.entries()).isEmpty();
    assertThat(commitOnly.mustSync()).isFalse();
    network.node(2).advance();
  }

  @Test
  void onlyALeadersAppendsMayLeaveBeforeTheReadyIsPersisted() {
    assertThat(
            Ready.mayBeSentBeforePersisting(new Message.AppendRequest(1, 2, 1, 0, 0, List.of(), 0)))
        .isTrue();
    assertThat(Ready.mayBeSentBeforePersisting(new Message.VoteResponse(2, 1, 1, true, false)))
        .isFalse();
    assertThat(Ready.mayBeSentBeforePersisting(new Message.AppendResponse(2, 1, 1, 5, false, 0, 0)))
        .isFalse();
  }

  @Test
  void committedEntriesNeverIncludeAnythingBeyondTheCommitIndex() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    network.campaign(1);
    network.isolate(2);
    network.isolate(3);
    network.node(1).propose(Bytes.ofUtf8("uncommitted"));
    network.stabilize();
    assertThat(network.peer(1).appliedData()).isEmpty();
    assertThat(network.node(1).lastIndex()).isEqualTo(2);
    assertThat(network.node(1).hardState().commit()).isEqualTo(1);
  }
}
