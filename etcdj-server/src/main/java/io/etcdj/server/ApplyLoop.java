package io.etcdj.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.etcdj.api.etcdserverpb.AlarmMember;
import io.etcdj.api.etcdserverpb.AlarmRequest;
import io.etcdj.api.etcdserverpb.AlarmResponse;
import io.etcdj.api.etcdserverpb.AlarmType;
import io.etcdj.api.etcdserverpb.CompactionResponse;
import io.etcdj.api.etcdserverpb.InternalRaftRequest;
import io.etcdj.api.etcdserverpb.LeaseGrantResponse;
import io.etcdj.api.etcdserverpb.LeaseRevokeResponse;
import io.etcdj.api.etcdserverpb.MemberChange;
import io.etcdj.api.etcdserverpb.MemberRecord;
import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.backend.Backend;
import io.etcdj.backend.ByteSequence;
import io.etcdj.backend.ConsistentIndex;
import io.etcdj.backend.WriteTxn;
import io.etcdj.mvcc.KvStore;
import io.etcdj.mvcc.KvWriteTxn;
import io.etcdj.mvcc.Outcome;
import io.etcdj.raft.ConfChange;
import io.etcdj.raft.Entry;
import io.etcdj.raft.EntryType;
import io.etcdj.server.lease.Lessor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The apply loop: the backend's one writer. Applies committed entries in order, a batch of them
 * inside one backend write transaction, skipping entries at or below the stored consistent index
 * and writing the new consistent index in the same transaction; then publishes the writes to
 * readers and watchers, advances the applied index and completes the proposals' waiters. It also
 * runs writer-only work (compaction steps, defragmentation, batch commits) between batches.
 */
final class ApplyLoop implements Runnable {
  sealed interface Task {}

  record Apply(List<Entry> entries) implements Task {}

  record Run(Supplier<Object> work, CompletableFuture<Object> done) implements Task {}

  record Stop() implements Task {}

  private static final int COMPACTION_STEP_KEYS = 1000;

  private final EtcdServer server;
  private final Backend backend;
  private final KvStore kv;
  private final Lessor lessor;
  private final KvExecutor executor;
  private final Members members;
  private final Alarms alarms;
  private final MonotonicClock clock;
  private final long snapshotCount;
  private final LinkedBlockingQueue<Task> queue = new LinkedBlockingQueue<>();
  private final List<CompletableFuture<Object>> physicalCompactions = new ArrayList<>();
  private ConsistentIndex consistentIndex;
  private long applied;
  private long lastSnapshotIndex;
  private boolean stopped;

  ApplyLoop(
      EtcdServer server,
      Backend backend,
      KvStore kv,
      Lessor lessor,
      Members members,
      Alarms alarms,
      MonotonicClock clock,
      long snapshotCount,
      ConsistentIndex consistentIndex,
      long snapshotIndex) {
    this.server = server;
    this.backend = backend;
    this.kv = kv;
    this.lessor = lessor;
    this.executor = new KvExecutor(lessor);
    this.members = members;
    this.alarms = alarms;
    this.clock = clock;
    this.snapshotCount = snapshotCount;
    this.consistentIndex = consistentIndex;
    this.applied = Math.max(consistentIndex.index(), snapshotIndex);
    this.lastSnapshotIndex = snapshotIndex;
  }

  void submit(Task task) {
    queue.add(task);
  }

  int backlog() {
    return queue.size();
  }

  @Override
  public void run() {
    try {
      while (step(20_000_000L)) {
        // until stopped
      }
    } catch (InterruptedException e) {
      server.log("apply loop interrupted; stopping");
    } catch (RuntimeException | Error e) {
      server.fail("apply loop", e);
    } finally {
      server.applyLoopStopped();
    }
  }

