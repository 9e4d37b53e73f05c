package io.etcdj.server;

import io.etcdj.raft.Bytes;
import io.etcdj.raft.ConfChange;
import io.etcdj.raft.ConfState;
import io.etcdj.raft.Entry;
import io.etcdj.raft.EntryType;
import io.etcdj.raft.HardState;
import io.etcdj.raft.MemoryStorage;
import io.etcdj.raft.Message;
import io.etcdj.raft.ProposalResult;
import io.etcdj.raft.RaftNode;
import io.etcdj.raft.ReadState;
import io.etcdj.raft.Ready;
import io.etcdj.raft.Snapshot;
import io.etcdj.raft.SoftState;
import io.etcdj.snap.Snapshotter;
import io.etcdj.wal.Wal;
import io.etcdj.wal.WalRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The raft loop: the one thread that owns the {@link RaftNode}, its {@link MemoryStorage}, the WAL
 * and the snapshot files. It ticks every heartbeat interval, takes proposals, peer messages and
 * read requests from its inbox, and handles each {@link Ready} in the contract's order: a leader's
 * appends leave first; entries, hard state and snapshots are written to the WAL (fsync when raft
 * requires it) and made visible in the storage; then the other messages leave; committed entries go
 * to the apply loop (conf changes are applied to raft here, as they are handed over) — those
 * already in the WAL before the save, so applying them overlaps its fsync, the others after it;
 * read states go to the read batcher.
 */
final class RaftLoop implements Runnable {
  /** Entries kept in memory behind a snapshot for slow followers, as etcd. */
  static final long CATCH_UP_ENTRIES = 5000;

  sealed interface Event {}

  record Propose(byte[] data) implements Event {}

  record Receive(Message message) implements Event {}

  /** A membership change; {@code requestId}'s waiter learns if raft refuses it. */
  record ProposeConfChange(ConfChange change, long requestId) implements Event {}

  /** Raft's status (progress of every member on a leader), answered on the loop's thread. */
  record QueryStatus(java.util.concurrent.CompletableFuture<io.etcdj.raft.Status> answer)
      implements Event {}

  record ReadIndex(long context) implements Event {}

  record TakeSnapshot(long index) implements Event {}

  record TransferLeader(long transferee) implements Event {}

  record Unreachable(long peer) implements Event {}

  record SnapshotReport(long peer, boolean ok) implements Event {}

  record Stop() implements Event {}

  private final EtcdServer server;
  private final RaftNode node;
  private final MemoryStorage storage;
  private final Wal wal;
  private final Snapshotter snapshotter;
  private final MonotonicClock clock;
  private final long tickNanos;
  private final int maxSnapshots;
  private final int maxWals;
  private final LinkedBlockingQueue<Event> inbox = new LinkedBlockingQueue<>();
  private final ArrayDeque<Event> waitingForLeader = new ArrayDeque<>();
  private final TreeMap<Long, ConfState> confHistory = new TreeMap<>();
  private long leader;
  private boolean stopped;

  RaftLoop(
      EtcdServer server,
      RaftNode node,
      MemoryStorage storage,
      Wal wal,
      Snapshotter snapshotter,
      MonotonicClock clock,
      long tickNanos,
      int maxSnapshots,
      int maxWals) {
    this.server = server;
    this.node = node;
    this.storage = storage;
    this.wal = wal;
    this.snapshotter = snapshotter;
    this.clock = clock;
    this.tickNanos = tickNanos;
    this.maxSnapshots = maxSnapshots;
    this.maxWals = maxWals;
    Snapshot snap = storage.snapshot();
    confHistory.put(snap.metadata().index(), snap.metadata().confState());
  }

  void submit(Event event) {
    inbox.add(event);
  }

  @Override
  public void run() {
    try {
      while (step(Long.MAX_VALUE)) {
        // until stopped
      }
    } catch (InterruptedException e) {
      server.log("raft loop interrupted; stopping");
    } catch (RuntimeException | Error e) {
      server.fail("raft loop", e);
    } finally {
      finish();
    }
  }

  private long nextTick = Long.MIN_VALUE;

