package io.etcdj.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdj.raft.Message.AppendRequest;
import io.etcdj.raft.Message.AppendResponse;
import io.etcdj.raft.Message.Heartbeat;
import io.etcdj.raft.Message.VoteRequest;
import io.etcdj.raft.Message.VoteResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** One test per rule of the Raft paper (Ongaro and Ousterhout, 2014), §5.1 to §5.4. */
class RaftPaperTest {
  private static final List<Long> THREE = List.of(1L, 2L, 3L);

  private static Entry entry(long term, long index) {
    return new Entry(term, index, EntryType.NORMAL, Bytes.ofUtf8("e" + index));
  }

  /** A node of voters {@code voters} whose storage holds entries of the given terms (1-based). */
  private static RaftNode nodeWithLog(long id, List<Long> voters, long term, long... entryTerms) {
    MemoryStorage storage = MemoryStorage.ofVoters(voters);
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < entryTerms.length; i++) {
      entries.add(entry(entryTerms[i], i + 1));
    }
    storage.append(entries);
    storage.setHardState(new HardState(term, 0, 0));
    return new RaftNode(TestNetwork.testConfig(id), storage, new SplittableRandom(id));
  }

  private static List<Message> drain(RaftNode node) {
    Ready ready = node.ready();
    node.advance();
    return ready.messages();
  }

  private static void electionTimeout(RaftNode node) {
    for (int i = 0; i < 20; i++) {
      node.tick();
    }
  }

  // ---------------------------------------------------------------- §5.1

  @Test
  void everyRoleRevertsToFollowerOnSeeingAHigherTermSection51() {
    for (SoftState.Role role : SoftState.Role.values()) {
      TestNetwork network = TestNetwork.of(3, c -> c.withElectionSafety(false, true));
      RaftNode node = network.node(1);
      switch (role) {
        case FOLLOWER -> {}
        case PRE_CANDIDATE -> node.campaign();
        case CANDIDATE -> {
          network.node(1).campaign();
          network.processAllReady();
          network.deliver(); // pre-votes out
          network.processAllReady();
          network.deliver(); // grants back: now a candidate
          network.queue.clear();
        }
        case LEADER -> network.campaign(1);
      }
      assertThat(node.softState().role()).as("setup").isEqualTo(role);
      long higher = node.hardState().term() + 5;
      node.step(new Heartbeat(2, 1, higher, 0, Bytes.EMPTY));
      assertThat(node.softState()).isEqualTo(new SoftState(2, SoftState.Role.FOLLOWER));
      assertThat(node.hardState().term()).isEqualTo(higher);
    }
  }

  @Test
  void aServerRejectsARequestWithAStaleTermAndTellsTheSenderItsTermSection51() {
    RaftNode node = nodeWithLog(1, THREE, 3, 1, 1);
    node.step(new AppendRequest(2, 1, 2, 2, 1, List.of(entry(2, 3)), 3));
    List<Message> out = drain(node);
    assertThat(out).containsExactly(new AppendResponse(1, 2, 3, 0, false, 0, 0));
    assertThat(node.lastIndex()).isEqualTo(2);
    assertThat(node.hardState().commit()).isZero();
  }

  @Test
  void termAndVoteArePersistedInTheSameReadyAsTheMessagesThatDependOnThemSection51() {
    RaftNode voter = nodeWithLog(2, THREE, 1, 1);
    voter.step(new VoteRequest(1, 2, 2, 1, 1, false, false));
    Ready ready = voter.ready();
    assertThat(ready.messages()).containsExactly(new VoteResponse(2, 1, 2, true, false));
    assertThat(ready.hardState()).isEqualTo(new HardState(2, 1, 0));
    assertThat(ready.mustSync()).isTrue();
    assertThat(Ready.mayBeSentBeforePersisting(ready.messages().get(0))).isFalse();
  }

  // ---------------------------------------------------------------- §5.2

  @Test
  void aFollowerThatHearsFromNoLeaderStartsAnElectionForTheNextTermSection52() {
    RaftNode node = nodeWithLog(1, THREE, 1, 1);
    electionTimeout(node);
    assertThat(node.softState().role()).isEqualTo(SoftState.Role.CANDIDATE);
    Ready ready = node.ready();
    assertThat(ready.hardState()).isEqualTo(new HardState(2, 1, 0));
    assertThat(ready.messages())
        .containsExactly(
            new VoteRequest(1, 2, 2, 1, 1, false, false),
            new VoteRequest(1, 3, 2, 1, 1, false, false));
  }

  @Test
  void aCandidateWinsOnlyWithVotesFromAMajoritySection52() {
    record Case(int size, List<Long> grants, SoftState.Role expected) {}
    List<Case> cases =
        List.of(
            new Case(1, List.of(), SoftState.Role.LEADER),
            new Case(3, List.of(2L), SoftState.Role.LEADER),
            new Case(3, List.of(), SoftState.Role.CANDIDATE),
            new Case(5, List.of(2L), SoftState.Role.CANDIDATE),
            new Case(5, List.of(2L, 3L), SoftState.Role.LEADER),
            new Case(4, List.of(2L), SoftState.Role.CANDIDATE),
            new Case(4, List.of(2L, 3L), SoftState.Role.LEADER));
    for (Case c : cases) {
      List<Long> voters = new ArrayList<>();
      for (long id = 1; id <= c.size(); id++) {
        voters.add(id);
      }
      RaftNode node = nodeWithLog(1, voters, 0);
      node.campaign();
      for (long grant : c.grants()) {
        node.step(new VoteResponse(grant, 1, 1, true, false));
      }
      assertThat(node.softState().role()).as("%s", c).isEqualTo(c.expected());
    }
  }

  @Test
  void aCandidateLosesWhenAMajorityRejectsSection52() {
    RaftNode node = nodeWithLog(1, THREE, 0);
    node.campaign();
    node.step(new VoteResponse(2, 1, 1, false, false));
    node.step(new VoteResponse(3, 1, 1, false, false));
    assertThat(node.softState().role()).isEqualTo(SoftState.Role.FOLLOWER);
  }

  @Test
  void eachServerVotesForAtMostOneCandidatePerTermFirstComeFirstServedSection52() {
    RaftNode voter = nodeWithLog(3, THREE, 1, 1);
    voter.step(new VoteRequest(1, 3, 2, 1, 1, false, false));
    voter.step(new VoteRequest(2, 3, 2, 1, 1, false, false));
    voter.step(new VoteRequest(1, 3, 2, 1, 1, false, false));
    assertThat(drain(voter))
        .containsExactly(
            new VoteResponse(3, 1, 2, true, false),
            new VoteResponse(3, 2, 2, false, false),
            new VoteResponse(3, 1, 2, true, false));
  }

  @Test
  void aVoteSurvivesARestartSoNoSecondVoteIsCastInTheTermSection52() {
    MemoryStorage storage = MemoryStorage.ofVoters(THREE);
    RaftNode voter = new RaftNode(TestNetwork.testConfig(3), storage, new SplittableRandom(3));
    voter.step(new VoteRequest(1, 3, 2, 0, 0, false, false));
    Ready ready = voter.ready();
    storage.setHardState(java.util.Objects.requireNonNull(ready.hardState()));
    voter.advance();
    RaftNode restarted = new RaftNode(TestNetwork.testConfig(3), storage, new SplittableRandom(9));
    restarted.step(new VoteRequest(2, 3, 2, 0, 0, false, false));
    assertThat(drain(restarted)).containsExactly(new VoteResponse(3, 2, 2, false, false));
  }

  @Test
  void aCandidateStepsDownWhenALeaderOfItsTermContactsItSection52() {
    RaftNode node = nodeWithLog(1, THREE, 0);
    node.campaign();
    node.step(new AppendRequest(2, 1, 1, 0, 0, List.of(), 0));
    assertThat(node.softState()).isEqualTo(new SoftState(2, SoftState.Role.FOLLOWER));
    assertThat(node.hardState().term()).isEqualTo(1);
  }

  @Test
  void electionTimeoutsAreRandomizedBetweenOneAndTwoElectionTimeoutsSection52() {
    TreeSet<Integer> seen = new TreeSet<>();
    for (long seed = 0; seed < 200; seed++) {
      RaftNode node =
          new RaftNode(
              TestNetwork.testConfig(1), MemoryStorage.ofVoters(THREE), new SplittableRandom(seed));
      int ticks = 0;
      while (node.softState().role() == SoftState.Role.FOLLOWER) {
        node.tick();
        ticks++;
      }
      seen.add(ticks);
    }
    assertThat(seen.first()).isGreaterThanOrEqualTo(10);
    assertThat(seen.last()).isLessThanOrEqualTo(19);
    assertThat(seen).hasSizeGreaterThan(5);
  }

  // ---------------------------------------------------------------- §5.3

  @Test
  void aLeaderCommitsOnceAMajorityStoredTheEntryAndFollowersLearnTheCommitSection53() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    network.campaign(1);
    network.isolate(3);
    network.node(1).propose(Bytes.ofUtf8("x"));
    network.stabilize();
    assertThat(network.node(1).hardState().commit()).isEqualTo(2);
    assertThat(network.node(2).hardState().commit()).isEqualTo(2);
    assertThat(network.peer(2).appliedData()).containsExactly(Bytes.ofUtf8("x"));
    assertThat(network.node(3).hardState().commit()).isEqualTo(1);
    network.heal();
    network.tickAll(1);
    assertThat(network.peer(3).appliedData()).containsExactly(Bytes.ofUtf8("x"));
  }

  @Test
  void aFollowerRejectsAnAppendWhosePreviousEntryDoesNotMatchSection53() {
    RaftNode node = nodeWithLog(2, THREE, 2, 1, 1);
    node.step(new AppendRequest(1, 2, 2, 2, 2, List.of(entry(2, 3)), 3));
    List<Message> out = drain(node);
    assertThat(out).hasSize(1);
    AppendResponse response = (AppendResponse) out.get(0);
    assertThat(response.reject()).isTrue();
    assertThat(response.index()).isEqualTo(2);
    assertThat(node.lastIndex()).isEqualTo(2);
  }

  @Test
  void aFollowerReplacesConflictingEntriesWithTheLeadersSection53() {
    MemoryStorage storage = MemoryStorage.ofVoters(THREE);
    storage.append(List.of(entry(1, 1), entry(2, 2), entry(2, 3)));
    storage.setHardState(new HardState(3, 0, 0));
    RaftNode node = new RaftNode(TestNetwork.testConfig(2), storage, new SplittableRandom(2));
    node.step(new AppendRequest(1, 2, 3, 1, 1, List.of(entry(3, 2)), 2));
    Ready ready = node.ready();
    assertThat(ready.entries()).containsExactly(entry(3, 2));
    assertThat(ready.committedEntries()).containsExactly(entry(1, 1), entry(3, 2));
    storage.append(ready.entries());
    node.advance();
    assertThat(node.lastIndex()).isEqualTo(2);
    assertThat(node.termAt(2)).isEqualTo(3);
    assertThat(storage.allEntries()).containsExactly(entry(1, 1), entry(3, 2));
  }

  @Test
  void aRejectingFollowerLetsTheLeaderSkipAWholeTermPerRoundTripSection53() {
    // Follower has 1/1 then many entries of term 2 the leader never had; the leader has term 3.
    RaftNode follower = nodeWithLog(2, THREE, 2, 1, 2, 2, 2, 2, 2, 2);
    follower.step(new AppendRequest(1, 2, 3, 7, 3, List.of(), 0));
    AppendResponse reject = (AppendResponse) drain(follower).get(0);
    assertThat(reject.reject()).isTrue();
    assertThat(reject.hintTerm()).isEqualTo(2);
    // The leader's log (1/1, 3/2..3/7) has no term 2: it can skip straight to index 1.
    RaftNode leaderLog = nodeWithLog(1, THREE, 3, 1, 3, 3, 3, 3, 3, 3);
    long next = new RaftLogProbe(leaderLog).findConflictByTerm(reject.rejectHint(), 2);
    assertThat(next).isEqualTo(1);
  }

  /** Reads the log of a node through its public term lookup (what the leader does on a hint). */
  private record RaftLogProbe(RaftNode node) {
    long findConflictByTerm(long index, long term) {
      long i = Math.min(index, node.lastIndex());
      while (i > 0 && node.termAt(i) > term) {
        i--;
      }
      return i;
    }
  }

  @Test
  void aLeaderBringsADivergedFollowerBackInLineSection53() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    network.campaign(1);
    network.isolate(1);
    for (int i = 0; i < 5; i++) {
      network.node(1).propose(Bytes.ofUtf8("lost" + i));
    }
    network.stabilize();
    network.campaign(2);
    network.node(2).propose(Bytes.ofUtf8("kept"));
    network.stabilize();
    network.heal();
    network.tickAll(2);
    for (long id = 1; id <= 3; id++) {
      assertThat(network.peer(id).appliedData())
          .as("node %d", id)
          .containsExactly(Bytes.ofUtf8("kept"));
      assertThat(network.node(id).lastIndex()).isEqualTo(network.node(2).lastIndex());
    }
  }

  // ---------------------------------------------------------------- §5.4

  @Test
  void aVoterDeniesCandidatesWhoseLogIsLessUpToDateSection541() {
    // Voter's log: terms 1, 2 (last 2/2).
    record Case(long lastTerm, long lastIndex, boolean granted) {}
    List<Case> cases =
        List.of(
            new Case(1, 5, false),
            new Case(2, 1, false),
            new Case(2, 2, true),
            new Case(2, 3, true),
            new Case(3, 1, true));
    for (Case c : cases) {
      RaftNode voter = nodeWithLog(2, THREE, 2, 1, 2);
      voter.step(new VoteRequest(1, 2, 3, c.lastIndex(), c.lastTerm(), false, false));
      VoteResponse response = (VoteResponse) drain(voter).get(0);
      assertThat(response.granted()).as("%s", c).isEqualTo(c.granted());
    }
  }

  @Test
  void aLeaderNeverCommitsAnEarlierTermsEntryByCountingReplicasFigure8Section542() {
    // Figure 8 (c): leader 1 of term 3 holds 2/2 from term 2, replicated to node 2 as well.
    MemoryStorage storage = MemoryStorage.ofVoters(THREE);
    storage.append(List.of(entry(1, 1), entry(2, 2)));
    storage.setHardState(new HardState(2, 0, 1));
    RaftNode leader = new RaftNode(TestNetwork.testConfig(1), storage, new SplittableRandom(1));
    leader.campaign();
    drainInto(leader, storage);
    leader.step(new VoteResponse(2, 1, 3, true, false));
    drainInto(leader, storage); // persists the no-op 3/3, so the leader counts itself
    assertThat(leader.softState().role()).isEqualTo(SoftState.Role.LEADER);
    leader.step(new AppendResponse(2, 1, 3, 2, false, 0, 0));
    drainInto(leader, storage);
    // A majority (1 and 2) stores 2/2, yet it is not committed: its term is not the leader's.
    assertThat(leader.hardState().commit()).isEqualTo(1);
    leader.step(new AppendResponse(2, 1, 3, 3, false, 0, 0));
    drainInto(leader, storage);
    assertThat(leader.hardState().commit()).isEqualTo(3);
  }

  private static void drainInto(RaftNode node, MemoryStorage storage) {
    while (node.hasReady()) {
      Ready ready = node.ready();
      storage.append(ready.entries());
      HardState hard = ready.hardState();
      if (hard != null) {
        storage.setHardState(hard);
      }
      node.advance();
    }
  }

  @Test
  void aNewLeaderHoldsEveryCommittedEntryLeaderCompletenessSection54() {
    TestNetwork network = TestNetwork.of(5, c -> c);
    network.campaign(1);
    network.isolate(4);
    network.isolate(5);
    network.node(1).propose(Bytes.ofUtf8("committed"));
    network.stabilize();
    assertThat(network.node(1).hardState().commit()).isEqualTo(2);
    // 4 and 5 lack the entry; with 1 gone they cannot win, 2 or 3 can.
    network.heal();
    network.isolate(1);
    network.campaign(4);
    assertThat(network.node(4).softState().role()).isNotEqualTo(SoftState.Role.LEADER);
    network.campaign(2);
    assertThat(network.node(2).softState().role()).isEqualTo(SoftState.Role.LEADER);
    assertThat(network.node(2).termAt(2)).isEqualTo(1);
  }

  @Test
  void everyNodeAppliesTheSameEntriesInTheSameOrderSection543() {
    TestNetwork network = TestNetwork.of(3, c -> c);
    network.campaign(1);
    for (int i = 0; i < 20; i++) {
      network.node(1 + i % 3).propose(Bytes.ofUtf8("v" + i));
      network.stabilize();
    }
    assertThat(network.peer(1).appliedData()).hasSize(20);
    assertThat(network.peer(2).applied).isEqualTo(network.peer(1).applied);
    assertThat(network.peer(3).applied).isEqualTo(network.peer(1).applied);
  }
}
