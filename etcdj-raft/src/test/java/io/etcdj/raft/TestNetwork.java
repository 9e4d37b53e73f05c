package io.etcdj.raft;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * An in-memory cluster for unit tests: each peer is a {@link RaftNode} with a {@link
 * MemoryStorage}; {@link #stabilize()} handles Ready batches (persist, send, apply) and delivers
 * messages until nothing moves. Faults: isolation, cut links, a drop filter. Deterministic: peer
 * {@code id} draws its election timeouts from {@code SplittableRandom(id)}.
 */
final class TestNetwork {
  static final class Peer {
    final long id;
    RaftConfig config;
    MemoryStorage storage;
    RaftNode node;
    final List<Entry> applied = new ArrayList<>();
    final List<ReadState> readStates = new ArrayList<>();
    ConfState confState;

    Peer(long id, RaftConfig config, MemoryStorage storage) {
      this.id = id;
      this.config = config;
      this.storage = storage;
      this.node = new RaftNode(config, storage, new SplittableRandom(id));
      this.confState = storage.snapshot().metadata().confState();
    }

    List<Bytes> appliedData() {
      return applied.stream()
          .filter(e -> e.type() == EntryType.NORMAL && !e.data().isEmpty())
          .map(Entry::data)
          .toList();
    }
  }

  final TreeMap<Long, Peer> peers = new TreeMap<>();
  final List<Message> queue = new ArrayList<>();
  final Set<Long> isolated = new HashSet<>();
  final Set<List<Long>> cut = new HashSet<>();
  Predicate<Message> drop = m -> false;
  Consumer<String> printer = line -> {};

  /** A cluster of voters 1..n, configured by {@code configure} from etcd-like test defaults. */
  static TestNetwork of(int voters, UnaryOperator<RaftConfig> configure) {
    List<Long> ids = new ArrayList<>();
    for (long id = 1; id <= voters; id++) {
      ids.add(id);
    }
    return of(ids, List.of(), configure);
  }

  static TestNetwork of(
      List<Long> voters, List<Long> learners, UnaryOperator<RaftConfig> configure) {
    TestNetwork network = new TestNetwork();
    ConfState state = new ConfState(voters, learners, List.of(), List.of(), false);
    network.initialState = state;
    List<Long> all = new ArrayList<>(voters);
    all.addAll(learners);
    for (long id : all) {
      network.add(id, configure.apply(testConfig(id)), new MemoryStorage(state));
    }
    return network;
  }

  /** 10 election ticks, 1 heartbeat tick, no pre-vote or check-quorum unless asked. */
  static RaftConfig testConfig(long id) {
    return RaftConfig.defaults(id).withElectionSafety(false, false);
  }

  Peer add(long id, RaftConfig config, MemoryStorage storage) {
    Peer peer = new Peer(id, config, storage);
    peers.put(id, peer);
    return peer;
  }

  ConfState initialState = ConfState.EMPTY;

  /**
   * A new node joining with an empty log. It starts from the cluster's initial membership (as
   * {@link MemoryStorage#ofVoters} requires), so replaying the log from index 1 yields the same
   * configurations everywhere.
   */
  Peer addEmpty(long id, LongFunction<RaftConfig> config) {
    return add(id, config.apply(id), new MemoryStorage(initialState));
  }

  RaftNode node(long id) {
    return peer(id).node;
  }

  Peer peer(long id) {
    return java.util.Objects.requireNonNull(peers.get(id), () -> "no peer " + id);
  }

  /** The leader with the highest term, or 0. */
  long leader() {
    long leader = 0;
    long term = -1;
    for (Peer peer : peers.values()) {
      if (peer.node.softState().role() == SoftState.Role.LEADER
          && peer.node.hardState().term() > term) {
        leader = peer.id;
        term = peer.node.hardState().term();
      }
    }
    return leader;
  }

  void campaign(long id) {
    node(id).campaign();
    stabilize();
  }

  void tick(long id, int ticks) {
    for (int i = 0; i < ticks; i++) {
      node(id).tick();
    }
  }

  void tickAll(int ticks) {
    for (int i = 0; i < ticks; i++) {
      for (Peer peer : peers.values()) {
        peer.node.tick();
      }
      stabilize();
    }
  }

  void isolate(long id) {
    isolated.add(id);
  }

  void heal() {
    isolated.clear();
    cut.clear();
    drop = m -> false;
  }

  void cut(long a, long b) {
    cut.add(List.of(a, b));
    cut.add(List.of(b, a));
  }

  /** Restarts {@code id} from what its storage holds (volatile state lost). */
  void restart(long id) {
    Peer peer = peer(id);
    Snapshot snapshot = peer.storage.snapshot();
    peer.node =
        new RaftNode(
            peer.config.withAppliedIndex(snapshot.metadata().index()),
            peer.storage,
            new SplittableRandom(id * 7919));
    peer.applied.clear();
  }

  /** Handles one Ready of {@code id} if it has one; returns whether it did. */
  boolean processReady(long id) {
    Peer peer = peer(id);
    if (!peer.node.hasReady()) {
      return false;
    }
    Ready ready = peer.node.ready();
    printer.accept(Format.ready(id, ready));
    Snapshot snapshot = ready.snapshot();
    if (snapshot != null) {
      peer.storage.applySnapshot(snapshot);
      peer.confState = snapshot.metadata().confState();
    }
    peer.storage.append(ready.entries());
    HardState hard = ready.hardState();
    if (hard != null) {
      peer.storage.setHardState(hard);
    }
    queue.addAll(ready.messages());
    for (Entry entry : ready.committedEntries()) {
      peer.applied.add(entry);
      if (entry.type() == EntryType.CONF_CHANGE) {
        peer.confState = peer.node.applyConfChange(ConfChange.decode(entry.data()));
      }
    }
    peer.readStates.addAll(ready.readStates());
    peer.node.advance();
    return true;
  }

  boolean processAllReady() {
    boolean any = false;
    for (long id : List.copyOf(peers.keySet())) {
      while (processReady(id)) {
        any = true;
      }
    }
    return any;
  }

  /** Delivers every queued message once (messages they cause are queued); returns the count. */
  int deliver() {
    List<Message> batch = List.copyOf(queue);
    queue.clear();
    for (Message message : batch) {
      Peer to = peers.get(message.to());
      boolean blocked =
          isolated.contains(message.from())
              || isolated.contains(message.to())
              || cut.contains(List.of(message.from(), message.to()))
              || drop.test(message);
      if (to == null || blocked) {
        printer.accept("  dropped " + Format.message(message));
        continue;
      }
      to.node.step(message);
    }
    return batch.size();
  }

  /** Handles Ready batches and delivers messages until the cluster is quiet. */
  void stabilize() {
    for (int round = 0; round < 1000; round++) {
      boolean readies = processAllReady();
      int delivered = deliver();
      if (!readies && delivered == 0) {
        return;
      }
    }
    throw new AssertionError("cluster did not stabilize");
  }

  /** Drains and returns the queued messages of {@code from} without delivering them. */
  List<Message> takeMessages(long from) {
    processAllReady();
    List<Message> taken = new ArrayList<>();
    queue.removeIf(
        m -> {
          if (m.from() == from) {
            taken.add(m);
            return true;
          }
          return false;
        });
    return taken;
  }
}