  /**
   * One pass: waits up to {@code maxWaitNanos} (0: not at all) for work, applies what is queued (a
   * batch per backend transaction), then a compaction step and a batch commit if due.
   *
   * @return false once stopped
   */
  boolean step(long maxWaitNanos) throws InterruptedException {
    Task task = maxWaitNanos > 0 ? queue.poll(maxWaitNanos, TimeUnit.NANOSECONDS) : queue.poll();
    if (task != null) {
      List<Entry> batch = new ArrayList<>();
      while (task != null) {
        if (task instanceof Apply a) {
          batch.addAll(a.entries());
          if (batch.size() >= 4096) {
            applyBatch(batch);
            batch.clear();
          }
        } else {
          applyBatch(batch);
          batch.clear();
          handle(task);
          if (stopped) {
            break;
          }
        }
        task = queue.poll();
      }
      applyBatch(batch);
    }
    if (kv.compactionPending()) {
      compactionStep();
    }
    long now = clock.nanoTime();
    if (backend.maybeCommit(now)) {
      server.metrics().backendCommit.observeNanos(clock.nanoTime() - now);
    }
    return !stopped;
  }

  private void handle(Task task) {
    switch (task) {
      case Run r -> {
        try {
          r.done().complete(r.work().get());
        } catch (RuntimeException e) {
          r.done().completeExceptionally(e);
        }
      }
      case Stop s -> stopped = true;
      case Apply a -> applyBatch(a.entries());
    }
  }

  private record Completion(long id, Object result) {}

  private void applyBatch(List<Entry> entries) {
    if (entries.isEmpty()) {
      return;
    }
    List<Completion> completions = new ArrayList<>();
    long last = applied;
    WriteTxn btx = backend.beginWrite();
    boolean wrote = false;
    try {
      for (Entry e : entries) {
        last = Math.max(last, e.index());
        if (e.index() <= consistentIndex.index()) {
          continue; // applied before a restart: the backend already holds its effects
        }
        applyEntry(btx, e, completions);
        consistentIndex = new ConsistentIndex(e.index(), e.term());
        wrote = true;
      }
      if (wrote) {
        consistentIndex.writeTo(btx);
      }
    } finally {
      btx.end();
    }
    kv.publish();
    applied = last;
    server.onApplied(last);
    for (Completion c : completions) {
      server.waiters().trigger(c.id(), c.result());
    }
    if (applied - lastSnapshotIndex > snapshotCount) {
      backend.forceCommit(); // the snapshot lets the WAL go: the backend must hold it durably
      lastSnapshotIndex = applied;
      server.requestSnapshot(applied);
    }
  }