  /**
   * One pass of the loop: waits up to {@code maxWaitNanos} (0: not at all) for events, handles
   * them, ticks if a tick is due, and handles every Ready. A thread calls it forever ({@link
   * #run()}); a simulation calls it with 0 on its own thread and its own clock.
   *
   * @return false once stopped
   */
  boolean step(long maxWaitNanos) throws InterruptedException {
    if (nextTick == Long.MIN_VALUE) {
      nextTick = clock.nanoTime() + tickNanos;
    }
    long wait = Math.min(maxWaitNanos, nextTick - clock.nanoTime());
    Event event = wait > 0 ? inbox.poll(wait, TimeUnit.NANOSECONDS) : inbox.poll();
    int handled = 0;
    while (event != null) {
      handle(event);
      if (stopped || ++handled >= 4096) {
        break;
      }
      event = inbox.poll();
    }
    long now = clock.nanoTime();
    if (now >= nextTick) {
      node.tick();
      server.onTick(now);
      nextTick += tickNanos;
      if (nextTick < now) {
        nextTick = now + tickNanos; // a stall: do not replay the missed ticks in a burst
      }
    }
    while (!stopped && node.hasReady()) {
      processReady();
    }
    return !stopped;
  }

  /** Closes the WAL once the loop has stopped. */
  void finish() {
    try {
      wal.close();
    } catch (IOException e) {
      server.log("closing the WAL failed: " + e);
    }
    server.raftLoopStopped();
  }

  private void handle(Event event) {
    switch (event) {
      case Propose p -> propose(p);
      case Receive r -> node.step(r.message());
      case ProposeConfChange c -> proposeConfChange(c);
      case QueryStatus q -> q.answer().complete(node.status());
      case ReadIndex r -> readIndex(r);
      case TakeSnapshot s -> takeSnapshot(s.index());
      case TransferLeader t -> node.transferLeadership(t.transferee());
      case Unreachable u -> node.reportUnreachable(u.peer());
      case SnapshotReport r ->
          node.reportSnapshot(
              r.peer(),
              r.ok() ? io.etcdj.raft.SnapshotStatus.FINISHED : io.etcdj.raft.SnapshotStatus.FAILED);
      case Stop s -> stopped = true;
    }
  }

  private void propose(Propose p) {
    if (leader == 0) {
      waitingForLeader.add(p);
      return;
    }
    ProposalResult result = node.propose(Bytes.copyOf(p.data()));
    if (result instanceof ProposalResult.Dropped) {
      waitingForLeader.add(p);
    }
  }

  private void proposeConfChange(ProposeConfChange c) {
    if (leader == 0) {
      waitingForLeader.add(c);
      return;
    }
    ProposalResult result = node.proposeConfChange(c.change());
    if (result instanceof ProposalResult.Dropped d) {
      switch (d.reason()) {
        case CONF_CHANGE_PENDING, INVALID_CONF_CHANGE, NOT_A_MEMBER ->
            // etcd's raft turns such a proposal into an empty entry: the request times out. etcdj
            // answers at once with the error a retry after the timeout would meet.
            server.waiters().trigger(c.requestId(), EtcdError.TIMEOUT.exception());
        default -> waitingForLeader.add(c);
      }
    }
  }

  private void readIndex(ReadIndex r) {
    if (leader == 0) {
      waitingForLeader.add(r);
      return;
    }
    ProposalResult result = node.readIndex(Bytes.copyOf(context(r.context())));
    if (result instanceof ProposalResult.Dropped) {
      waitingForLeader.add(r);
    }
  }

  static byte[] context(long id) {
    return ByteBuffer.allocate(8).putLong(id).array();
  }

