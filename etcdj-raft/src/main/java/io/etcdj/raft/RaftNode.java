package io.etcdj.raft;

import io.etcdj.raft.Message.AppendRequest;
import io.etcdj.raft.Message.AppendResponse;
import io.etcdj.raft.Message.Heartbeat;
import io.etcdj.raft.Message.HeartbeatResponse;
import io.etcdj.raft.Message.InstallSnapshot;
import io.etcdj.raft.Message.Propose;
import io.etcdj.raft.Message.ReadIndex;
import io.etcdj.raft.Message.ReadIndexResponse;
import io.etcdj.raft.Message.TimeoutNow;
import io.etcdj.raft.Message.TransferLeader;
import io.etcdj.raft.Message.VoteRequest;
import io.etcdj.raft.Message.VoteResponse;
import io.etcdj.raft.ProposalResult.Accepted;
import io.etcdj.raft.ProposalResult.DropReason;
import io.etcdj.raft.ProposalResult.Dropped;
import io.etcdj.raft.ProposalResult.Forwarded;
import io.etcdj.raft.RoleState.Candidate;
import io.etcdj.raft.RoleState.Follower;
import io.etcdj.raft.RoleState.Leader;
import io.etcdj.raft.RoleState.PreCandidate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * One raft member as a pure state machine: inputs are {@link #tick()}, {@link #step(Message)} and
 * the request methods; all output leaves through {@link #ready()}, acknowledged by {@link
 * #advance()}.
 *
 * <p>Thread confinement: a node is owned by one thread (etcd's "raft loop"); nothing here is
 * thread-safe, and the {@link LogStorage} it reads must be written only by that thread, between
 * {@code ready()} and {@code advance()}.
 *
 * <p>Design note for maintainers. State common to every role lives here (term, vote, leader, log,
 * membership, election timer); role-specific state lives in {@link RoleState} and is dropped on
 * every role change. Two rules keep the node safe under the {@link Ready} contract:
 *
 * <ul>
 *   <li>A leader counts itself towards a commit only with entries the application reported
 *       persisted by {@code advance()}, which is why its appends may leave before persisting.
 *   <li>Every other message depends on persisted state and waits for the Ready to be persisted.
 * </ul>
 *
 * Time is counted in ticks; randomness (the election timeout) comes only from the injected {@link
 * RandomGenerator}, so a seed reproduces a run exactly.
 */
public final class RaftNode {
  private final RaftConfig config;
  private final long id;
  private final RaftLog log;
  private final RandomGenerator random;

  private long term;
  private long vote;
  private long leader;
  private RoleState role = new Follower();
  private Membership membership;

  private int electionElapsed;
  private int heartbeatElapsed;
  private int randomizedElectionTimeout;

  private final List<Message> outbox = new ArrayList<>();
  private final List<ReadState> readStates = new ArrayList<>();
  private SoftState previousSoftState;
  private HardState previousHardState;
  private @Nullable Ready handedOut;

  /**
   * Starts (or restarts) a node from what {@code storage} holds: its hard state, log and the
   * membership of its snapshot. A node whose storage has no members waits to be contacted by a
   * leader (it joins a running cluster).
   */
  public RaftNode(RaftConfig config, LogStorage storage, RandomGenerator random) {
    this.config = config;
    this.id = config.id();
    this.random = random;
    this.log = new RaftLog(storage);
    LogStorage.InitialState initial = storage.initialState();
    this.membership = Membership.of(initial.confState());
    HardState hard = initial.hardState();
    if (!hard.isEmpty()) {
      log.setCommittedFromHardState(hard.commit());
    }
    if (config.appliedIndex() > 0) {
      log.setApplied(config.appliedIndex());
    }
    becomeFollower(hard.term(), 0);
    this.vote = hard.vote();
    this.previousHardState = hardState();
    this.previousSoftState = softState();
  }

  // ---------------------------------------------------------------- inputs

  /** Advances logical time by one tick: election timeouts, heartbeats, check-quorum. */
  public void tick() {
    switch (role) {
      case Leader l -> tickLeader(l);
      case Follower f -> tickElection();
      case PreCandidate p -> tickElection();
      case Candidate c -> tickElection();
    }
  }

  /** Starts an election now (with pre-vote if configured), as an election timeout would. */
  public void campaign() {
    hup(false);
  }

  /**
   * Proposes {@code data} for the log. A leader appends it; a follower forwards it to the leader
   * (unless forwarding is disabled); otherwise it is dropped with the reason.
   */
  public ProposalResult propose(Bytes data) {
    return proposeEntry(EntryType.NORMAL, data);
  }

  /** Proposes a membership change; it takes effect when applied ({@link #applyConfChange}). */
  public ProposalResult proposeConfChange(ConfChange change) {
    return proposeEntry(EntryType.CONF_CHANGE, change.encode());
  }

  private ProposalResult proposeEntry(EntryType type, Bytes data) {
    List<Entry> entries = List.of(new Entry(0, 0, type, data));
    return switch (role) {
      case Leader l -> appendProposal(l, entries);
      case Follower f -> forward(new Propose(id, leader, 0, entries));
      case PreCandidate p -> new Dropped(DropReason.NO_LEADER);
      case Candidate c -> new Dropped(DropReason.NO_LEADER);
    };
  }

  /**
   * Requests a linearizable read point (Raft §6.4). When leadership is confirmed a {@link
   * ReadState} with {@code context} appears in a later {@link Ready} (on this node, also when it
   * forwarded the request). Contexts must be unique among pending requests.
   */
  public ProposalResult readIndex(Bytes context) {
    ReadIndex request = new ReadIndex(id, leader, 0, context);
    return switch (role) {
      case Leader l -> {
        handleReadIndex(l, request);
        yield new Accepted(0, term);
      }
      case Follower f -> forward(request);
      case PreCandidate p -> new Dropped(DropReason.NO_LEADER);
      case Candidate c -> new Dropped(DropReason.NO_LEADER);
    };
  }

  private ProposalResult forward(Message request) {
    if (leader == 0) {
      return new Dropped(DropReason.NO_LEADER);
    }
    if (config.disableProposalForwarding()) {
      return new Dropped(DropReason.FORWARDING_DISABLED);
    }
    send(retarget(request, leader));
    return new Forwarded(leader);
  }

  private static Message retarget(Message request, long to) {
    if (request instanceof Propose p) {
      return new Propose(p.from(), to, 0, p.entries());
    } else if (request instanceof ReadIndex r) {
      return new ReadIndex(r.from(), to, 0, r.context());
    } else if (request instanceof TransferLeader t) {
      return new TransferLeader(t.from(), to, 0, t.transferee());
    }
    throw new IllegalArgumentException("not a forwarded request: " + request);
  }

  /** Asks the leader (this node or the one it knows) to hand leadership to {@code transferee}. */
  public void transferLeadership(long transferee) {
    TransferLeader request = new TransferLeader(id, leader, 0, transferee);
    switch (role) {
      case Leader l -> handleTransfer(l, request);
      case Follower f -> {
        if (leader != 0) {
          send(request);
        }
      }
      case PreCandidate p -> {}
      case Candidate c -> {}
    }
  }

  /** The transport could not deliver to {@code peer}: stop pipelining to it. */
  public void reportUnreachable(long peer) {
    if (role instanceof Leader l) {
      Progress progress = l.progress.get(peer);
      if (progress != null && progress.state == Progress.State.REPLICATE) {
        progress.becomeProbe();
      }
    }
  }

  /** The transport's outcome of sending a snapshot to {@code peer}. */
  public void reportSnapshot(long peer, SnapshotStatus status) {
    if (role instanceof Leader l) {
      Progress progress = l.progress.get(peer);
      if (progress == null || progress.state != Progress.State.SNAPSHOT) {
        return;
      }
      if (status == SnapshotStatus.FAILED) {
        progress.pendingSnapshot = 0;
      }
      progress.becomeProbe();
      // Wait for a heartbeat response before probing, so a slow install is not interrupted.
      progress.probeSent = true;
    }
  }

  /**
   * Applies a committed conf change (the application calls this when it applies the entry) and
   * returns the resulting membership, which it records with its next snapshot. A change invalid for
   * the current configuration is ignored on every node alike.
   */
  public ConfState applyConfChange(ConfChange change) {
    Membership next;
    try {
      next = membership.apply(change);
    } catch (IllegalArgumentException invalid) {
      return membership.toConfState();
    }
    membership = next;
    if (role instanceof Leader l) {
      syncProgress(l);
      if (l.leadTransferee != 0 && !membership.isVoter(l.leadTransferee)) {
        l.leadTransferee = 0;
      }
      if (maybeCommit(l)) {
        broadcastAppend(l);
      }
      if (!membership.isVoter(id)) {
        handOffLeadership(l);
      }
    }
    return membership.toConfState();
  }

  /**
   * A leader that is no longer a voter keeps leading only to hand over: it transfers leadership to
   * the most up-to-date voter. Stepping down at once could leave the remaining voters, which may
   * not yet know the removal is committed, unable to win an election under the old configuration
   * against a longer log they need a vote from.
   */
  private void handOffLeadership(Leader l) {
    long best = 0;
    long bestMatch = -1;
    for (Map.Entry<Long, Progress> e : l.progress.entrySet()) {
      if (e.getKey() != id && membership.isVoter(e.getKey()) && e.getValue().match > bestMatch) {
        best = e.getKey();
        bestMatch = e.getValue().match;
      }
    }
    if (best == 0) {
      becomeFollower(term, 0);
      return;
    }
    handleTransfer(l, new TransferLeader(id, id, 0, best));
  }

  private void syncProgress(Leader l) {
    TreeSet<Long> members = new TreeSet<>(membership.allMembers());
    l.progress.keySet().removeIf(member -> !members.contains(member));
    for (long member : members) {
      if (!l.progress.containsKey(member)) {
        Progress progress = newProgress();
        progress.recentActive = true;
        l.progress.put(member, progress);
      }
    }
  }

  private Progress newProgress() {
    return new Progress(log.lastIndex() + 1, config.maxInflightMsgs(), config.maxInflightBytes());
  }

  // ---------------------------------------------------------------- output

  /** True if {@link #ready()} has something to hand out. */
  public boolean hasReady() {
    return leader != previousSoftState.leader()
        || role.role() != previousSoftState.role()
        || term != previousHardState.term()
        || vote != previousHardState.vote()
        || log.committed() != previousHardState.commit()
        || log.hasUnstableEntries()
        || log.unstableSnapshot() != null
        || log.hasNextCommittedEntries()
        || !outbox.isEmpty()
        || !readStates.isEmpty();
  }

  /**
   * Hands out the next batch of work (see {@link Ready} for the order of duties). Call {@link
   * #advance()} once it is handled, before the next {@code ready()}.
   *
   * @throws IllegalStateException if the previous Ready was not advanced
   */
  public Ready ready() {
    if (handedOut != null) {
      throw new IllegalStateException("advance() the previous Ready first");
    }
    SoftState soft = softState();
    HardState hard = hardState();
    List<Entry> entries = log.unstableEntries();
    Snapshot snapshot = log.unstableSnapshot();
    boolean mustSync =
        !entries.isEmpty()
            || snapshot != null
            || hard.term() != previousHardState.term()
            || hard.vote() != previousHardState.vote();
    Ready ready =
        new Ready(
            soft.equals(previousSoftState) ? null : soft,
            hard.equals(previousHardState) ? null : hard,
            entries,
            snapshot,
            log.nextCommittedEntries(config.maxSizePerMsgBytes()),
            outbox,
            readStates,
            mustSync);
    outbox.clear();
    readStates.clear();
    previousSoftState = soft;
    previousHardState = hard;
    handedOut = ready;
    return ready;
  }

  /**
   * Acknowledges the last {@link #ready()}: its entries and snapshot are persisted and visible in
   * storage, its committed entries applied.
   */
  public void advance() {
    Ready ready = handedOut;
    if (ready == null) {
      throw new IllegalStateException("no Ready to advance");
    }
    handedOut = null;
    Snapshot snapshot = ready.snapshot();
    if (snapshot != null) {
      log.stableSnapshotTo(snapshot.metadata().index());
      log.appliedTo(Math.min(snapshot.metadata().index(), log.committed()));
    }
    if (!ready.entries().isEmpty()) {
      Entry last = ready.entries().get(ready.entries().size() - 1);
      log.stableTo(last.index(), last.term());
    }
    if (!ready.committedEntries().isEmpty()) {
      List<Entry> committed = ready.committedEntries();
      log.appliedTo(committed.get(committed.size() - 1).index());
      if (role instanceof Leader l) {
        for (Entry entry : committed) {
          l.uncommittedBytes = Math.max(0, l.uncommittedBytes - entry.data().size());
        }
      }
    }
    if (role instanceof Leader l) {
      Progress self = l.progress.get(id);
      if (self != null && self.maybeUpdate(log.lastStableIndex()) && maybeCommit(l)) {
        broadcastAppend(l);
      }
      maybeAutoLeave(l);
    }
  }

  private void maybeAutoLeave(Leader l) {
    if (membership.isJoint() && membership.autoLeave() && l.pendingConfIndex <= log.applied()) {
      List<Entry> leave =
          List.of(new Entry(0, 0, EntryType.CONF_CHANGE, ConfChange.leaveJoint().encode()));
      appendEntries(leave);
      l.pendingConfIndex = log.lastIndex();
      l.leavingConfiguration |= !membership.apply(ConfChange.leaveJoint()).isVoter(id);
      broadcastAppend(l);
    }
  }

  /** A consistent view of this node's state. */
  public Status status() {
    Map<Long, Status.ProgressStatus> progress = new LinkedHashMap<>();
    long transferee = 0;
    if (role instanceof Leader l) {
      transferee = l.leadTransferee;
      for (Map.Entry<Long, Progress> e : l.progress.entrySet()) {
        Progress p = e.getValue();
        progress.put(
            e.getKey(),
            new Status.ProgressStatus(
                p.match,
                p.next,
                p.state.name(),
                p.recentActive,
                p.inflights.count(),
                membership.isLearner(e.getKey())));
      }
    }
    return new Status(
        id,
        hardState(),
        softState(),
        log.applied(),
        log.lastIndex(),
        membership.toConfState(),
        progress,
        transferee);
  }

  public long id() {
    return id;
  }

  public SoftState softState() {
    return new SoftState(leader, role.role());
  }

  public HardState hardState() {
    return new HardState(term, vote, log.committed());
  }

  /** The term of the entry at {@code index}, or -1 if it is compacted or beyond the log. */
  public long termAt(long index) {
    return log.term(index);
  }

  public long lastIndex() {
    return log.lastIndex();
  }

  public long firstIndex() {
    return log.firstIndex();
  }

  // ---------------------------------------------------------------- timers

  private void tickElection() {
    electionElapsed++;
    if (promotable() && electionElapsed >= randomizedElectionTimeout) {
      electionElapsed = 0;
      hup(false);
    }
  }

  private void tickLeader(Leader l) {
    heartbeatElapsed++;
    electionElapsed++;
    if (electionElapsed >= config.electionTicks()) {
      electionElapsed = 0;
      if (config.checkQuorum()) {
        if (!quorumActive(l)) {
          // Raft thesis §6.2: a leader that cannot reach a quorum steps down.
          becomeFollower(term, 0);
          return;
        }
        l.progress.forEach((member, progress) -> progress.recentActive = member == id);
      }
      // A transfer that did not finish within an election timeout is abandoned.
      l.leadTransferee = 0;
      if (!membership.isVoter(id)) {
        handOffLeadership(l);
        if (!(role instanceof Leader)) {
          return;
        }
      }
    }
    if (heartbeatElapsed >= config.heartbeatTicks()) {
      heartbeatElapsed = 0;
      broadcastHeartbeat(l, l.reads.lastContext());
    }
  }

  private boolean quorumActive(Leader l) {
    Map<Long, Boolean> active = new TreeMap<>();
    l.progress.forEach(
        (member, progress) -> active.put(member, member == id || progress.recentActive));
    return Quorum.jointVote(membership.incoming(), membership.outgoing(), active)
        == Quorum.VoteResult.WON;
  }

  /**
   * Whether this node may campaign: a voter, or a node that is neither voter nor learner in the
   * configuration it has applied (it was removed, or its addition is not applied yet). Learners do
   * not campaign on their own (only when asked for a vote they must refuse, see {@link
   * #campaignAsLearner}); a voter being demoted (in learnersNext) is still a voter of the outgoing
   * configuration until the joint configuration is left, and campaigns like any voter (as in
   * etcd-io/raft, where its progress is not marked learner before then).
   *
   * <p>Why a removed node may campaign: with configurations taking effect when applied, the
   * remaining voters may not yet have applied the removal and still need the removed node's vote,
   * which it denies whenever its log is longer than theirs (for instance when it holds entries of a
   * leader that crashed before persisting them). Elected, it appends nothing of its own and only
   * hands leadership to the most up-to-date voter ({@link #handOffLeadership}). The election is as
   * safe as any other: a majority of the candidate's applied configuration granted it after the
   * up-to-date check (Raft §5.4.1); only the candidate's own vote does not count. An application
   * shuts a removed node down once the remaining members have applied its removal.
   */
  private boolean promotable() {
    return !membership.learners().contains(id) && !membership.incoming().isEmpty();
  }

  private void resetRandomizedElectionTimeout() {
    randomizedElectionTimeout = config.electionTicks() + random.nextInt(config.electionTicks());
  }

  // ---------------------------------------------------------------- role changes

  private void reset(long newTerm) {
    if (term != newTerm) {
      term = newTerm;
      vote = 0;
    }
    leader = 0;
    electionElapsed = 0;
    heartbeatElapsed = 0;
    resetRandomizedElectionTimeout();
  }

  private void becomeFollower(long newTerm, long newLeader) {
    reset(newTerm);
    role = new Follower();
    leader = newLeader;
  }

  private void becomePreCandidate() {
    role = new PreCandidate(new TreeMap<>());
    leader = 0;
  }

  private void becomeCandidate() {
    reset(term + 1);
    vote = id;
    role = new Candidate(new TreeMap<>());
  }

  private void becomeLeader() {
    reset(term);
    leader = id;
    Leader l = new Leader();
    role = l;
    for (long member : membership.allMembers()) {
      Progress progress = newProgress();
      if (member == id) {
        progress.match = log.lastStableIndex();
        progress.becomeReplicate();
        progress.recentActive = true;
      }
      l.progress.put(member, progress);
    }
    // Conf changes in the log may be unapplied: none may be proposed until they are (Raft §6).
    l.pendingConfIndex = log.lastIndex();
    l.leavingConfiguration = !membershipAfterLog().isVoter(id);
    // Raft §8: a new leader commits a no-op of its term before it can serve reads.
    appendEntries(List.of(new Entry(0, 0, EntryType.NORMAL, Bytes.EMPTY)));
    broadcastAppend(l);
    if (!membership.isVoter(id)) {
      handOffLeadership(l);
    }
  }

  private void hup(boolean transfer) {
    if (role instanceof Leader || !promotable() || hasUnappliedConfChanges()) {
      return;
    }
    startElection(transfer);
  }

  /**
   * A learner campaigns only when a candidate that still counts it as a voter was refused its vote
   * for a less up-to-date log (see {@link #handleVoteRequest}). It wins only with a majority of the
   * voters of its own configuration, each granting by the usual rules (Raft §5.2, §5.4.1), so the
   * election is as safe as a removed node's (see {@link #promotable()}); elected, it appends only
   * its no-op and hands leadership to the most up-to-date voter ({@link #handOffLeadership}).
   */
  private void campaignAsLearner() {
    if (membership.incoming().isEmpty() || hasUnappliedConfChanges()) {
      return;
    }
    startElection(false);
  }

  private void startElection(boolean transfer) {
    if (config.preVote() && !transfer) {
      becomePreCandidate();
      requestVotes(true, false);
    } else {
      becomeCandidate();
      requestVotes(false, transfer);
    }
  }

  /** The membership once every conf change in the log is applied (invalid ones are skipped). */
  private Membership membershipAfterLog() {
    Membership result = membership;
    long low = Math.max(log.applied() + 1, log.firstIndex());
    if (low > log.lastIndex()) {
      return result;
    }
    for (Entry entry : log.slice(low, log.lastIndex() + 1, Long.MAX_VALUE)) {
      if (entry.type() == EntryType.CONF_CHANGE) {
        try {
          result = result.apply(ConfChange.decode(entry.data()));
        } catch (IllegalArgumentException invalid) {
          // Ignored when applied, too.
        }
      }
    }
    return result;
  }

  private boolean hasUnappliedConfChanges() {
    long low = Math.max(log.applied() + 1, log.firstIndex());
    if (low > log.committed()) {
      return false;
    }
    for (Entry entry : log.slice(low, log.committed() + 1, Long.MAX_VALUE)) {
      if (entry.type() == EntryType.CONF_CHANGE) {
        return true;
      }
    }
    return false;
  }

  private void requestVotes(boolean preVote, boolean transfer) {
    long voteTerm = preVote ? term + 1 : term;
    if (recordVote(id, true, preVote)) {
      return;
    }
    for (long voter : membership.allVoters()) {
      if (voter != id) {
        send(
            new VoteRequest(
                id, voter, voteTerm, log.lastIndex(), log.lastTerm(), preVote, transfer));
      }
    }
  }

  /** Records a vote and acts on the result; returns true if the election ended. */
  private boolean recordVote(long from, boolean granted, boolean preVote) {
    @Nullable Map<Long, Boolean> votes =
        switch (role) {
          case PreCandidate p -> preVote ? p.votes() : null;
          case Candidate c -> preVote ? null : c.votes();
          case Follower f -> null;
          case Leader l -> null;
        };
    if (votes == null) {
      return false;
    }
    votes.putIfAbsent(from, granted);
    return switch (Quorum.jointVote(membership.incoming(), membership.outgoing(), votes)) {
      case WON -> {
        if (preVote) {
          becomeCandidate();
          requestVotes(false, false);
        } else {
          becomeLeader();
        }
        yield true;
      }
      case LOST -> {
        becomeFollower(term, 0);
        yield true;
      }
      case PENDING -> false;
    };
  }

  // ---------------------------------------------------------------- step

  /**
   * Handles a message from another node. Messages from older terms are answered so their sender
   * learns the newer term (Raft §5.1) or ignored; a newer term makes this node a follower first.
   */
  public void step(Message message) {
    if (message.term() > term) {
      if (message instanceof VoteRequest request) {
        boolean inLease =
            config.checkQuorum() && leader != 0 && electionElapsed < config.electionTicks();
        if (inLease && !request.transfer()) {
          // Raft thesis §4.2.3: ignore disruptive candidates while a leader is heard from.
          return;
        }
      }
      boolean keepTerm =
          (message instanceof VoteRequest request && request.preVote())
              || (message instanceof VoteResponse response
                  && response.preVote()
                  && response.granted());
      if (!keepTerm) {
        boolean fromLeader =
            message instanceof AppendRequest
                || message instanceof Heartbeat
                || message instanceof InstallSnapshot;
        becomeFollower(message.term(), fromLeader ? message.from() : 0);
      }
    } else if (message.term() < term && message.term() != 0) {
      // Raft §5.1: reject a stale request with our term, so a deposed leader or a lagging
      // candidate learns it; stale responses are ignored.
      if (message instanceof AppendRequest || message instanceof Heartbeat) {
        send(new AppendResponse(id, message.from(), term, 0, false, 0, 0));
      } else if (message instanceof VoteRequest v) {
        send(new VoteResponse(id, v.from(), term, false, v.preVote()));
      }
      return;
    }

    if (message instanceof VoteRequest request) {
      handleVoteRequest(request);
      return;
    }
    switch (role) {
      case Leader l -> stepLeader(l, message);
      case Follower f -> stepFollower(message);
      case PreCandidate p -> stepCandidate(message, true);
      case Candidate c -> stepCandidate(message, false);
    }
  }

  private void handleVoteRequest(VoteRequest request) {
    boolean canVote =
        vote == request.from()
            || (vote == 0 && leader == 0)
            || (request.preVote() && request.term() > term);
    if (canVote && log.isUpToDate(request.lastLogIndex(), request.lastLogTerm())) {
      // Raft §5.2 and §5.4.1: one vote per term, only for an at least as up-to-date log.
      send(new VoteResponse(id, request.from(), request.term(), true, request.preVote()));
      if (!request.preVote()) {
        electionElapsed = 0;
        vote = request.from();
      }
    } else {
      send(new VoteResponse(id, request.from(), term, false, request.preVote()));
      if (membership.learners().contains(id)
          && role instanceof Follower
          && !log.isUpToDate(request.lastLogIndex(), request.lastLogTerm())) {
        // The candidate counts this learner as a voter (it has not applied our demotion) and
        // cannot win without our vote, which its shorter log does not get; nor can any voter with
        // a log like its own. Only a node with our log can make progress: campaign once, under
        // our configuration, in which our own vote does not count (see promotable()).
        campaignAsLearner();
      }
    }
  }

  private void stepFollower(Message message) {
    switch (message) {
      case AppendRequest a -> {
        electionElapsed = 0;
        leader = a.from();
        handleAppend(a);
      }
      case Heartbeat h -> {
        electionElapsed = 0;
        leader = h.from();
        handleHeartbeat(h);
      }
      case InstallSnapshot s -> {
        electionElapsed = 0;
        leader = s.from();
        handleSnapshot(s);
      }
      case Propose p -> forward(p);
      case ReadIndex r -> forward(r);
      case TransferLeader t -> {
        if (leader != 0) {
          send(retarget(t, leader));
        }
      }
      case TimeoutNow t -> hup(true);
      case ReadIndexResponse r -> readStates.add(new ReadState(r.index(), r.context()));
      case AppendResponse a -> {}
      case HeartbeatResponse h -> {}
      case VoteRequest v -> {}
      case VoteResponse v -> {}
    }
  }

  private void stepCandidate(Message message, boolean preCandidate) {
    switch (message) {
      case AppendRequest a -> {
        becomeFollower(term, a.from());
        handleAppend(a);
      }
      case Heartbeat h -> {
        becomeFollower(term, h.from());
        handleHeartbeat(h);
      }
      case InstallSnapshot s -> {
        becomeFollower(term, s.from());
        handleSnapshot(s);
      }
      case VoteResponse v -> {
        if (v.preVote() == preCandidate) {
          // A granted pre-vote carries the term we would campaign in; anything else is stale.
          boolean current = !preCandidate || !v.granted() || v.term() == term + 1;
          if (current) {
            recordVote(v.from(), v.granted(), preCandidate);
          }
        }
      }
      case Propose p -> {}
      case ReadIndex r -> {}
      case TransferLeader t -> {}
      case TimeoutNow t -> {}
      case ReadIndexResponse r -> {}
      case AppendResponse a -> {}
      case HeartbeatResponse h -> {}
      case VoteRequest v -> {}
    }
  }

  private void stepLeader(Leader l, Message message) {
    switch (message) {
      case Propose p -> appendProposal(l, p.entries());
      case ReadIndex r -> handleReadIndex(l, r);
      case TransferLeader t -> handleTransfer(l, t);
      case AppendResponse a -> handleAppendResponse(l, a);
      case HeartbeatResponse h -> handleHeartbeatResponse(l, h);
      // Election Safety (Raft §5.2): no other leader of this term exists; nothing to do.
      case AppendRequest a -> {}
      case Heartbeat h -> {}
      case InstallSnapshot s -> {}
      case TimeoutNow t -> {}
      case ReadIndexResponse r -> {}
      case VoteRequest v -> {}
      case VoteResponse v -> {}
    }
  }

  // ---------------------------------------------------------------- follower side

  private void handleAppend(AppendRequest request) {
    if (request.prevLogIndex() < log.committed()) {
      send(new AppendResponse(id, request.from(), term, log.committed(), false, 0, 0));
      return;
    }
    long lastNew =
        log.maybeAppend(
            request.prevLogIndex(), request.prevLogTerm(), request.commit(), request.entries());
    if (lastNew >= 0) {
      send(new AppendResponse(id, request.from(), term, lastNew, false, 0, 0));
      return;
    }
    // Fast backtracking: point the leader at our last entry whose term is <= the probed term.
    long hint = log.findConflictByTerm(request.prevLogIndex(), request.prevLogTerm());
    long hintTerm = Math.max(0, log.term(hint));
    send(
        new AppendResponse(id, request.from(), term, request.prevLogIndex(), true, hint, hintTerm));
  }

  private void handleHeartbeat(Heartbeat heartbeat) {
    log.commitTo(heartbeat.commit());
    send(new HeartbeatResponse(id, heartbeat.from(), term, heartbeat.context()));
  }

  private void handleSnapshot(InstallSnapshot message) {
    if (restore(message.snapshot())) {
      send(new AppendResponse(id, message.from(), term, log.lastIndex(), false, 0, 0));
    } else {
      send(new AppendResponse(id, message.from(), term, log.committed(), false, 0, 0));
    }
  }

  private boolean restore(Snapshot snapshot) {
    SnapshotMetadata meta = snapshot.metadata();
    if (meta.index() <= log.committed()) {
      return false;
    }
    // A snapshot older than our own addition does not list us; we learn it from the entries that
    // follow, so such a snapshot is installed all the same.
    Membership incoming = Membership.of(meta.confState());
    if (log.matchTerm(meta.index(), meta.term())) {
      // Our log already holds the snapshot's last entry: only the commit index moves.
      log.commitTo(meta.index());
      return false;
    }
    log.restore(snapshot);
    membership = incoming;
    return true;
  }

  // ---------------------------------------------------------------- leader side

  private ProposalResult appendProposal(Leader l, List<Entry> entries) {
    if (l.leadTransferee != 0) {
      return new Dropped(DropReason.LEADERSHIP_TRANSFER);
    }
    if (l.leavingConfiguration || !membership.isVoter(id)) {
      return new Dropped(DropReason.NOT_A_MEMBER);
    }
    long bytes = 0;
    int confChanges = 0;
    boolean leaving = false;
    for (Entry entry : entries) {
      bytes += entry.data().size();
      if (entry.type() == EntryType.CONF_CHANGE) {
        confChanges++;
        if (l.pendingConfIndex > log.applied()) {
          return new Dropped(DropReason.CONF_CHANGE_PENDING);
        }
        try {
          if (!membership.apply(ConfChange.decode(entry.data())).isVoter(id)) {
            leaving = true;
          }
        } catch (IllegalArgumentException invalid) {
          return new Dropped(DropReason.INVALID_CONF_CHANGE);
        }
      }
    }
    if (confChanges > 1) {
      return new Dropped(DropReason.INVALID_CONF_CHANGE);
    }
    long limit = config.maxUncommittedEntriesBytes();
    if (limit > 0 && l.uncommittedBytes > 0 && l.uncommittedBytes + bytes > limit) {
      return new Dropped(DropReason.UNCOMMITTED_LIMIT);
    }
    long first = log.lastIndex() + 1;
    appendEntries(entries);
    for (int i = 0; i < entries.size(); i++) {
      if (entries.get(i).type() == EntryType.CONF_CHANGE) {
        l.pendingConfIndex = first + i;
      }
    }
    l.uncommittedBytes += bytes;
    l.leavingConfiguration |= leaving;
    broadcastAppend(l);
    return new Accepted(log.lastIndex(), term);
  }

  private void appendEntries(List<Entry> entries) {
    long index = log.lastIndex();
    List<Entry> stamped = new ArrayList<>(entries.size());
    for (Entry entry : entries) {
      stamped.add(new Entry(term, ++index, entry.type(), entry.data()));
    }
    log.append(stamped);
  }

  private void broadcastAppend(Leader l) {
    for (long member : l.progress.keySet()) {
      if (member != id) {
        sendAppend(l, member, true);
      }
    }
  }

  private void broadcastHeartbeat(Leader l, Bytes context) {
    for (Map.Entry<Long, Progress> e : l.progress.entrySet()) {
      if (e.getKey() != id) {
        long commit = Math.min(e.getValue().match, log.committed());
        send(new Heartbeat(id, e.getKey(), term, commit, context));
      }
    }
  }

  /** Sends an append (or a snapshot) to {@code to} if its progress allows; true if sent. */
  private boolean sendAppend(Leader l, long to, boolean sendIfEmpty) {
    Progress progress = l.progress.get(to);
    if (progress == null || progress.isPaused()) {
      return false;
    }
    long prevIndex = progress.next - 1;
    long prevTerm = log.term(prevIndex);
    if (prevTerm != RaftLog.UNKNOWN_TERM && progress.next >= log.firstIndex()) {
      List<Entry> entries =
          log.slice(progress.next, log.lastIndex() + 1, config.maxSizePerMsgBytes());
      if (entries.isEmpty() && !sendIfEmpty) {
        return false;
      }
      long bytes = 0;
      for (Entry entry : entries) {
        bytes += entry.sizeBytes();
      }
      send(new AppendRequest(id, to, term, prevIndex, prevTerm, entries, log.committed()));
      progress.sentEntries(entries.size(), prevIndex + entries.size(), bytes);
      return true;
    }
    // Raft §7: the entries this follower needs were compacted; send the snapshot instead.
    if (!progress.recentActive) {
      return false;
    }
    Snapshot snapshot = log.storage().snapshot();
    if (snapshot.isEmpty()) {
      throw new IllegalStateException("entries before " + log.firstIndex() + " gone, no snapshot");
    }
    send(new InstallSnapshot(id, to, term, snapshot));
    progress.becomeSnapshot(snapshot.metadata().index());
    return true;
  }

  private void handleAppendResponse(Leader l, AppendResponse response) {
    Progress progress = l.progress.get(response.from());
    if (progress == null) {
      return;
    }
    progress.recentActive = true;
    if (response.reject()) {
      long nextProbe = response.rejectHint();
      if (response.hintTerm() > 0) {
        nextProbe = log.findConflictByTerm(response.rejectHint(), response.hintTerm());
      }
      if (progress.maybeDecreaseTo(response.index(), nextProbe)) {
        if (progress.state == Progress.State.REPLICATE) {
          progress.becomeProbe();
        }
        sendAppend(l, response.from(), true);
      }
      return;
    }
    boolean wasPaused = progress.isPaused();
    if (!progress.maybeUpdate(response.index())) {
      return;
    }
    switch (progress.state) {
      case PROBE -> progress.becomeReplicate();
      case SNAPSHOT -> {
        if (progress.match + 1 >= log.firstIndex()) {
          progress.becomeProbe();
          progress.becomeReplicate();
        }
      }
      case REPLICATE -> progress.inflights.freeLessOrEqual(response.index());
    }
    if (maybeCommit(l)) {
      broadcastAppend(l);
    } else if (wasPaused) {
      sendAppend(l, response.from(), true);
    }
    while (sendAppend(l, response.from(), false)) {
      // Fill the inflight window.
    }
    if (response.from() == l.leadTransferee && progress.match == log.lastIndex()) {
      send(new TimeoutNow(id, response.from(), term));
    }
  }

  private void handleHeartbeatResponse(Leader l, HeartbeatResponse response) {
    Progress progress = l.progress.get(response.from());
    if (progress == null) {
      return;
    }
    progress.recentActive = true;
    progress.probeSent = false;
    if (progress.state == Progress.State.REPLICATE && progress.inflights.full()) {
      // Appends may have been lost: let one more through so replication cannot stall.
      progress.inflights.freeFirstOne();
    }
    if (progress.match < log.lastIndex()) {
      sendAppend(l, response.from(), true);
    }
    if (config.readOnlyOption() != RaftConfig.ReadOnlyOption.SAFE || response.context().isEmpty()) {
      return;
    }
    Set<Long> acks = l.reads.acknowledge(response.from(), response.context());
    if (acks != null && hasQuorum(acks)) {
      for (RoleState.ReadOnlyQueue.Request request : l.reads.releaseThrough(response.context())) {
        answerRead(request.from(), request.index(), request.context());
      }
    }
  }

  private boolean hasQuorum(Set<Long> acks) {
    Map<Long, Boolean> votes = new TreeMap<>();
    for (long ack : acks) {
      votes.put(ack, true);
    }
    return Quorum.jointVote(membership.incoming(), membership.outgoing(), votes)
        == Quorum.VoteResult.WON;
  }

  /** Raft §5.3, §5.4.2: commit the highest index a quorum holds, if it is of this term. */
  private boolean maybeCommit(Leader l) {
    long index =
        Quorum.jointCommitted(
            membership.incoming(),
            membership.outgoing(),
            member -> {
              Progress progress = l.progress.get(member);
              return progress == null ? 0 : progress.match;
            });
    if (index == Long.MAX_VALUE) {
      return false;
    }
    boolean wasCommittedInTerm = committedInCurrentTerm();
    if (!log.maybeCommit(index, term)) {
      return false;
    }
    if (!wasCommittedInTerm && !l.readsAwaitingTermCommit.isEmpty()) {
      List<ReadIndex> waiting = new ArrayList<>(l.readsAwaitingTermCommit);
      l.readsAwaitingTermCommit.clear();
      for (ReadIndex request : waiting) {
        handleReadIndex(l, request);
      }
    }
    return true;
  }

  private boolean committedInCurrentTerm() {
    return log.term(log.committed()) == term;
  }

  private void handleReadIndex(Leader l, ReadIndex request) {
    if (!committedInCurrentTerm()) {
      // Raft §6.4: the commit index is not known to be current until an entry of this term
      // commits.
      l.readsAwaitingTermCommit.add(request);
      return;
    }
    long index = log.committed();
    switch (config.readOnlyOption()) {
      case LEASE_BASED -> answerRead(request.from(), index, request.context());
      case SAFE -> {
        l.reads.add(index, request.context(), request.from());
        Set<Long> acks = l.reads.acknowledge(id, request.context());
        if (acks != null && hasQuorum(acks)) {
          for (RoleState.ReadOnlyQueue.Request released :
              l.reads.releaseThrough(request.context())) {
            answerRead(released.from(), released.index(), released.context());
          }
        } else {
          broadcastHeartbeat(l, request.context());
        }
      }
    }
  }

  private void answerRead(long from, long index, Bytes context) {
    if (from == id || from == 0) {
      readStates.add(new ReadState(index, context));
    } else {
      send(new ReadIndexResponse(id, from, term, index, context));
    }
  }

  private void handleTransfer(Leader l, TransferLeader request) {
    long transferee = request.transferee();
    if (!membership.isVoter(transferee) || transferee == id) {
      return;
    }
    if (l.leadTransferee == transferee) {
      return;
    }
    Progress progress = l.progress.get(transferee);
    if (progress == null) {
      return;
    }
    // Raft thesis §3.10: stop taking proposals, catch the target up, then tell it to campaign.
    electionElapsed = 0;
    l.leadTransferee = transferee;
    if (progress.match == log.lastIndex()) {
      send(new TimeoutNow(id, transferee, term));
    } else {
      sendAppend(l, transferee, true);
    }
  }

  private void send(Message message) {
    outbox.add(message);
  }
}