  private void applyEntry(WriteTxn btx, Entry e, List<Completion> completions) {
    if (e.type() == EntryType.CONF_CHANGE) {
      applyConfChange(btx, ConfChange.decode(e.data()), completions);
      return;
    }
    if (e.data().isEmpty()) {
      server.onLeaderEntryApplied(e.term()); // a new leader's empty entry
      return;
    }
    InternalRaftRequest r;
    try {
      r = InternalRaftRequest.parseFrom(e.data().asReadOnlyBuffer());
    } catch (InvalidProtocolBufferException ex) {
      throw new IllegalStateException("entry " + e.index() + " is not a request", ex);
    }
    long id = r.getHeader().getID();
    Object result;
    try {
      result = apply(btx, r);
    } catch (EtcdException ex) {
      result = ex;
    }
    if (id != 0 && server.waiters().isWaiting(id)) {
      if (result instanceof PhysicalCompaction pc) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        physicalCompactions.add(f);
        f.thenAccept(x -> server.waiters().trigger(id, pc.response()));
      } else {
        completions.add(new Completion(id, result));
      }
    }
  }

  private record PhysicalCompaction(CompactionResponse response) {}

  private Object apply(WriteTxn btx, InternalRaftRequest r) {
    if (r.hasPut() || r.hasTxn() || r.hasLeaseGrant()) {
      if (alarms.has(AlarmType.NOSPACE)
          && (r.hasPut() || r.hasLeaseGrant() || (r.hasTxn() && hasPut(r.getTxn())))) {
        return EtcdError.NO_SPACE.exception();
      }
    }
    if (alarms.has(AlarmType.CORRUPT) && !r.hasAlarm() && !r.hasRange()) {
      return EtcdError.CORRUPT.exception();
    }
    if (r.hasPut()) {
      KvWriteTxn w = kv.beginWrite(btx);
      try {
        return executor.put(w, r.getPut());
      } finally {
        w.end();
      }
    }
    if (r.hasDeleteRange()) {
      KvWriteTxn w = kv.beginWrite(btx);
      try {
        return executor.deleteRange(w, r.getDeleteRange());
      } finally {
        w.end();
      }
    }
    if (r.hasTxn()) {
      KvWriteTxn w = kv.beginWrite(btx);
      try {
        return executor.txn(w, r.getTxn(), kv.compactRevision());
      } finally {
        w.end();
      }
    }
    if (r.hasCompaction()) {
      Outcome<Long> out = kv.compact(btx, r.getCompaction().getRevision());
      if (out instanceof Outcome.Failed<Long> f) {
        return Convert.error(f.error());
      }
      CompactionResponse resp =
          CompactionResponse.newBuilder()
              .setHeader(ResponseHeader.newBuilder().setRevision(kv.pendingRevision()))
              .build();
      return r.getCompaction().getPhysical() ? new PhysicalCompaction(resp) : resp;
    }
    if (r.hasLeaseGrant()) {
      long id = r.getLeaseGrant().getID();
      if (lessor.exists(id)) {
        return EtcdError.LEASE_EXISTS.exception();
      }
      long ttl = lessor.grant(btx, id, r.getLeaseGrant().getTTL(), clock.nanoTime());
      return LeaseGrantResponse.newBuilder()
          .setHeader(ResponseHeader.newBuilder().setRevision(kv.pendingRevision()))
          .setID(id)
          .setTTL(ttl)
          .build();
    }
    if (r.hasLeaseRevoke()) {
      List<ByteSequence> keys = lessor.revoke(btx, r.getLeaseRevoke().getID());
      if (keys == null) {
        return EtcdError.LEASE_NOT_FOUND.exception();
      }
      KvWriteTxn w = kv.beginWrite(btx);
      try {
        for (ByteSequence key : keys) {
          executor.deleteKeys(w, key, null);
        }
      } finally {
        w.end();
      }
      return LeaseRevokeResponse.newBuilder()
          .setHeader(ResponseHeader.newBuilder().setRevision(kv.pendingRevision()))
          .build();
    }
    if (r.hasAlarm()) {
      return applyAlarm(btx, r.getAlarm());
    }
    if (r.hasLeaseCheckpoint()) {
      for (var c : r.getLeaseCheckpoint().getCheckpointsList()) {
        lessor.checkpoint(btx, c.getID(), c.getRemainingTTL());
      }
      return io.etcdj.api.etcdserverpb.LeaseCheckpointResponse.getDefaultInstance();
    }
    if (r.hasClusterMemberUpdate()) {
      MemberRecord m = r.getClusterMemberUpdate().getMember();
      members.setPeerUrls(btx, m.getID(), m.getPeerUrlsList());
      server.membersChanged();
      return members.wire();
    }
    if (r.hasClusterMemberAttrSet()) {
      var a = r.getClusterMemberAttrSet();
      members.setAttributes(btx, a.getMemberID(), a.getName(), a.getClientUrlsList());
      return ResponseHeader.getDefaultInstance();
    }
    throw new IllegalStateException("unknown request in the log: " + r);
  }

  private static boolean hasPut(TxnRequest t) {
    for (var op : t.getSuccessList()) {
      if (op.hasRequestPut() || (op.hasRequestTxn() && hasPut(op.getRequestTxn()))) {
        return true;
      }
    }
    for (var op : t.getFailureList()) {
      if (op.hasRequestPut() || (op.hasRequestTxn() && hasPut(op.getRequestTxn()))) {
        return true;
      }
    }
    return false;
  }

  private AlarmResponse applyAlarm(WriteTxn btx, AlarmRequest a) {
    AlarmResponse.Builder b = AlarmResponse.newBuilder();
    AlarmMember m =
        AlarmMember.newBuilder().setMemberID(a.getMemberID()).setAlarm(a.getAlarm()).build();
    switch (a.getAction()) {
      case ACTIVATE -> {
        if (a.getAlarm() != AlarmType.NONE) {
          alarms.activate(btx, m);
          b.addAlarms(m);
        }
      }
      case DEACTIVATE -> {
        if (alarms.deactivate(btx, m)) {
          b.addAlarms(m);
        }
      }
      default -> b.addAllAlarms(alarms.all());
    }
    return b.build();
  }

  private void applyConfChange(WriteTxn btx, ConfChange cc, List<Completion> completions) {
    MemberChange change = Members.parseContext(cc.context());
    if (change == null) {
      return;
    }
    MemberRecord m = change.getMember();
    boolean removedSelf = false;
    for (ConfChange.Change c : cc.changes()) {
      if (c.nodeId() != m.getID()) {
        continue;
      }
      switch (c.type()) {
        case ADD_VOTER -> members.add(btx, m, false);
        case ADD_LEARNER -> members.add(btx, m, true);
        case REMOVE -> {
          members.remove(btx, c.nodeId());
          removedSelf |= c.nodeId() == server.memberId();
        }
      }
    }
    server.membersChanged();
    if (change.getRequestID() != 0 && server.waiters().isWaiting(change.getRequestID())) {
      completions.add(new Completion(change.getRequestID(), members.wire()));
    }
    if (removedSelf) {
      server.removedFromCluster();
    }
  }

  /**
   * Runs a pending compaction to its end now (writer thread): a defragmentation that follows a
   * compaction must copy the compacted backend, not the revisions the compaction is still deleting.
   */
  void finishCompaction() {
    while (kv.compactionPending()) {
      compactionStep();
    }
  }

  private void compactionStep() {
    WriteTxn btx = backend.beginWrite();
    boolean more;
    try {
      more = kv.compactionStep(btx, COMPACTION_STEP_KEYS);
    } finally {
      btx.end();
    }
    if (!more) {
      backend.forceCommit();
      List<CompletableFuture<Object>> done = new ArrayList<>(physicalCompactions);
      physicalCompactions.clear();
      done.forEach(f -> f.complete(Boolean.TRUE));
    }
  }

  long applied() {
    return applied;
  }

  /**
   * Replaces the backend's content with the leader's snapshot stream (writer thread), unless this
   * member already applied the snapshot's index; then reloads mvcc, watchers, leases, members and
   * alarms from it.
   *
   * @return whether the backend was replaced
   */
  boolean restoreBackend(java.io.InputStream in, long snapshotIndex) throws java.io.IOException {
    if (snapshotIndex <= consistentIndex.index()) {
      return false;
    }
    backend.forceCommit();
    for (io.etcdj.backend.Bucket bucket : io.etcdj.backend.Bucket.values()) {
      List<byte[]> keys = new ArrayList<>();
      try (io.etcdj.backend.ReadTxn r = backend.readTxn()) {
        r.forEach(
            bucket,
            new byte[0],
            null,
            (k, v) -> {
              keys.add(k);
              return true;
            });
      }
      for (int i = 0; i < keys.size(); i += 10_000) {
        WriteTxn btx = backend.beginWrite();
        try {
          for (byte[] k : keys.subList(i, Math.min(keys.size(), i + 10_000))) {
            btx.delete(bucket, k);
          }
        } finally {
          btx.end();
        }
      }
    }
    io.etcdj.backend.BackendSnapshot.restore(in, backend);
    backend.forceCommit();
    kv.reload();
    server.watchable().resync();
    try (io.etcdj.backend.ReadTxn r = backend.readTxn()) {
      consistentIndex = ConsistentIndex.readFrom(r);
      lessor.restore(r, kv.restoredLeases());
      members.restore(r);
      alarms.restore(r);
    }
    applied = Math.max(applied, consistentIndex.index());
    lastSnapshotIndex = applied;
    server.onApplied(applied);
    server.membersChanged();
    return true;
  }

  /** Raft installed a snapshot at {@code index}: the restored backend covers it. */
  void snapshotInstalled(long index) {
    if (index > applied) {
      applied = index;
      lastSnapshotIndex = index;
      server.onApplied(index);
    }
  }
}