  private void processReady() {
    Ready rd = node.ready();
    SoftState soft = rd.softState();
    if (soft != null) {
      boolean wasLeader = server.isLeader();
      leader = soft.leader();
      server.onSoftState(soft, wasLeader);
    }
    boolean isLeader = soft != null ? soft.role() == SoftState.Role.LEADER : server.isLeader();
    List<Message> later = new ArrayList<>();
    if (isLeader) {
      List<Message> early = new ArrayList<>();
      for (Message m : rd.messages()) {
        (Ready.mayBeSentBeforePersisting(m) ? early : later).add(m);
      }
      if (!early.isEmpty()) {
        server.send(early);
      }
    } else {
      later.addAll(rd.messages());
    }
    // Committed entries below this Ready's new ones are already durable here: hand them to the
    // apply loop now, so applying overlaps the fsync below instead of waiting for it (under load
    // every Ready both commits old entries and appends new ones). The rest wait for the save.
    List<Entry> committed = rd.committedEntries();
    int early = rd.snapshot() == null ? durableCount(committed, rd.entries()) : 0;
    if (early > 0) {
      handOver(committed.subList(0, early));
    }
    try {
      Snapshot snap = rd.snapshot();
      if (snap != null) {
        snapshotter.save(snap);
        wal.saveSnapshot(
            new WalRecord.SnapshotMarker(snap.metadata().index(), snap.metadata().term()));
        storage.applySnapshot(snap);
        confHistory.put(snap.metadata().index(), snap.metadata().confState());
        server.onSnapshotReceived(snap);
      }
      HardState hs = rd.hardState();
      long started = clock.nanoTime();
      wal.save(hs == null ? HardState.EMPTY : hs, rd.entries(), rd.mustSync());
      if (rd.mustSync()) {
        server.metrics().walFsync.observeNanos(clock.nanoTime() - started);
      }
      server.metrics().walSaved(rd.mustSync());
    } catch (IOException e) {
      throw new UncheckedIOException("writing the WAL failed; the member stops", e);
    }
    if (!rd.entries().isEmpty()) {
      storage.append(rd.entries());
    }
    HardState hs = rd.hardState();
    if (hs != null) {
      storage.setHardState(hs);
      server.onHardState(hs);
    }
    if (!later.isEmpty()) {
      server.send(later);
    }
    if (early < committed.size()) {
      handOver(committed.subList(early, committed.size()));
    }
    for (ReadState rs : rd.readStates()) {
      server.onReadState(ByteBuffer.wrap(rs.context().toByteArray()).getLong(), rs.index());
    }
    node.advance();
    if (soft != null && leader != 0 && !waitingForLeader.isEmpty()) {
      List<Event> retry = new ArrayList<>(waitingForLeader);
      waitingForLeader.clear();
      retry.forEach(this::handle);
    }
  }

  /**
   * How many of {@code committed} lie below the first of {@code unsaved} (the entries this Ready
   * appends): those are in the WAL already and may be applied before this Ready is saved.
   */
  static int durableCount(List<Entry> committed, List<Entry> unsaved) {
    if (unsaved.isEmpty()) {
      return committed.size();
    }
    long firstUnsaved = unsaved.get(0).index();
    int n = 0;
    while (n < committed.size() && committed.get(n).index() < firstUnsaved) {
      n++;
    }
    return n;
  }

  /** Committed entries to the apply loop, in order; conf changes take effect in raft here. */
  private void handOver(List<Entry> committed) {
    for (Entry e : committed) {
      if (e.type() == EntryType.CONF_CHANGE) {
        ConfState cs = node.applyConfChange(ConfChange.decode(e.data()));
        confHistory.put(e.index(), cs);
      }
    }
    server.onCommitted(List.copyOf(committed));
  }

  /** Creates a raft snapshot at an index the backend has durably applied, then compacts. */
  private void takeSnapshot(long index) {
    long snapIndex = storage.snapshot().metadata().index();
    if (index <= snapIndex || index > storage.lastIndex()) {
      return;
    }
    Map.Entry<Long, ConfState> cs = confHistory.floorEntry(index);
    if (cs == null) {
      return;
    }
    if (!storage.createSnapshot(index, cs.getValue(), Bytes.EMPTY)) {
      return;
    }
    Snapshot snap = storage.snapshot();
    try {
      snapshotter.save(snap);
      wal.saveSnapshot(new WalRecord.SnapshotMarker(index, snap.metadata().term()));
      if (index > CATCH_UP_ENTRIES) {
        storage.compact(index - CATCH_UP_ENTRIES);
      }
      confHistory.headMap(cs.getKey(), false).clear();
      wal.purge(index, maxWals);
      snapshotter.purge(maxSnapshots);
    } catch (IOException e) {
      throw new UncheckedIOException("saving a snapshot failed; the member stops", e);
    }
    server.log("saved snapshot at index " + index);
  }
}
