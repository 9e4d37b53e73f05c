package io.etcdj.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdj.raft.Message.AppendRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Flow control (probe / replicate / inflight window), batching and heartbeats (Raft §5.3). */
class ReplicationTest {
  private static long appendsTo(List<Message> messages, long to) {
    return messages.stream().filter(m -> m instanceof AppendRequest && m.to() == to).count();
  }

  @Test
  void aProbingLeaderSendsOneAppendPerFollowerUntilItHearsBack() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    network.campaign(1);
    network.isolate(2);
    network.node(1).reportUnreachable(2);
    network.stabilize();
    assertThat(network.node(1).status().progressOf(2).state()).isEqualTo("PROBE");
    network.node(1).propose(Bytes.ofUtf8("a"));
    network.node(1).propose(Bytes.ofUtf8("b"));
    network.node(1).propose(Bytes.ofUtf8("c"));
    List<Message> out = network.takeMessages(1);
    assertThat(appendsTo(out, 2)).isEqualTo(1);
    assertThat(appendsTo(out, 3)).isEqualTo(3);
  }

  @Test
  void aReplicatingLeaderStopsAtTheInflightMessageLimit() {
    TestNetwork network = TestNetwork.of(3, c -> c.withFlowControl(1 << 20, 2, 0));
    network.campaign(1);
    for (int i = 0; i < 5; i++) {
      network.node(1).propose(Bytes.ofUtf8("x" + i));
    }
    List<Message> out = network.takeMessages(1);
    assertThat(appendsTo(out, 2)).isEqualTo(2);
    assertThat(network.node(1).status().progressOf(2).inflight()).isEqualTo(2);
  }

  @Test
  void aReplicatingLeaderStopsAtTheInflightByteLimit() {
    TestNetwork network = TestNetwork.of(3, c -> c.withFlowControl(100, 100, 200));
    network.campaign(1);
    for (int i = 0; i < 10; i++) {
      network.node(1).propose(Bytes.copyOf(new byte[76]));
    }
    // Each entry counts 100 bytes (payload + 24): two appends fill the 200-byte window.
    assertThat(appendsTo(network.takeMessages(1), 2)).isEqualTo(2);
  }

  @Test
  void appendsBatchEntriesUpToTheMessageSizeBudget() {
    TestNetwork network = TestNetwork.of(2, c -> c.withFlowControl(250, 256, 0));
    network.campaign(1);
    network.isolate(2);
    for (int i = 0; i < 10; i++) {
      network.node(1).propose(Bytes.copyOf(new byte[26]));
    }
    network.stabilize();
    network.heal();
    network.node(1).reportUnreachable(2);
    network.tickAll(1);
    network.stabilize();
    assertThat(network.peer(2).appliedData()).hasSize(10);
  }

  @Test
  void batchedAppendsStayWithinTheBudget() {
    TestNetwork network = TestNetwork.of(2, c -> c.withFlowControl(250, 256, 0));
    network.campaign(1);
    network.isolate(2);
    for (int i = 0; i < 10; i++) {
      network.node(1).propose(Bytes.copyOf(new byte[26]));
    }
    network.stabilize();
    network.heal();
    List<AppendRequest> seen = new java.util.ArrayList<>();
    network.drop =
        m -> {
          if (m instanceof AppendRequest a && !a.entries().isEmpty()) {
            seen.add(a);
          }
          return false;
        };
    network.node(1).reportUnreachable(2);
    network.tickAll(1);
    assertThat(network.peer(2).appliedData()).hasSize(10);
    // Each entry counts 50 bytes (26 + 24): at most five fit in 250.
    assertThat(seen).allSatisfy(a -> assertThat(a.entries()).hasSizeLessThanOrEqualTo(5));
    assertThat(seen).anySatisfy(a -> assertThat(a.entries()).hasSize(5));
  }

  @Test
  void heartbeatsCarryTheCommitIndexCappedAtTheFollowersMatch() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    network.campaign(1);
    network.isolate(3);
    network.node(1).propose(Bytes.ofUtf8("a"));
    network.stabilize();
    network.node(1).tick();
    List<Message> out = network.takeMessages(1);
    assertThat(out)
        .contains(
            new Message.Heartbeat(1, 2, 1, 2, Bytes.EMPTY),
            new Message.Heartbeat(1, 3, 1, 1, Bytes.EMPTY));
  }

  @Test
  void aFollowerThatAcknowledgesMovesFromProbeToReplicate() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    network.campaign(1);
    assertThat(network.node(1).status().progressOf(2).state()).isEqualTo("REPLICATE");
    network.node(1).reportUnreachable(2);
    assertThat(network.node(1).status().progressOf(2).state()).isEqualTo("PROBE");
    network.node(1).propose(Bytes.ofUtf8("a"));
    network.stabilize();
    assertThat(network.node(1).status().progressOf(2).state()).isEqualTo("REPLICATE");
    assertThat(network.node(1).status().progressOf(2).match()).isEqualTo(2);
  }

  @Test
  void aSingleNodeLeaderCommitsOnlyWhatItHasPersisted() {
    MemoryStorage storage = MemoryStorage.ofVoters(List.of(1L));
    RaftNode node =
        new RaftNode(TestNetwork.testConfig(1), storage, new java.util.SplittableRandom(1));
    node.campaign();
    Ready first = node.ready();
    assertThat(first.entries()).hasSize(1);
    assertThat(first.committedEntries()).isEmpty();
    storage.append(first.entries());
    node.advance();
    Ready second = node.ready();
    assertThat(second.committedEntries()).isEqualTo(first.entries());
    assertThat(second.mustSync()).isFalse();
    node.advance();
  }
}
