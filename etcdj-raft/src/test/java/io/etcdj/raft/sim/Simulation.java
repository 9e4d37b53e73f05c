package io.etcdj.raft.sim;

import io.etcdj.raft.Bytes;
import io.etcdj.raft.ConfChange;
import io.etcdj.raft.ConfState;
import io.etcdj.raft.Entry;
import io.etcdj.raft.EntryType;
import io.etcdj.raft.MemoryStorage;
import io.etcdj.raft.Message;
import io.etcdj.raft.ProposalResult;
import io.etcdj.raft.RaftConfig;
import io.etcdj.raft.RaftNode;
import io.etcdj.raft.ReadState;
import io.etcdj.raft.Ready;
import io.etcdj.raft.Snapshot;
import io.etcdj.raft.SnapshotStatus;
import io.etcdj.raft.SoftState;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * One seeded run of a raft cluster on a simulated network, in the style of TigerBeetle's VOPR: the
 * seed picks the cluster size, the configuration and every fault rate (swarm testing), then a
 * safety phase of random events follows, with every invariant checked after each step, and a
 * liveness phase on a healed network that must elect a leader and commit every pending proposal.
 *
 * <p>The simulation is the application around each {@link RaftNode}: it persists Ready batches to a
 * {@link MemoryStorage} that stands for the disk (it survives crashes, the node and the applied
 * state machine do not), applies committed entries to a hash-chain state machine, takes snapshots
 * and compacts. Everything derives from the seed, so a seed replays exactly; {@link #traceHash()}
 * proves it.
 */
final class Simulation {
  /** Thrown when an invariant breaks; the message names the seed and step. */
  static final class InvariantViolation extends RuntimeException {
    private static final long serialVersionUID = 1;

    InvariantViolation(String message) {
      super(message);
    }
  }

  record Result(
      long seed, int nodes, long steps, long ticksToLiveness, long traceHash, String stats) {}

  private record InFlight(long deliverAt, long sequence, Message message) {}

  private record EntryKey(long index, long term) {}

  private record EntrySignature(long previousTerm, EntryType type, Bytes data) {}

  private record LeaderMark(long term, long lastIndex, long lastTerm) {}

  private final class SimNode {
    final long id;
    final RaftConfig config;
    MemoryStorage storage;
    @Nullable RaftNode raft;
    long appliedIndex;
    long appliedHash;
    ConfState confState;
    @Nullable LeaderMark leaderMark;
    long commitSeen;

    SimNode(long id, RaftConfig config, MemoryStorage storage) {
      this.id = id;
      this.config = config;
      this.storage = storage;
      this.confState = storage.snapshot().metadata().confState();
      start();
    }

    void start() {
      Snapshot snapshot = storage.snapshot();
      // The state machine restarts from the snapshot, so raft resumes applying right after it.
      raft =
          new RaftNode(
              config.withAppliedIndex(snapshot.metadata().index()), storage, random.split());
      appliedIndex = snapshot.metadata().index();
      appliedHash = snapshot.isEmpty() ? 0 : decodeHash(snapshot.data());
      confState = snapshot.metadata().confState();
      leaderMark = null;
    }

    boolean alive() {
      return raft != null;
    }

    RaftNode raft() {
      RaftNode node = raft;
      if (node == null) {
        throw new IllegalStateException("node " + id + " is down");
      }
      return node;
    }
  }

  private final long seed;
  private final SplittableRandom random;
  private final int clusterSize;
  private final boolean verbose;
  private final StringBuilder trace = new StringBuilder();
  private final TreeMap<Long, SimNode> nodes = new TreeMap<>();
  private final ArrayList<InFlight> network = new ArrayList<>();
  private final TreeMap<Long, Integer> partitionGroup = new TreeMap<>();
  private long now;
  private long messageSequence;
  private long nextProposalId = 1;
  private long nextReadId = 1;
  private long hash = 0xcbf29ce484222325L;

  // Fault and workload rates, chosen by the seed.
  private final double dropRate;
  private final double duplicateRate;
  private final double reorderRate;
  private final int maxDelaySteps;
  private final double crashMidReadyRate;
  private final int[] weights;

  // What the checks remember.
  private final HashMap<Long, Long> leaderOfTerm = new HashMap<>();
  private final HashMap<EntryKey, EntrySignature> entriesSeen = new HashMap<>();
  private final ArrayList<Entry> appliedGlobal = new ArrayList<>();
  private final ArrayList<Long> hashAtIndex = new ArrayList<>();
  private final ArrayList<Long> committedEntryTerm = new ArrayList<>();
  private final ArrayList<Long> commitTerm = new ArrayList<>();
  private final HashMap<Bytes, Long> readRequiredIndex = new HashMap<>();
  private final LinkedHashSet<Long> pendingProposals = new LinkedHashSet<>();
  private final HashSet<Long> appliedProposals = new HashSet<>();
  private long readsChecked;
  private long elections;
  private long crashes;
  private long snapshotsInstalled;
  private long confChangesApplied;

  private static final int TICK = 0;
  private static final int DELIVER = 1;
  private static final int PROPOSE = 2;
  private static final int READ = 3;
  private static final int CONF_CHANGE = 4;
  private static final int CRASH = 5;
  private static final int RESTART = 6;
  private static final int PARTITION = 7;
  private static final int HEAL = 8;
  private static final int SNAPSHOT = 9;

  Simulation(long seed, int clusterSize, boolean verbose) {
    this.seed = seed;
    this.random = new SplittableRandom(seed);
    this.clusterSize = clusterSize;
    this.verbose = verbose;
    this.dropRate = random.nextDouble() < 0.3 ? 0 : random.nextDouble() * 0.25;
    this.duplicateRate = random.nextDouble() < 0.5 ? 0 : random.nextDouble() * 0.1;
    this.reorderRate = random.nextDouble() * 0.5;
    this.maxDelaySteps = random.nextInt(12);
    this.crashMidReadyRate = random.nextDouble() < 0.5 ? 0 : random.nextDouble() * 0.02;
    this.weights =
        new int[] {
          30 + random.nextInt(30), // tick
          40 + random.nextInt(40), // deliver
          2 + random.nextInt(15), // propose
          random.nextInt(6), // read
          random.nextInt(3), // conf change
          random.nextInt(2), // crash
          1 + random.nextInt(3), // restart
          random.nextInt(2), // partition
          1 + random.nextInt(3), // heal
          random.nextInt(3), // snapshot
        };
    boolean preVote = random.nextBoolean();
    boolean checkQuorum = random.nextBoolean();
    int electionTicks = 5 + random.nextInt(8);
    int heartbeatTicks = 1 + random.nextInt(Math.max(1, electionTicks / 3));
    // A quarter of the seeds send one entry per append, which exposes commit-rule bugs (Figure 8).
    long maxSizePerMsg = random.nextInt(4) == 0 ? 1 : 32 + random.nextInt(512);
    int maxInflight = 1 + random.nextInt(12);
    long maxInflightBytes = random.nextBoolean() ? 0 : maxSizePerMsg * (1 + random.nextInt(8));
    long maxUncommitted = random.nextBoolean() ? 0 : 200 + random.nextInt(2000);
    List<Long> voters = new ArrayList<>();
    for (long id = 1; id <= clusterSize; id++) {
      voters.add(id);
    }
    for (long id = 1; id <= clusterSize + 2; id++) {
      RaftConfig config =
          RaftConfig.defaults(id)
              .withTicks(electionTicks, heartbeatTicks)
              .withFlowControl(maxSizePerMsg, maxInflight, maxInflightBytes)
              .withMaxUncommittedEntriesBytes(maxUncommitted)
              .withElectionSafety(checkQuorum, preVote);
      MemoryStorage storage =
          id <= clusterSize ? MemoryStorage.bootstrap(voters) : new MemoryStorage();
      nodes.put(id, new SimNode(id, config, storage));
      partitionGroup.put(id, 0);
    }
    log(
        "seed=%d nodes=%d preVote=%s checkQuorum=%s election=%d heartbeat=%d drop=%.3f dup=%.3f"
            + " delay=%d crashMidReady=%.3f",
        seed,
        clusterSize,
        preVote,
        checkQuorum,
        electionTicks,
        heartbeatTicks,
        dropRate,
        duplicateRate,
        maxDelaySteps,
        crashMidReadyRate);
  }

  long traceHash() {
    return hash;
  }

  String trace() {
    return trace.toString();
  }

  @SuppressWarnings("AnnotateFormatMethod") // error_prone_annotations is not on this classpath
  private void log(String format, Object... args) {
    if (verbose) {
      trace.append(now).append(": ").append(String.format(format, args)).append('\n');
    }
  }

  private void mix(long value) {
    hash ^= value;
    hash *= 0x100000001b3L;
  }

  // ------------------------------------------------------------------ run

  Result run(int safetySteps) {
    try {
      for (int step = 0; step < safetySteps; step++) {
        now++;
        event(pickEvent());
        processAllReady();
        checkInvariants();
      }
      long ticks = liveness();
      String stats =
          String.format(
              "elections=%d applied=%d reads=%d crashes=%d snapshots=%d confChanges=%d",
              elections,
              appliedGlobal.size(),
              readsChecked,
              crashes,
              snapshotsInstalled,
              confChangesApplied);
      return new Result(seed, clusterSize, now, ticks, hash, stats);
    } catch (RuntimeException e) {
      throw new InvariantViolation(
          "seed " + seed + " (nodes=" + clusterSize + ") failed at step " + now + ": " + e);
    }
  }

  private int pickEvent() {
    int total = 0;
    for (int weight : weights) {
      total += weight;
    }
    int roll = random.nextInt(total);
    for (int i = 0; i < weights.length; i++) {
      roll -= weights[i];
      if (roll < 0) {
        return i;
      }
    }
    return TICK;
  }

  private void event(int kind) {
    switch (kind) {
      case TICK -> {
        SimNode node = randomAlive();
        if (node != null) {
          mix(1000 + node.id);
          node.raft().tick();
        }
      }
      case DELIVER -> deliverOne(true);
      case PROPOSE -> {
        SimNode node = randomAlive();
        if (node != null) {
          propose(node, nextProposalId++);
        }
      }
      case READ -> {
        SimNode node = randomAlive();
        if (node != null) {
          Bytes context = Bytes.ofUtf8("read-" + nextReadId++);
          readRequiredIndex.put(context, (long) appliedGlobal.size());
          ProposalResult result = node.raft().readIndex(context);
          log("read %s at %d: %s", context.toUtf8(), node.id, result);
        }
      }
      case CONF_CHANGE -> proposeConfChange();
      case CRASH -> {
        SimNode node = randomAlive();
        if (node != null) {
          crash(node);
        }
      }
      case RESTART -> {
        List<SimNode> down = nodes.values().stream().filter(n -> !n.alive()).toList();
        if (!down.isEmpty()) {
          SimNode node = down.get(random.nextInt(down.size()));
          log("restart %d", node.id);
          mix(3000 + node.id);
          node.start();
        }
      }
      case PARTITION -> {
        partitionGroup.replaceAll((id, group) -> random.nextInt(2));
        log("partition %s", partitionGroup);
        mix(partitionGroup.hashCode());
      }
      case HEAL -> {
        partitionGroup.replaceAll((id, group) -> 0);
        log("heal");
        mix(4);
      }
      case SNAPSHOT -> {
        SimNode node = randomAlive();
        if (node != null) {
          takeSnapshot(node);
        }
      }
      default -> throw new IllegalArgumentException("event " + kind);
    }
  }

  private @Nullable SimNode randomAlive() {
    List<SimNode> alive = nodes.values().stream().filter(SimNode::alive).toList();
    return alive.isEmpty() ? null : alive.get(random.nextInt(alive.size()));
  }

  private @Nullable SimNode leader() {
    SimNode best = null;
    for (SimNode node : nodes.values()) {
      if (node.alive() && node.raft().softState().role() == SoftState.Role.LEADER) {
        if (best == null || node.raft().hardState().term() > best.raft().hardState().term()) {
          best = node;
        }
      }
    }
    return best;
  }

  private void propose(SimNode node, long proposalId) {
    ByteBuffer data = ByteBuffer.allocate(8).putLong(proposalId);
    ProposalResult result = node.raft().propose(Bytes.copyOf(data.array()));
    mix(proposalId * 31 + node.id);
    log("propose %d at %d: %s", proposalId, node.id, result);
    if (!(result instanceof ProposalResult.Dropped) && !appliedProposals.contains(proposalId)) {
      pendingProposals.add(proposalId);
    }
  }

  private void proposeConfChange() {
    SimNode leader = leader();
    if (leader == null) {
      return;
    }
    ConfState state = leader.raft().status().confState();
    TreeSet<Long> voters = new TreeSet<>(state.voters());
    TreeSet<Long> learners = new TreeSet<>(state.learners());
    List<Long> all = new ArrayList<>(nodes.keySet());
    long target = all.get(random.nextInt(all.size()));
    ConfChange change;
    int roll = random.nextInt(10);
    if (!state.votersOutgoing().isEmpty()) {
      change = ConfChange.leaveJoint();
    } else if (roll < 3) {
      change = voters.contains(target) ? ConfChange.remove(target) : ConfChange.addVoter(target);
    } else if (roll < 5) {
      // A voter becomes a learner (a demotion), anyone else joins as one.
      change = ConfChange.addLearner(target);
    } else if (roll < 7) {
      change = learners.contains(target) ? ConfChange.addVoter(target) : ConfChange.remove(target);
    } else {
      long other = all.get(random.nextInt(all.size()));
      ConfChange.Transition transition =
          ConfChange.Transition.values()[random.nextInt(ConfChange.Transition.values().length)];
      ConfChange.ChangeType firstType = jointChangeFor(voters.contains(target));
      ConfChange.ChangeType secondType = jointChangeFor(voters.contains(other));
      change =
          ConfChange.joint(
              transition,
              List.of(
                  new ConfChange.Change(firstType, target),
                  new ConfChange.Change(secondType, other)));
    }
    if (voters.size() >= 7 && !change.leavesJoint()) {
      return;
    }
    // Like etcd's operators, the application moves leadership away before it removes or demotes
    // the leader (raft hands over by itself if it happens anyway, but cannot always finish when
    // the network fails at that moment; see RaftNode#handOffLeadership).
    for (ConfChange.Change single : change.changes()) {
      if (single.nodeId() == leader.id && single.type() != ConfChange.ChangeType.ADD_VOTER) {
        return;
      }
    }
    ProposalResult result = leader.raft().proposeConfChange(change);
    mix(7000 + change.changes().size());
    log("conf change %s at %d: %s", change, leader.id, result);
  }

  /** A voter leaves the voters (removed, or demoted to learnersNext); anyone else joins them. */
  private ConfChange.ChangeType jointChangeFor(boolean voter) {
    if (!voter) {
      return ConfChange.ChangeType.ADD_VOTER;
    }
    return random.nextBoolean() ? ConfChange.ChangeType.REMOVE : ConfChange.ChangeType.ADD_LEARNER;
  }

  private void crash(SimNode node) {
    log("crash %d", node.id);
    mix(2000 + node.id);
    crashes++;
    node.raft = null;
  }

  private void takeSnapshot(SimNode node) {
    if (node.appliedIndex <= node.storage.snapshot().metadata().index()) {
      return;
    }
    byte[] data = ByteBuffer.allocate(8).putLong(node.appliedHash).array();
    node.storage.createSnapshot(node.appliedIndex, node.confState, Bytes.copyOf(data));
    long keep = random.nextInt(6);
    long compactTo = Math.max(node.storage.firstIndex() - 1, node.appliedIndex - keep);
    node.storage.compact(compactTo);
    log("snapshot %d at %d, compacted to %d", node.id, node.appliedIndex, compactTo);
    mix(5000 + node.appliedIndex);
  }

  private static long decodeHash(Bytes data) {
    return data.asReadOnlyBuffer().getLong();
  }

  // ------------------------------------------------------------------ network

  private void send(Message message, boolean faults) {
    if (faults && random.nextDouble() < dropRate) {
      log("drop %s", describe(message));
      onUndelivered(message);
      return;
    }
    int copies = faults && random.nextDouble() < duplicateRate ? 2 : 1;
    for (int i = 0; i < copies; i++) {
      long delay = faults && maxDelaySteps > 0 ? random.nextInt(maxDelaySteps + 1) : 0;
      network.add(new InFlight(now + delay, messageSequence++, message));
    }
  }

  /** Delivers one due message; returns false if none is due. */
  private boolean deliverOne(boolean faults) {
    int chosen = -1;
    if (faults && random.nextDouble() < reorderRate) {
      List<Integer> due = new ArrayList<>();
      for (int i = 0; i < network.size(); i++) {
        if (network.get(i).deliverAt() <= now) {
          due.add(i);
        }
      }
      if (!due.isEmpty()) {
        chosen = due.get(random.nextInt(due.size()));
      }
    } else {
      for (int i = 0; i < network.size(); i++) {
        InFlight candidate = network.get(i);
        if (candidate.deliverAt() <= now
            && (chosen < 0
                || candidate.deliverAt() < network.get(chosen).deliverAt()
                || (candidate.deliverAt() == network.get(chosen).deliverAt()
                    && candidate.sequence() < network.get(chosen).sequence()))) {
          chosen = i;
        }
      }
    }
    if (chosen < 0) {
      return false;
    }
    Message message = network.remove(chosen).message();
    SimNode to = nodes.get(message.to());
    boolean partitioned =
        !partitionGroup
            .getOrDefault(message.from(), 0)
            .equals(partitionGroup.getOrDefault(message.to(), 0));
    if (to == null || !to.alive() || partitioned) {
      log("lost %s", describe(message));
      onUndelivered(message);
      return true;
    }
    mix(messageHash(message));
    log("deliver %s", describe(message));
    to.raft().step(message);
    if (message instanceof Message.InstallSnapshot) {
      SimNode from = nodes.get(message.from());
      if (from != null && from.alive()) {
        from.raft().reportSnapshot(message.to(), SnapshotStatus.FINISHED);
      }
    }
    return true;
  }

  private void onUndelivered(Message message) {
    SimNode from = nodes.get(message.from());
    if (from == null || !from.alive()) {
      return;
    }
    if (message instanceof Message.InstallSnapshot) {
      from.raft().reportSnapshot(message.to(), SnapshotStatus.FAILED);
    } else if (message instanceof Message.AppendRequest && random.nextInt(4) == 0) {
      from.raft().reportUnreachable(message.to());
    }
  }

  private static long messageHash(Message message) {
    long h = message.getClass().getSimpleName().hashCode();
    h = h * 31 + message.from();
    h = h * 31 + message.to();
    h = h * 31 + message.term();
    if (message instanceof Message.AppendRequest a) {
      h = h * 31 + a.prevLogIndex();
      h = h * 31 + a.entries().size();
      h = h * 31 + a.commit();
    }
    return h;
  }

  private static String describe(Message message) {
    return switch (message) {
      case Message.AppendRequest a ->
          String.format(
              "%d->%d App t%d prev=%d/%d n=%d commit=%d",
              a.from(),
              a.to(),
              a.term(),
              a.prevLogIndex(),
              a.prevLogTerm(),
              a.entries().size(),
              a.commit());
      case Message.InstallSnapshot s ->
          String.format(
              "%d->%d Snap t%d idx=%d",
              s.from(), s.to(), s.term(), s.snapshot().metadata().index());
      default -> message.toString();
    };
  }

  // ------------------------------------------------------------------ ready

  private void processAllReady() {
    for (int round = 0; round < 100_000; round++) {
      boolean any = false;
      for (SimNode node : nodes.values()) {
        if (node.alive() && node.raft().hasReady()) {
          any = true;
          processReady(node, true);
        }
      }
      if (!any) {
        return;
      }
    }
    throw new IllegalStateException("Ready did not settle");
  }

  private void processReady(SimNode node, boolean faults) {
    RaftNode raft = node.raft();
    Ready ready = raft.ready();
    if (faults && crashMidReadyRate > 0 && random.nextDouble() < crashMidReadyRate) {
      // Crash after sending what may leave early, before persisting anything.
      for (Message message : ready.messages()) {
        if (Ready.mayBeSentBeforePersisting(message)) {
          send(message, true);
        }
      }
      log("crash %d mid-Ready", node.id);
      crash(node);
      return;
    }
    SoftState soft = ready.softState();
    if (soft != null) {
      log(
          "%d becomes %s (leader %d) term %d",
          node.id, soft.role(), soft.leader(), raft.hardState().term());
      mix(soft.role().name().hashCode() * 100L + soft.leader());
      if (soft.role() == SoftState.Role.LEADER) {
        elections++;
      }
    }
    // 1. Persist.
    Snapshot snapshot = ready.snapshot();
    if (snapshot != null) {
      node.storage.applySnapshot(snapshot);
    }
    node.storage.append(ready.entries());
    if (ready.hardState() != null) {
      node.storage.setHardState(ready.hardState());
      if (ready.hardState().commit() > node.commitSeen) {
        recordCommit(node, ready.hardState().commit());
        node.commitSeen = ready.hardState().commit();
      }
    }
    checkLogMatching(node, ready.entries());
    // 2. Send.
    for (Message message : ready.messages()) {
      send(message, faults);
    }
    // 3. Apply.
    if (snapshot != null) {
      installSnapshot(node, snapshot);
    }
    for (Entry entry : ready.committedEntries()) {
      apply(node, entry);
    }
    // 4. Reads.
    for (ReadState read : ready.readStates()) {
      checkRead(node, read);
    }
    raft.advance();
  }

  private void installSnapshot(SimNode node, Snapshot snapshot) {
    long index = snapshot.metadata().index();
    long snapshotHash = decodeHash(snapshot.data());
    if (index > appliedGlobal.size()) {
      throw new IllegalStateException(
          "node " + node.id + " installs snapshot at " + index + " beyond anything applied");
    }
    if (index >= 1 && hashAtIndex.get((int) index - 1) != snapshotHash) {
      throw new IllegalStateException("snapshot at " + index + " holds a different state");
    }
    if (appliedGlobal.get((int) index - 1).term() != snapshot.metadata().term()) {
      throw new IllegalStateException("snapshot term mismatch at " + index);
    }
    node.appliedIndex = index;
    node.appliedHash = snapshotHash;
    node.confState = snapshot.metadata().confState();
    snapshotsInstalled++;
    log("%d installed snapshot %d", node.id, index);
  }

  private void apply(SimNode node, Entry entry) {
    long index = entry.index();
    if (index != node.appliedIndex + 1) {
      throw new IllegalStateException(
          "node " + node.id + " applies " + index + " after " + node.appliedIndex);
    }
    // State Machine Safety (Raft §5.4.3): every node applies the same entry at an index.
    if (index <= appliedGlobal.size()) {
      Entry known = appliedGlobal.get((int) index - 1);
      if (!known.equals(entry)) {
        throw new IllegalStateException(
            "node " + node.id + " applies " + entry + " where another applied " + known);
      }
    } else if (index == appliedGlobal.size() + 1) {
      appliedGlobal.add(entry);
      long previous = hashAtIndex.isEmpty() ? 0 : hashAtIndex.get(hashAtIndex.size() - 1);
      hashAtIndex.add(previous * 1_000_003L + entry.term() * 31 + entry.data().hashCode());
    } else {
      throw new IllegalStateException("gap in applied entries at " + index);
    }
    node.appliedIndex = index;
    node.appliedHash = hashAtIndex.get((int) index - 1);
    if (entry.type() == EntryType.CONF_CHANGE) {
      node.confState = node.raft().applyConfChange(ConfChange.decode(entry.data()));
      confChangesApplied++;
      log("%d applied conf change at %d: %s", node.id, index, node.confState);
    } else if (entry.data().size() == 8) {
      long proposalId = entry.data().asReadOnlyBuffer().getLong();
      appliedProposals.add(proposalId);
      pendingProposals.remove(proposalId);
    }
  }

  private void checkRead(SimNode node, ReadState read) {
    Long required = readRequiredIndex.get(read.context());
    if (required == null) {
      throw new IllegalStateException("read state for an unknown context " + read.context());
    }
    // Linearizable reads (Raft §6.4): no acknowledged write may be missing from the read point.
    if (read.index() < required) {
      throw new IllegalStateException(
          "read "
              + read.context().toUtf8()
              + " at node "
              + node.id
              + " returned index "
              + read.index()
              + " below "
              + required
              + " already applied when it started");
    }
    readsChecked++;
    mix(read.index());
  }

  // ------------------------------------------------------------------ invariants

  /** Log Matching (Raft §5.3), checked incrementally on every entry a node persists. */
  private void checkLogMatching(SimNode node, List<Entry> entries) {
    for (Entry entry : entries) {
      long previousIndex = entry.index() - 1;
      long previousTerm =
          previousIndex >= node.storage.firstIndex() - 1 ? node.storage.term(previousIndex) : -1;
      EntrySignature signature = new EntrySignature(previousTerm, entry.type(), entry.data());
      EntryKey key = new EntryKey(entry.index(), entry.term());
      EntrySignature known = entriesSeen.putIfAbsent(key, signature);
      if (known != null && !sameEntry(known, signature)) {
        throw new IllegalStateException(
            "log matching: node " + node.id + " holds " + entry + " differing from " + known);
      }
    }
  }

  private static boolean sameEntry(EntrySignature a, EntrySignature b) {
    boolean previousMatches =
        a.previousTerm() == b.previousTerm() || a.previousTerm() < 0 || b.previousTerm() < 0;
    return previousMatches && a.type() == b.type() && a.data().equals(b.data());
  }

  private void checkInvariants() {
    for (SimNode node : nodes.values()) {
      if (!node.alive()) {
        continue;
      }
      RaftNode raft = node.raft();
      long term = raft.hardState().term();
      if (raft.hardState().commit() > raft.lastIndex()) {
        throw new IllegalStateException("node " + node.id + " commit beyond its last index");
      }
      if (raft.softState().role() != SoftState.Role.LEADER) {
        node.leaderMark = null;
        continue;
      }
      // Election Safety (Raft §5.2): at most one leader per term.
      Long known = leaderOfTerm.putIfAbsent(term, node.id);
      if (known != null && known != node.id) {
        throw new IllegalStateException(
            "two leaders in term " + term + ": " + known + ", " + node.id);
      }
      LeaderMark mark = node.leaderMark;
      if (mark == null || mark.term() != term) {
        checkLeaderCompleteness(node);
      } else {
        // Leader Append-Only (Raft §5.3).
        long lastIndex = raft.lastIndex();
        long termThen = raft.termAt(mark.lastIndex());
        boolean compacted = mark.lastIndex() < raft.firstIndex() - 1;
        if (lastIndex < mark.lastIndex() || (!compacted && termThen != mark.lastTerm())) {
          throw new IllegalStateException("leader " + node.id + " rewrote its log");
        }
      }
      node.leaderMark = new LeaderMark(term, raft.lastIndex(), raft.termAt(raft.lastIndex()));
    }
  }

  /**
   * Leader Completeness (Raft §5.4): a leader of term T holds every entry committed in a term
   * before T. The commit term of an index is bounded from above by the term of any node that
   * reported it committed, so the check is sound.
   */
  private void checkLeaderCompleteness(SimNode node) {
    RaftNode raft = node.raft();
    long leaderTerm = raft.hardState().term();
    long from = Math.max(1, raft.firstIndex());
    for (long index = from; index <= committedEntryTerm.size(); index++) {
      long entryTerm = committedEntryTerm.get((int) index - 1);
      if (commitTerm.get((int) index - 1) < leaderTerm && raft.termAt(index) != entryTerm) {
        throw new IllegalStateException(
            "leader "
                + node.id
                + " of term "
                + leaderTerm
                + " lacks entry "
                + index
                + "/"
                + entryTerm
                + " committed by term "
                + commitTerm.get((int) index - 1));
      }
    }
  }

  /** Records what a node reports committed, checking that no two nodes commit different terms. */
  private void recordCommit(SimNode node, long commit) {
    RaftNode raft = node.raft();
    long term = raft.hardState().term();
    for (long index = Math.max(node.commitSeen + 1, raft.firstIndex()); index <= commit; index++) {
      long entryTerm = raft.termAt(index);
      if (index <= committedEntryTerm.size()) {
        int slot = (int) index - 1;
        if (committedEntryTerm.get(slot) != entryTerm) {
          throw new IllegalStateException(
              "node "
                  + node.id
                  + " commits "
                  + index
                  + "/"
                  + entryTerm
                  + " against "
                  + committedEntryTerm.get(slot));
        }
        if (term < commitTerm.get(slot)) {
          commitTerm.set(slot, term);
        }
      } else if (index == committedEntryTerm.size() + 1) {
        committedEntryTerm.add(entryTerm);
        commitTerm.add(term);
      }
    }
  }

  // ------------------------------------------------------------------ liveness

  /**
   * Heals the network, restarts every node and stops faults; then a leader must be elected and
   * every pending proposal committed and applied by all members within a bounded number of ticks.
   * Nodes outside the configuration stop ticking (a removed member is shut down by its server), but
   * still answer messages.
   */
  private long liveness() {
    partitionGroup.replaceAll((id, group) -> 0);
    for (SimNode node : nodes.values()) {
      if (!node.alive()) {
        node.start();
      }
    }
    processAllReadyWithoutFaults();
    int electionTicks = nodes.firstEntry().getValue().config.electionTicks();
    long bound = 100L * electionTicks;
    for (long tick = 1; tick <= bound; tick++) {
      now++;
      Set<Long> members = currentMembers();
      for (SimNode node : nodes.values()) {
        if (members.contains(node.id) || node.raft().softState().role() == SoftState.Role.LEADER) {
          node.raft().tick();
        }
      }
      deliverAllWithoutFaults();
      SimNode leader = leader();
      if (leader != null && tick % electionTicks == 0) {
        for (long proposalId : List.copyOf(pendingProposals)) {
          propose(leader, proposalId);
        }
        deliverAllWithoutFaults();
      }
      checkInvariants();
      if (leader != null && pendingProposals.isEmpty() && allMembersCaughtUp(leader, members)) {
        log("liveness reached after %d ticks", tick);
        return tick;
      }
    }
    SimNode leader = leader();
    throw new IllegalStateException(
        "no liveness within "
            + bound
            + " ticks after healing: leader="
            + (leader == null ? "none" : leader.id)
            + " pending="
            + pendingProposals.size()
            + " status="
            + statusLine());
  }

  private String statusLine() {
    StringBuilder line = new StringBuilder();
    for (SimNode node : nodes.values()) {
      line.append(node.id)
          .append('=')
          .append(node.raft().softState().role())
          .append('/')
          .append(node.raft().hardState())
          .append(" applied=")
          .append(node.appliedIndex)
          .append(' ')
          .append(node.confState.voters())
          .append("; ");
    }
    return line.toString();
  }

  /**
   * The nodes still running: voters of the newest applied configuration, and any node a member of
   * that configuration still counts as a voter. A removed server shuts down once every remaining
   * member has applied its removal (until then they may need its vote or its log).
   */
  private Set<Long> currentMembers() {
    SimNode mostAdvanced = nodes.firstEntry().getValue();
    for (SimNode node : nodes.values()) {
      if (node.appliedIndex > mostAdvanced.appliedIndex) {
        mostAdvanced = node;
      }
    }
    Set<Long> latest = new TreeSet<>(mostAdvanced.confState.voters());
    latest.addAll(mostAdvanced.confState.votersOutgoing());
    Set<Long> members = new TreeSet<>(latest);
    for (long id : latest) {
      SimNode member = nodes.get(id);
      if (member != null) {
        members.addAll(member.confState.voters());
        members.addAll(member.confState.votersOutgoing());
      }
    }
    return members;
  }

  private boolean allMembersCaughtUp(SimNode leader, Set<Long> members) {
    long commit = leader.raft().hardState().commit();
    ConfState state = leader.confState;
    Set<Long> all = new TreeSet<>(members);
    all.addAll(state.voters());
    all.addAll(state.votersOutgoing());
    all.addAll(state.learners());
    for (long id : all) {
      SimNode node = nodes.get(id);
      if (node == null || node.appliedIndex < commit) {
        return false;
      }
    }
    return leader.appliedIndex == commit;
  }

  private void processAllReadyWithoutFaults() {
    for (int round = 0; round < 100_000; round++) {
      boolean any = false;
      for (SimNode node : nodes.values()) {
        if (node.alive() && node.raft().hasReady()) {
          any = true;
          processReady(node, false);
        }
      }
      if (!any) {
        return;
      }
    }
    throw new IllegalStateException("Ready did not settle");
  }

  private void deliverAllWithoutFaults() {
    for (int i = 0; i < 100_000; i++) {
      processAllReadyWithoutFaults();
      // Everything in flight is due now: the healed network delivers in order.
      network.replaceAll(
          f -> new InFlight(Math.min(f.deliverAt(), now), f.sequence(), f.message()));
      if (!deliverOne(false)) {
        return;
      }
    }
    throw new IllegalStateException("network did not drain");
  }
}
