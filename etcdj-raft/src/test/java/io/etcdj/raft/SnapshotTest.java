package io.etcdj.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Snapshots and log compaction (Raft §7) and the in-memory storage they rely on. */
class SnapshotTest {
  private static void compactLeader(TestNetwork network, long id) {
    TestNetwork.Peer peer = network.peer(id);
    long applied = peer.node.status().applied();
    peer.storage.createSnapshot(applied, peer.confState, Bytes.ofUtf8("state@" + applied));
    peer.storage.compact(applied);
  }

  @Test
  void aFollowerWhoseEntriesWereCompactedAwayCatchesUpFromASnapshotSection7() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    network.campaign(1);
    network.isolate(3);
    for (int i = 0; i < 10; i++) {
      network.node(1).propose(Bytes.ofUtf8("v" + i));
    }
    network.stabilize();
    compactLeader(network, 1);
    network.node(1).propose(Bytes.ofUtf8("after snapshot"));
    network.stabilize();
    network.heal();
    network.tickAll(2);
    TestNetwork.Peer follower = network.peer(3);
    assertThat(follower.storage.snapshot().metadata().index()).isEqualTo(11);
    assertThat(follower.storage.snapshot().data()).isEqualTo(Bytes.ofUtf8("state@11"));
    assertThat(follower.appliedData()).containsExactly(Bytes.ofUtf8("after snapshot"));
    assertThat(follower.node.hardState().commit()).isEqualTo(12);
    assertThat(network.node(1).status().progressOf(3).state()).isEqualTo("REPLICATE");
  }

  @Test
  void aFollowerInSnapshotStateGetsNothingElseUntilTheSnapshotIsReportedSection7() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    network.campaign(1);
    network.isolate(3);
    for (int i = 0; i < 5; i++) {
      network.node(1).propose(Bytes.ofUtf8("v" + i));
    }
    network.stabilize();
    compactLeader(network, 1);
    network.heal();
    network.drop = m -> m instanceof Message.InstallSnapshot;
    network.tickAll(1);
    RaftNode leader = network.node(1);
    assertThat(leader.status().progressOf(3).state()).isEqualTo("SNAPSHOT");
    leader.propose(Bytes.ofUtf8("while snapshotting"));
    assertThat(network.takeMessages(1))
        .noneMatch(m -> m instanceof Message.AppendRequest && m.to() == 3);
    leader.reportSnapshot(3, SnapshotStatus.FAILED);
    assertThat(leader.status().progressOf(3).state()).isEqualTo("PROBE");
    network.heal();
    network.tickAll(3);
    assertThat(network.node(3).hardState().commit()).isEqualTo(leader.hardState().commit());
    assertThat(network.peer(3).appliedData()).containsExactly(Bytes.ofUtf8("while snapshotting"));
  }

  @Test
  void restoringASnapshotReplacesTheLogAndTheMembershipSection7() {
    MemoryStorage storage = new MemoryStorage();
    RaftNode node = new RaftNode(TestNetwork.testConfig(4), storage, new SplittableRandom(4));
    ConfState members = new ConfState(List.of(1L, 2L, 4L), List.of(), List.of(), List.of(), false);
    Snapshot snapshot = new Snapshot(new SnapshotMetadata(20, 3, members), Bytes.ofUtf8("s"));
    node.step(new Message.InstallSnapshot(1, 4, 3, snapshot));
    Ready ready = node.ready();
    assertThat(ready.snapshot()).isEqualTo(snapshot);
    assertThat(ready.committedEntries()).isEmpty();
    assertThat(ready.messages())
        .containsExactly(new Message.AppendResponse(4, 1, 3, 20, false, 0, 0));
    storage.applySnapshot(snapshot);
    node.advance();
    assertThat(node.status().confState()).isEqualTo(members);
    assertThat(node.status().applied()).isEqualTo(20);
    assertThat(node.lastIndex()).isEqualTo(20);
  }

  @Test
  void aSnapshotNoNewerThanTheCommitIndexIsIgnoredSection7() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    network.campaign(1);
    network.node(1).propose(Bytes.ofUtf8("x"));
    network.stabilize();
    RaftNode follower = network.node(2);
    Snapshot old = new Snapshot(new SnapshotMetadata(1, 1, network.peer(2).confState), Bytes.EMPTY);
    follower.step(new Message.InstallSnapshot(1, 2, 1, old));
    Ready ready = follower.ready();
    assertThat(ready.snapshot()).isNull();
    assertThat(ready.messages())
        .containsExactly(new Message.AppendResponse(2, 1, 1, 2, false, 0, 0));
    follower.advance();
  }

  private static Entry entry(long term, long index) {
    return new Entry(term, index, EntryType.NORMAL, Bytes.copyOf(new byte[16]));
  }

  @Test
  void memoryStorageAppendsTruncatesCompactsAndBoundsReads() {
    MemoryStorage storage = new MemoryStorage();
    storage.append(List.of(entry(1, 1), entry(1, 2), entry(2, 3), entry(2, 4)));
    assertThat(storage.lastIndex()).isEqualTo(4);
    storage.append(List.of(entry(3, 3)));
    assertThat(storage.allEntries()).containsExactly(entry(1, 1), entry(1, 2), entry(3, 3));
    assertThatThrownBy(() -> storage.append(List.of(entry(3, 5))))
        .isInstanceOf(IllegalArgumentException.class);
    // Every entry counts 40 bytes: a budget of 79 returns one, 80 two; never fewer than one.
    assertThat(storage.entries(1, 4, 79)).hasSize(1);
    assertThat(storage.entries(1, 4, 80)).hasSize(2);
    assertThat(storage.entries(1, 4, 0)).hasSize(1);
    assertThat(storage.createSnapshot(2, ConfState.EMPTY, Bytes.ofUtf8("s"))).isTrue();
    storage.compact(2);
    assertThat(storage.firstIndex()).isEqualTo(3);
    assertThat(storage.term(2)).isEqualTo(1);
    assertThatThrownBy(() -> storage.entries(2, 3, 100))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> storage.term(1)).isInstanceOf(IllegalArgumentException.class);
    assertThat(storage.createSnapshot(1, ConfState.EMPTY, Bytes.EMPTY)).isFalse();
    // Entries older than the snapshot are skipped when appended again.
    storage.append(List.of(entry(1, 2), entry(3, 3), entry(3, 4)));
    assertThat(storage.allEntries()).containsExactly(entry(3, 3), entry(3, 4));
  }

  @Test
  void aRestartedNodeResumesFromItsPersistedStateAndReappliesCommittedEntries() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    network.campaign(1);
    network.node(1).propose(Bytes.ofUtf8("durable"));
    network.stabilize();
    HardState before = network.node(2).hardState();
    network.restart(2);
    assertThat(network.node(2).hardState()).isEqualTo(before);
    network.processAllReady();
    assertThat(network.peer(2).appliedData()).containsExactly(Bytes.ofUtf8("durable"));
  }
}
