package io.etcdj.server;

import io.etcdj.api.etcdserverpb.AlarmMember;
import io.etcdj.api.etcdserverpb.AlarmRequest;
import io.etcdj.api.etcdserverpb.AlarmResponse;
import io.etcdj.api.etcdserverpb.AlarmType;
import io.etcdj.api.etcdserverpb.CompactionRequest;
import io.etcdj.api.etcdserverpb.CompactionResponse;
import io.etcdj.api.etcdserverpb.DefragmentResponse;
import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.DeleteRangeResponse;
import io.etcdj.api.etcdserverpb.HashKVRequest;
import io.etcdj.api.etcdserverpb.HashKVResponse;
import io.etcdj.api.etcdserverpb.HashResponse;
import io.etcdj.api.etcdserverpb.InternalRaftRequest;
import io.etcdj.api.etcdserverpb.LeaseGrantRequest;
import io.etcdj.api.etcdserverpb.LeaseGrantResponse;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveResponse;
import io.etcdj.api.etcdserverpb.LeaseLeasesResponse;
import io.etcdj.api.etcdserverpb.LeaseRevokeRequest;
import io.etcdj.api.etcdserverpb.LeaseRevokeResponse;
import io.etcdj.api.etcdserverpb.LeaseStatus;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.etcdj.api.etcdserverpb.Member;
import io.etcdj.api.etcdserverpb.MemberAddRequest;
import io.etcdj.api.etcdserverpb.MemberAddResponse;
import io.etcdj.api.etcdserverpb.MemberAttrSetRequest;
import io.etcdj.api.etcdserverpb.MemberChange;
import io.etcdj.api.etcdserverpb.MemberListResponse;
import io.etcdj.api.etcdserverpb.MemberPromoteResponse;
import io.etcdj.api.etcdserverpb.MemberRecord;
import io.etcdj.api.etcdserverpb.MemberRemoveResponse;
import io.etcdj.api.etcdserverpb.MemberUpdateRequest;
import io.etcdj.api.etcdserverpb.MemberUpdateResponse;
import io.etcdj.api.etcdserverpb.MoveLeaderResponse;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.PutResponse;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.RequestHeader;
import io.etcdj.api.etcdserverpb.RequestOp;
import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.api.etcdserverpb.StatusResponse;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.api.etcdserverpb.TxnResponse;
import io.etcdj.backend.Backend;
import io.etcdj.backend.ConsistentIndex;
import io.etcdj.backend.ReadTxn;
import io.etcdj.mvcc.HashKvResult;
import io.etcdj.mvcc.KvReadTxn;
import io.etcdj.mvcc.KvStore;
import io.etcdj.mvcc.Outcome;
import io.etcdj.mvcc.WatchableStore;
import io.etcdj.raft.ConfChange;
import io.etcdj.raft.Entry;
import io.etcdj.raft.EntryType;
import io.etcdj.raft.HardState;
import io.etcdj.raft.MemoryStorage;
import io.etcdj.raft.Message;
import io.etcdj.raft.RaftConfig;
import io.etcdj.raft.RaftNode;
import io.etcdj.raft.Snapshot;
import io.etcdj.raft.SoftState;
import io.etcdj.server.lease.Lessor;
import io.etcdj.server.membership.InitialCluster;
import io.etcdj.server.membership.MemberIds;
import io.etcdj.server.membership.ReconfigRules;
import io.etcdj.snap.Snapshotter;
import io.etcdj.wal.OpenedWal;
import io.etcdj.wal.Wal;
import io.etcdj.wal.WalRecord;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * One etcd member: the composition of raft (with the WAL and snapshot files), the apply loop over
 * mvcc and the backend, the lessor, watch, alarms and membership, and the request paths etcd's
 * KVServer and its siblings implement. The gRPC edge calls the public methods; every method is safe
 * from any thread and none blocks: results come as futures, errors as {@link EtcdException}
 * (synchronously thrown or as the future's failure).
 *
 * <p>Threads: {@link #start()} hands three loops to {@link ServerEnvironment#loops()}: the raft
 * loop ({@link RaftLoop}), the apply loop ({@link ApplyLoop}) and housekeeping (watch catch-up,
 * lease expiry, auto compaction, ReadIndex retries).
 */
public final class EtcdServer implements AutoCloseable {
  /** Committed minus applied beyond which proposals are refused, as etcd. */
  static final long MAX_GAP_BETWEEN_APPLY_AND_COMMIT = 5000;

  private static final int KV_OVERHEAD = 256;
  private static final int LEASE_OVERHEAD = 64;
  private static final long READ_INDEX_RETRY_NANOS = 500_000_000L;
  private static final int REVOKES_PER_PASS = 500;

  /** etcd's maxLeaseCheckpointBatchSize. */
  private static final int CHECKPOINTS_PER_PROPOSAL = 1000;

  private final ServerConfig config;
  private final ServerEnvironment env;
  private final Consumer<String> logger;
  private final long memberId;
  private final long clusterId;
  private final Backend backend;
  private final KvStore kv;
  private final WatchableStore watchable;
  private final Lessor lessor;
  private final Members members;
  private final Alarms alarms;
  private final Wait wait = new Wait();
  private final IndexWaiter appliedIndex;
  private final RequestIds requestIds;
  private final RaftLoop raftLoop;
  private final ApplyLoop applyLoop;
  private final ReadIndexBatcher reads;
  private final KeepAliveForwarder keepAlives;
  private final Compactor compactor;
  private final ServerMetrics metrics = new ServerMetrics();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final CountDownLatch loopsDone = new CountDownLatch(2);
  private final List<CompletableFuture<Long>> leaderWatchers = new ArrayList<>();
  private final java.util.HashMap<Long, Long> revoking = new java.util.HashMap<>();
  private final AtomicLong watchStreamCount = new AtomicLong();
  private final java.util.Set<WatchStream> watchStreams =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  private volatile long term;
  private volatile long committed;
  private volatile long leader;
  private volatile boolean isLeader;
  private volatile @Nullable String failure;
  private volatile boolean publishing;
  private volatile long publishedAt;
  private volatile boolean started;

  private EtcdServer(
      ServerConfig config,
      ServerEnvironment env,
      Consumer<String> logger,
      long memberId,
      long clusterId,
      MemoryStorage storage,
      Wal wal,
      Snapshotter snapshotter,
      Map<Long, List<String>> knownPeers) {
    this.config = config;
    this.env = env;
    this.logger = logger;
    this.memberId = memberId;
    this.clusterId = clusterId;
    this.backend = env.backend();
    this.kv = KvStore.open(backend);
    this.watchable = new WatchableStore(kv);
    this.lessor = new Lessor(Lessor.minTtlSeconds(config.electionTimeoutMillis()));
    this.members = new Members();
    this.alarms = new Alarms();
    ConsistentIndex ci;
    try (ReadTxn txn = backend.readTxn()) {
      ci = ConsistentIndex.readFrom(txn);
      lessor.restore(txn, kv.restoredLeases());
      members.restore(txn);
      alarms.restore(txn);
    }
    long snapshotIndex = storage.snapshot().metadata().index();
    if (ci.index() < snapshotIndex) {
      throw new IllegalStateException(
          "the backend's consistent index "
              + ci.index()
              + " is behind the snapshot at "
              + snapshotIndex
              + ": the backend lost committed writes");
    }
    HardState hs = storage.hardState();
    this.term = hs.term();
    this.committed = hs.commit();
    this.appliedIndex = new IndexWaiter(Math.max(ci.index(), snapshotIndex));
    this.requestIds = new RequestIds(memberId, env.startMillis());
    this.startNanos = env.clock().nanoTime();
    this.timeouts = new RequestTimeouts(env.clock(), config.requestTimeout());
    RaftConfig raftConfig =
        RaftConfig.defaults(memberId)
            .withTicks(config.electionTicks(), 1)
            .withElectionSafety(true, config.preVote())
            .withFlowControl(1 << 20, 512, 0);
    RaftNode node = new RaftNode(raftConfig, storage, env.random());
    if (storage.initialState().confState().voters().equals(List.of(memberId))
        || singleVoterBootstrap(storage)) {
      node.campaign();
    }
    this.raftLoop =
        new RaftLoop(
            this,
            node,
            storage,
            wal,
            snapshotter,
            env.clock(),
            config.heartbeatIntervalMillis() * 1_000_000L,
            config.maxSnapshots(),
            config.maxWals());
    this.applyLoop =
        new ApplyLoop(
            this,
            backend,
            kv,
            lessor,
            members,
            alarms,
            env.clock(),
            config.snapshotCount(),
            ci,
            snapshotIndex);
    this.reads = new ReadIndexBatcher(raftLoop::submit, env.clock());
    this.keepAlives = new KeepAliveForwarder(env.transport()::renewOnLeader, timeouts::within);
    this.compactor =
        new Compactor(config, env.clock(), this::proposeCompaction, kv::currentRevision);
    Map<Long, List<String>> peers = new java.util.LinkedHashMap<>(knownPeers);
    for (Entry e : logEntries(storage)) {
      if (e.type() == EntryType.CONF_CHANGE) {
        MemberChange change = Members.parseContext(ConfChange.decode(e.data()).context());
        if (change != null) {
          peers.put(change.getMember().getID(), change.getMember().getPeerUrlsList());
        }
      }
    }
    for (MemberRecord m : members.all()) {
      peers.put(m.getID(), m.getPeerUrlsList());
    }
    env.transport().updatePeers(peers);
  }

  private static List<Entry> logEntries(MemoryStorage storage) {
    return storage.lastIndex() >= storage.firstIndex()
        ? storage.entries(storage.firstIndex(), storage.lastIndex() + 1, Long.MAX_VALUE)
        : List.of();
  }

  /**
   * The apply loop changed the membership: the transport learns the peers' URLs. A joining member
   * keeps the peers it was told of until its own record is applied (all earlier members are then
   * applied too).
   */
  void membersChanged() {
    if (!members.contains(memberId)) {
      return;
    }
    Map<Long, List<String>> peers = new java.util.LinkedHashMap<>();
    for (MemberRecord m : members.all()) {
      peers.put(m.getID(), m.getPeerUrlsList());
    }
    env.transport().updatePeers(peers);
  }

  private boolean singleVoterBootstrap(MemoryStorage storage) {
    // A new one-member cluster: its membership is only in the (committed) log so far.
    List<Entry> entries = logEntries(storage);
    int voters = 0;
    boolean self = false;
    for (Entry e : entries) {
      if (e.type() == EntryType.CONF_CHANGE) {
        for (ConfChange.Change c : ConfChange.decode(e.data()).changes()) {
          if (c.type() == ConfChange.ChangeType.ADD_VOTER) {
            voters++;
            self |= c.nodeId() == memberId;
          } else if (c.type() == ConfChange.ChangeType.REMOVE) {
            voters--;
          }
        }
      }
    }
    return voters == 1 && self && storage.initialState().confState().voters().isEmpty();
  }

  // ---------------------------------------------------------------- opening

  /**
   * Opens a member: restarts from the data directory if it holds a WAL (the initial cluster flags
   * are then ignored, as etcd), else bootstraps a new cluster from {@code --initial-cluster}.
   *
   * @throws IOException if the WAL or snapshots cannot be read or written
   * @throws IllegalArgumentException if the configuration cannot start a member (the message says
   *     why)
   */
  public static EtcdServer open(ServerConfig config, ServerEnvironment env, Consumer<String> logger)
      throws IOException {
    Path walDir = config.effectiveWalDir();
    Path snapDir = config.dataDir().resolve("member").resolve("snap");
    env.files().createDirectories(snapDir);
    Snapshotter snapshotter = new Snapshotter(env.files(), snapDir);
    if (Wal.exists(env.files(), walDir)) {
      Snapshotter.Loaded loaded = snapshotter.loadNewest();
      for (String broken : loaded.broken()) {
        logger.accept("skipped a damaged snapshot file: " + broken);
      }
      Snapshot snap = loaded.snapshot().orElse(null);
      WalRecord.SnapshotMarker marker =
          snap == null
              ? new WalRecord.SnapshotMarker(0, 0)
              : new WalRecord.SnapshotMarker(snap.metadata().index(), snap.metadata().term());
      OpenedWal opened = Wal.open(env.files(), walDir, marker, config.walOptions());
      for (String repair : opened.repairs()) {
        logger.accept("repaired the WAL: " + repair);
      }
      MemoryStorage storage = new MemoryStorage();
      if (snap != null) {
        storage.applySnapshot(snap);
      }
      storage.append(opened.entries());
      storage.setHardState(opened.state());
      logger.accept(
          "restarting member "
              + Long.toHexString(opened.metadata().memberId())
              + " in cluster "
              + Long.toHexString(opened.metadata().clusterId())
              + " at commit index "
              + opened.state().commit());
      return new EtcdServer(
          config,
          env,
          logger,
          opened.metadata().memberId(),
          opened.metadata().clusterId(),
          storage,
          opened.wal(),
          snapshotter,
          Map.of());
    }
    InitialCluster cluster = InitialCluster.parse(config.initialCluster());
    if (config.initialClusterState() == ServerConfig.ClusterState.EXISTING) {
      return join(config, env, logger, cluster, snapshotter);
    }
    Map<String, Long> ids = cluster.memberIds(config.initialClusterToken());
    Long self = ids.get(config.name());
    if (self == null) {
      throw new IllegalArgumentException(
          "couldn't find local name \""
              + config.name()
              + "\" in the initial cluster configuration");
    }
    List<String> ownUrls = cluster.peerUrlsByName().get(config.name());
    List<String> advertised =
        config.initialAdvertisePeerUrls().stream().map(java.net.URI::toString).sorted().toList();
    if (ownUrls != null && !ownUrls.stream().sorted().toList().equals(advertised)) {
      throw new IllegalArgumentException(
          "--initial-cluster has "
              + config.name()
              + "="
              + String.join(",", ownUrls)
              + " but missing from --initial-advertise-peer-urls="
              + String.join(",", advertised));
    }
    long clusterId = cluster.clusterId(config.initialClusterToken());
    MemoryStorage storage = new MemoryStorage();
    List<Entry> entries = new ArrayList<>();
    long index = 0;
    for (Map.Entry<String, Long> m :
        ids.entrySet().stream()
            .sorted(Map.Entry.comparingByValue(Long::compareUnsigned))
            .toList()) {
      MemberRecord record =
          MemberRecord.newBuilder()
              .setID(m.getValue())
              .setName(m.getKey())
              .addAllPeerUrls(cluster.peerUrlsByName().get(m.getKey()))
              .build();
      ConfChange add = ConfChange.addVoter(m.getValue());
      ConfChange withContext =
          new ConfChange(add.transition(), add.changes(), Members.context(0, record));
      entries.add(new Entry(1, ++index, EntryType.CONF_CHANGE, withContext.encode()));
    }
    HardState hs = new HardState(1, 0, index);
    storage.append(entries);
    storage.setHardState(hs);
    Wal wal =
        Wal.create(
            env.files(), walDir, new WalRecord.Metadata(self, clusterId), config.walOptions());
    wal.save(hs, entries, true);
    logger.accept(
        "starting member "
            + Long.toHexString(self)
            + " in new cluster "
            + Long.toHexString(clusterId)
            + " with "
            + ids.size()
            + " member(s)");
    return new EtcdServer(
        config, env, logger, self, clusterId, storage, wal, snapshotter, Map.of());
  }

  /**
   * Joins a running cluster (etcd's {@code --initial-cluster-state existing}): asks the other
   * members of {@code --initial-cluster} for the cluster, finds this member (added before with
   * MemberAdd) by its peer URLs, and starts raft with an empty log: the leader sends the log or a
   * snapshot.
   */
  private static EtcdServer join(
      ServerConfig config,
      ServerEnvironment env,
      Consumer<String> logger,
      InitialCluster cluster,
      Snapshotter snapshotter)
      throws IOException {
    List<String> advertised =
        config.initialAdvertisePeerUrls().stream().map(java.net.URI::toString).sorted().toList();
    List<String> others = new ArrayList<>();
    cluster
        .peerUrlsByName()
        .forEach(
            (name, urls) -> {
              if (!name.equals(config.name())) {
                others.addAll(urls);
              }
            });
    if (others.isEmpty()) {
      throw new IllegalArgumentException(
          "--initial-cluster-state=existing needs the other members in --initial-cluster");
    }
    PeerTransport.RemoteCluster remote;
    try {
      remote = env.transport().fetchCluster(others).get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
      throw new IllegalArgumentException(
          "cannot fetch cluster info from peer urls: could not retrieve cluster information from"
              + " the given URLs ("
              + (e.getCause() == null ? e : e.getCause())
              + ")");
    } catch (InterruptedException e) {
      throw new java.io.InterruptedIOException("interrupted while asking the cluster");
    }
    MemberRecord self = null;
    for (MemberRecord m : remote.members()) {
      if (m.getPeerUrlsList().stream().sorted().toList().equals(advertised)) {
        self = m;
      }
    }
    if (self == null) {
      throw new IllegalArgumentException(
          "error validating peerURLs "
              + advertised
              + ": no member of cluster "
              + Long.toHexString(remote.clusterId())
              + " has these peer URLs (add it first with member add)");
    }
    Map<Long, List<String>> peers = new java.util.LinkedHashMap<>();
    for (MemberRecord m : remote.members()) {
      peers.put(m.getID(), m.getPeerUrlsList());
    }
    Wal wal =
        Wal.create(
            env.files(),
            config.effectiveWalDir(),
            new WalRecord.Metadata(self.getID(), remote.clusterId()),
            config.walOptions());
    logger.accept(
        "joining cluster "
            + Long.toHexString(remote.clusterId())
            + " as member "
            + Long.toHexString(self.getID())
            + (self.getIsLearner() ? " (learner)" : ""));
    return new EtcdServer(
        config,
        env,
        logger,
        self.getID(),
        remote.clusterId(),
        new MemoryStorage(),
        wal,
        snapshotter,
        peers);
  }

  /** Starts the loops. */
  public void start() {
    started = true;
    env.loops().execute(raftLoop);
    env.loops().execute(applyLoop);
    env.loops().execute(this::housekeeping);
  }

  // ---------------------------------------------------------------- identity and state

  public long memberId() {
    return memberId;
  }

  public long clusterId() {
    return clusterId;
  }

  public long term() {
    return term;
  }

  public long leader() {
    return leader;
  }

  public boolean isLeader() {
    return isLeader;
  }

  public long committedIndex() {
    return committed;
  }

  public long appliedIndex() {
    return appliedIndex.index();
  }

  public long currentRevision() {
    return kv.currentRevision();
  }

  public ServerMetrics metrics() {
    return metrics;
  }

  public Backend backend() {
    return backend;
  }

  /** Why the member stopped serving, or null while it is healthy. */
  public @Nullable String failure() {
    return failure;
  }

  /** Active alarms (for /health and Status). */
  public List<AlarmMember> alarms() {
    return alarms.all();
  }

  int watchStreams() {
    return (int) watchStreamCount.get();
  }

  /** The response header: cluster ID, member ID, raft term and the given revision. */
  public ResponseHeader header(long revision) {
    ResponseHeader.Builder b =
        ResponseHeader.newBuilder().setClusterId(clusterId).setMemberId(memberId).setRaftTerm(term);
    if (revision != 0) {
      b.setRevision(revision);
    }
    return b.build();
  }

  private ResponseHeader header(ResponseHeader partial) {
    return header(partial.getRevision());
  }

  long maxResponseBytes() {
    return config.maxRequestBytes() + 512L * 1024;
  }

  // ---------------------------------------------------------------- KV

  public CompletableFuture<RangeResponse> range(RangeRequest r) {
    return guard(
        () -> {
          RequestChecks.range(r);
          metrics.ranges.incrementAndGet();
          if (r.getSerializable()) {
            return CompletableFuture.completedFuture(localRange(r));
          }
          return linearizable().thenApplyAsync(v -> localRange(r), env.requests());
        });
  }

  private RangeResponse localRange(RangeRequest r) {
    try (KvReadTxn txn = kv.read()) {
      RangeResponse resp = KvExecutor.range(txn::range, r);
      return resp.toBuilder().setHeader(header(resp.getHeader())).build();
    }
  }

  public CompletableFuture<PutResponse> put(PutRequest r) {
    return guard(
        () -> {
          RequestChecks.put(r);
          CompletableFuture<PutResponse> full =
              overQuota(KV_OVERHEAD + r.getKey().size() + r.getValue().size());
          if (full != null) {
            return full;
          }
          metrics.puts.incrementAndGet();
          return propose(InternalRaftRequest.newBuilder().setPut(r), PutResponse.class)
              .thenApply(p -> p.toBuilder().setHeader(header(p.getHeader())).build());
        });
  }

  public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest r) {
    return guard(
        () -> {
          RequestChecks.deleteRange(r);
          metrics.deletes.incrementAndGet();
          return propose(
                  InternalRaftRequest.newBuilder().setDeleteRange(r), DeleteRangeResponse.class)
              .thenApply(p -> p.toBuilder().setHeader(header(p.getHeader())).build());
        });
  }

  public CompletableFuture<TxnResponse> txn(TxnRequest r) {
    return guard(
        () -> {
          RequestChecks.txn(r, config.maxTxnOps());
          metrics.txns.incrementAndGet();
          if (KvExecutor.isReadOnly(r)) {
            if (KvExecutor.isSerializable(r)) {
              return CompletableFuture.completedFuture(localTxn(r));
            }
            return linearizable().thenApplyAsync(v -> localTxn(r), env.requests());
          }
          CompletableFuture<TxnResponse> full = overQuota(txnCost(r));
          if (full != null) {
            return full;
          }
          return propose(InternalRaftRequest.newBuilder().setTxn(r), TxnResponse.class)
              .thenApply(p -> p.toBuilder().setHeader(header(p.getHeader())).build());
        });
  }

  private TxnResponse localTxn(TxnRequest r) {
    try (KvReadTxn txn = kv.read()) {
      TxnResponse resp = KvExecutor.readTxn(txn::range, txn.revision(), kv.compactRevision(), r);
      return resp.toBuilder().setHeader(header(resp.getHeader())).build();
    }
  }

  private static long txnCost(TxnRequest r) {
    long cost = 0;
    for (List<RequestOp> branch : List.of(r.getSuccessList(), r.getFailureList())) {
      long c = 0;
      for (RequestOp op : branch) {
        if (op.hasRequestPut()) {
          c +=
              KV_OVERHEAD
                  + op.getRequestPut().getKey().size()
                  + op.getRequestPut().getValue().size();
        } else if (op.hasRequestTxn()) {
          c += txnCost(op.getRequestTxn());
        }
      }
      cost = Math.max(cost, c);
    }
    return cost;
  }

  public CompletableFuture<CompactionResponse> compact(CompactionRequest r) {
    return guard(
        () ->
            propose(InternalRaftRequest.newBuilder().setCompaction(r), CompactionResponse.class)
                .thenApply(p -> p.toBuilder().setHeader(header(p.getHeader())).build()));
  }

  private void proposeCompaction(long revision) {
    propose(
            InternalRaftRequest.newBuilder()
                .setCompaction(CompactionRequest.newBuilder().setRevision(revision)),
            CompactionResponse.class)
        .whenComplete(
            (ok, err) -> {
              if (err == null) {
                log("finished scheduled compaction at revision " + revision);
              }
            });
  }

  // ---------------------------------------------------------------- lease

  public CompletableFuture<LeaseGrantResponse> leaseGrant(LeaseGrantRequest r) {
    return guard(
        () -> {
          if (r.getTTL() > Lessor.MAX_TTL_SECONDS) {
            throw EtcdError.LEASE_TTL_TOO_LARGE.exception();
          }
          CompletableFuture<LeaseGrantResponse> full = overQuota(LEASE_OVERHEAD);
          if (full != null) {
            return full;
          }
          long id = r.getID() != 0 ? r.getID() : nextLeaseId();
          if (lessor.exists(id)) {
            throw EtcdError.LEASE_EXISTS.exception();
          }
          metrics.leasesGranted.incrementAndGet();
          return propose(
                  InternalRaftRequest.newBuilder().setLeaseGrant(r.toBuilder().setID(id)),
                  LeaseGrantResponse.class)
              .thenApply(p -> p.toBuilder().setHeader(header(p.getHeader())).build());
        });
  }

  public CompletableFuture<LeaseRevokeResponse> leaseRevoke(LeaseRevokeRequest r) {
    return guard(
        () -> {
          if (!lessor.exists(r.getID())) {
            throw EtcdError.LEASE_NOT_FOUND.exception();
          }
          metrics.leasesRevoked.incrementAndGet();
          return propose(
                  InternalRaftRequest.newBuilder().setLeaseRevoke(r), LeaseRevokeResponse.class)
              .thenApply(p -> p.toBuilder().setHeader(header(p.getHeader())).build());
        });
  }

  /**
   * Renews a lease: on the leader, which alone keeps deadlines; on a follower through the leader.
   * TTL 0 if the lease does not exist. The header is this member's, filled before the renewal, as
   * etcd's.
   */
  public CompletableFuture<LeaseKeepAliveResponse> leaseKeepAlive(long id) {
    ResponseHeader h = header(kv.currentRevision());
    return guard(
        () -> {
          CompletableFuture<Long> ttl;
          if (lessor.isPrimary() || leader == memberId) {
            ttl = renewLocally(id).get(0);
          } else if (leader == 0) {
            throw EtcdError.NO_LEADER.exception();
          } else {
            ttl = timeouts.within(keepAlives.renew(leader, id));
          }
          return ttl.handle(
              (t, err) -> {
                if (err != null) {
                  throw asEtcd(err);
                }
                metrics.leasesRenewed.incrementAndGet();
                return LeaseKeepAliveResponse.newBuilder().setHeader(h).setID(id).setTTL(t).build();
              });
        });
  }

  /**
   * Renewals on this member as the leader (also what a follower forwards, a batch at a time). As
   * etcd's: the leader first confirms it still leads and has applied what it committed (a
   * ReadIndex, one for the batch), so a deposed leader cannot renew behind its successor's back; a
   * leader that has not yet applied its predecessors' entries (and so not yet taken over the
   * leases) waits for that. Renewals of checkpointed leases record the cleared checkpoints through
   * raft (one proposal for the batch) before they are answered.
   *
   * @return one future per ID, in order: the TTL, 0 if the lease does not exist; or failed with an
   *     {@link EtcdException}: {@code not a primary lessor} if this member does not lead
   */
  public List<CompletableFuture<Long>> renewLocally(long... ids) {
    List<CompletableFuture<Long>> out = new ArrayList<>(ids.length);
    for (int i = 0; i < ids.length; i++) {
      out.add(new CompletableFuture<>());
    }
    guard(
            () -> {
              if (!lessor.isPrimary() && leader != memberId) {
                throw EtcdError.NOT_PRIMARY_LESSOR.exception();
              }
              return whenPrimary().thenCompose(v -> linearizable());
            })
        .whenCompleteAsync(
            (v, err) -> {
              if (err != null) {
                RuntimeException e = asEtcd(err);
                out.forEach(f -> f.completeExceptionally(e));
                return;
              }
              renewConfirmed(ids, out);
            },
            env.requests());
    return out;
  }

  private void renewConfirmed(long[] ids, List<CompletableFuture<Long>> out) {
    long now = env.clock().nanoTime();
    io.etcdj.api.etcdserverpb.LeaseCheckpointRequest.Builder clears =
        io.etcdj.api.etcdserverpb.LeaseCheckpointRequest.newBuilder();
    List<CompletableFuture<Long>> waitForClears = new ArrayList<>();
    List<Long> ttls = new ArrayList<>();
    for (int i = 0; i < ids.length; i++) {
      Lessor.Renewal r;
      try {
        r = lessor.renew(ids[i], now);
      } catch (IllegalStateException notPrimary) {
        out.get(i).completeExceptionally(EtcdError.NOT_PRIMARY_LESSOR.exception());
        continue;
      }
      if (!r.clearCheckpoint()) {
        out.get(i).complete(r.ttl());
        continue;
      }
      clears.addCheckpoints(
          io.etcdj.api.etcdserverpb.LeaseCheckpoint.newBuilder().setID(ids[i]).setRemainingTTL(0));
      waitForClears.add(out.get(i));
      ttls.add(r.ttl());
    }
    if (waitForClears.isEmpty()) {
      return;
    }
    proposeCheckpoints(clears)
        .whenComplete(
            (ok, err) -> {
              for (int i = 0; i < waitForClears.size(); i++) {
                if (err != null) {
                  waitForClears.get(i).completeExceptionally(asEtcd(err));
                } else {
                  waitForClears.get(i).complete(ttls.get(i));
                }
              }
            });
  }

  private final List<CompletableFuture<Void>> primaryWaiters = new ArrayList<>();

  /** Completes when this member's lessor is the primary (at once if it is). */
  private CompletableFuture<Void> whenPrimary() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    synchronized (primaryWaiters) {
      if (lessor.isPrimary()) {
        return CompletableFuture.completedFuture(null);
      }
      primaryWaiters.add(f);
    }
    return timeouts.within(f);
  }

  /**
   * The apply loop applied an empty entry of {@code entryTerm}: a new leader's first entry. If it
   * is this member's, every entry of the terms before has been applied (checkpoints and cleared
   * checkpoints included) and its lessor takes over the leases, as etcd promotes.
   */
  void onLeaderEntryApplied(long entryTerm) {
    if (!isLeader || term != entryTerm || lessor.isPrimary()) {
      return;
    }
    lessor.promote(env.clock().nanoTime(), config.electionTimeoutMillis() * 1_000_000L);
    List<CompletableFuture<Void>> done;
    synchronized (primaryWaiters) {
      done = new ArrayList<>(primaryWaiters);
      primaryWaiters.clear();
    }
    done.forEach(f -> f.complete(null));
  }

  /**
   * A lease's TTLs (and keys): answered by the leader, which alone keeps deadlines; a follower asks
   * it. An unknown lease answers TTL -1, as etcd.
   */
  public CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(LeaseTimeToLiveRequest r) {
    return guard(
        () -> {
          if (lessor.isPrimary()) {
            return linearizable().thenApplyAsync(v -> timeToLiveLocally(r), env.requests());
          }
          if (leader == 0) {
            throw EtcdError.NO_LEADER.exception();
          }
          return timeouts
              .within(env.transport().timeToLiveOnLeader(leader, r))
              .handle(
                  (resp, err) -> {
                    if (err != null) {
                      throw asEtcd(err);
                    }
                    return resp.toBuilder().setHeader(header(kv.currentRevision())).build();
                  });
        });
  }

  /** TimeToLive as the leader knows it (a follower forwarded the request). */
  public LeaseTimeToLiveResponse timeToLiveLocally(LeaseTimeToLiveRequest r) {
    if (!lessor.isPrimary()) {
      throw EtcdError.NOT_PRIMARY_LESSOR.exception();
    }
    Lessor.LeaseInfo info = lessor.timeToLive(r.getID(), env.clock().nanoTime());
    LeaseTimeToLiveResponse.Builder b =
        LeaseTimeToLiveResponse.newBuilder()
            .setHeader(header(kv.currentRevision()))
            .setID(r.getID());
    if (info == null) {
      return b.setTTL(-1).build();
    }
    b.setTTL(info.remainingTtl()).setGrantedTTL(info.grantedTtl());
    if (r.getKeys()) {
      info.keys().forEach(k -> b.addKeys(Convert.wire(k)));
    }
    return b.build();
  }

  public LeaseLeasesResponse leaseLeases() {
    LeaseLeasesResponse.Builder b =
        LeaseLeasesResponse.newBuilder().setHeader(header(kv.currentRevision()));
    for (long id : lessor.ids()) {
      b.addLeases(LeaseStatus.newBuilder().setID(id));
    }
    return b.build();
  }

  // ---------------------------------------------------------------- watch

  /** Opens a watch stream whose responses go to {@code sink}; close it when the client goes. */
  public WatchStream openWatchStream(WatchStream.Sink sink) {
    watchStreamCount.incrementAndGet();
    WatchStream stream = new WatchStream(this, watchable, sink);
    watchStreams.add(stream);
    return stream;
  }

  void watchStreamClosed(WatchStream stream) {
    if (watchStreams.remove(stream)) {
      watchStreamCount.decrementAndGet();
    }
  }

  // ---------------------------------------------------------------- cluster and maintenance

  public MemberListResponse memberList() {
    return MemberListResponse.newBuilder()
        .setHeader(header(0))
        .addAllMembers(members.wire())
        .build();
  }

  /** Adds a member (voter or learner) through a raft conf change; etcd's checks first. */
  public CompletableFuture<MemberAddResponse> memberAdd(MemberAddRequest r) {
    return guard(
        () -> {
          checkServing();
          List<String> urls = validPeerUrls(r.getPeerURLsList());
          List<MemberRecord> all = members.all();
          // etcd's order: the strict checks before proposing, the rest when applying.
          if (config.strictReconfigCheck()) {
            List<MemberRecord> voters = voters(all);
            if (!r.getIsLearner()
                && !ReconfigRules.readyToAddVoter(voters.size(), started(voters))) {
              throw EtcdError.MEMBER_NOT_ENOUGH_STARTED.exception();
            }
            if (!connectedToAll(voters)) {
              throw EtcdError.UNHEALTHY.exception();
            }
          }
          long id = MemberIds.addedMemberId(urls, wallMillis() / 1000);
          if (members.contains(id) || members.isRemoved(id)) {
            throw EtcdError.MEMBER_EXIST.exception();
          }
          checkUrlsUnused(all, urls, 0);
          if (r.getIsLearner()
              && all.stream().filter(MemberRecord::getIsLearner).count() >= MAX_LEARNERS) {
            throw EtcdError.TOO_MANY_LEARNERS.exception();
          }
          MemberRecord added =
              MemberRecord.newBuilder()
                  .setID(id)
                  .addAllPeerUrls(urls)
                  .setIsLearner(r.getIsLearner())
                  .build();
          ConfChange cc = r.getIsLearner() ? ConfChange.addLearner(id) : ConfChange.addVoter(id);
          return proposeMemberChange(cc, added)
              .thenApply(
                  list ->
                      MemberAddResponse.newBuilder()
                          .setHeader(header(0))
                          .setMember(
                              Member.newBuilder()
                                  .setID(id)
                                  .addAllPeerURLs(urls)
                                  .setIsLearner(r.getIsLearner()))
                          .addAllMembers(list)
                          .build());
        });
  }

  /** Removes a member through a raft conf change; a removed member stops itself. */
  public CompletableFuture<MemberRemoveResponse> memberRemove(long id) {
    return guard(
        () -> {
          checkServing();
          MemberRecord m = members.get(id);
          if (m == null) {
            throw EtcdError.MEMBER_NOT_FOUND.exception();
          }
          if (config.strictReconfigCheck() && !m.getIsLearner()) {
            List<MemberRecord> voters = voters(members.all());
            boolean removedStarted = !m.getName().isEmpty();
            if (!ReconfigRules.readyToRemoveVoter(voters.size(), started(voters), removedStarted)) {
              throw EtcdError.MEMBER_NOT_ENOUGH_STARTED.exception();
            }
            // A member that is down is not part of the active quorum: removing it is safe.
            boolean down = id != memberId && env.transport().activeNanos(id) == 0;
            if (!down) {
              long active = voters.stream().filter(v -> connectedFor(v.getID())).count();
              if (active - 1 < 1 + (voters.size() - 1) / 2) {
                throw EtcdError.UNHEALTHY.exception();
              }
            }
          }
          MemberRecord removed = MemberRecord.newBuilder().setID(id).build();
          return proposeMemberChange(ConfChange.remove(id), removed)
              .thenApply(
                  list ->
                      MemberRemoveResponse.newBuilder()
                          .setHeader(header(0))
                          .addAllMembers(list)
                          .build());
        });
  }

  /** Changes a member's peer URLs (raft's configuration does not change). */
  public CompletableFuture<MemberUpdateResponse> memberUpdate(MemberUpdateRequest r) {
    return guard(
        () -> {
          checkServing();
          if (!members.contains(r.getID())) {
            throw EtcdError.MEMBER_NOT_FOUND.exception();
          }
          List<String> urls = validPeerUrls(r.getPeerURLsList());
          checkUrlsUnused(members.all(), urls, r.getID());
          MemberChange change =
              MemberChange.newBuilder()
                  .setMember(MemberRecord.newBuilder().setID(r.getID()).addAllPeerUrls(urls))
                  .build();
          return propose(
                  InternalRaftRequest.newBuilder().setClusterMemberUpdate(change), List.class)
              .thenApply(
                  list -> {
                    MemberUpdateResponse.Builder b =
                        MemberUpdateResponse.newBuilder().setHeader(header(0));
                    for (Object o : list) {
                      b.addMembers((Member) o);
                    }
                    return b.build();
                  });
        });
  }

  /**
   * Promotes a learner to a voter once it is in sync with the leader (its match index at least 90 %
   * of the leader's); a follower asks the leader, which alone knows.
   */
  public CompletableFuture<MemberPromoteResponse> memberPromote(long id) {
    return guard(
        () -> {
          checkServing();
          if (!isLeader) {
            if (leader == 0) {
              throw EtcdError.NO_LEADER.exception();
            }
            return env.transport()
                .promoteOnLeader(leader, id)
                .thenApply(resp -> resp.toBuilder().setHeader(header(0)).build());
          }
          MemberRecord m = members.get(id);
          if (m == null) {
            throw EtcdError.MEMBER_NOT_FOUND.exception();
          }
          if (!m.getIsLearner()) {
            throw EtcdError.MEMBER_NOT_LEARNER.exception();
          }
          if (config.strictReconfigCheck()) {
            List<MemberRecord> voters = voters(members.all());
            if (!ReconfigRules.readyToPromote(voters.size(), started(voters))) {
              throw EtcdError.MEMBER_NOT_ENOUGH_STARTED.exception();
            }
          }
          CompletableFuture<io.etcdj.raft.Status> status = new CompletableFuture<>();
          raftLoop.submit(new RaftLoop.QueryStatus(status));
          return timeouts
              .within(status)
              .thenCompose(
                  st -> {
                    var self = st.progress().get(memberId);
                    var learner = st.progress().get(id);
                    if (self == null || st.softState().leader() != memberId) {
                      throw EtcdError.NOT_LEADER.exception();
                    }
                    if (learner == null || learner.match() < self.match() * LEARNER_READY) {
                      throw EtcdError.LEARNER_NOT_READY.exception();
                    }
                    MemberRecord promoted = m.toBuilder().setIsLearner(false).build();
                    return proposeMemberChange(ConfChange.addVoter(id), promoted);
                  })
              .handle(
                  (list, err) -> {
                    if (err != null) {
                      throw asEtcd(err);
                    }
                    return MemberPromoteResponse.newBuilder()
                        .setHeader(header(0))
                        .addAllMembers(list)
                        .build();
                  });
        });
  }

  private static final int MAX_LEARNERS = 1;
  private static final double LEARNER_READY = 0.9;
  private static final long HEALTH_INTERVAL_NANOS = 5_000_000_000L;

  private CompletableFuture<List<Member>> proposeMemberChange(ConfChange cc, MemberRecord m) {
    long id = nextRequestId();
    ConfChange withContext = new ConfChange(cc.transition(), cc.changes(), Members.context(id, m));
    CompletableFuture<Object> f = wait.register(id);
    raftLoop.submit(new RaftLoop.ProposeConfChange(withContext, id));
    return timeouts
        .within(f)
        .handle(
            (result, err) -> {
              if (err != null) {
                wait.forget(id);
                throw asEtcd(err);
              }
              List<Member> list = new ArrayList<>();
              for (Object o : (List<?>) result) {
                list.add((Member) o);
              }
              return list;
            });
  }

  private static List<String> validPeerUrls(List<String> urls) {
    try {
      return ReconfigRules.peerUrls(urls);
    } catch (IllegalArgumentException e) {
      throw EtcdError.MEMBER_BAD_URLS.exception();
    }
  }

  private static void checkUrlsUnused(List<MemberRecord> all, List<String> urls, long except) {
    for (MemberRecord m : all) {
      if (m.getID() != except && m.getPeerUrlsList().stream().anyMatch(urls::contains)) {
        throw EtcdError.PEER_URL_EXIST.exception();
      }
    }
  }

  private static List<MemberRecord> voters(List<MemberRecord> all) {
    return all.stream().filter(m -> !m.getIsLearner()).toList();
  }

  private static int started(List<MemberRecord> voters) {
    return (int) voters.stream().filter(m -> !m.getName().isEmpty()).count();
  }

  /** Whether this member's link to {@code peer} has been up for etcd's health interval. */
  private boolean connectedFor(long peer) {
    return peer == memberId || env.transport().activeNanos(peer) >= HEALTH_INTERVAL_NANOS;
  }

  private boolean connectedToAll(List<MemberRecord> voters) {
    return voters.stream().allMatch(v -> connectedFor(v.getID()));
  }

  /** Wall-clock time: the start time plus monotonic time since (the core reads no wall clock). */
  private long wallMillis() {
    return env.startMillis() + (env.clock().nanoTime() - startNanos) / 1_000_000L;
  }

  /** Whether {@code id} was a member and was removed (its messages are refused). */
  public boolean isRemovedMember(long id) {
    return members.isRemoved(id);
  }

  /** The members as recorded, for a member joining the cluster. */
  public List<MemberRecord> memberRecords() {
    return members.all();
  }

  /** Whether this member is a learner (it serves only Status, serializable ranges, snapshots). */
  public boolean isLearner() {
    MemberRecord self = members.get(memberId);
    return self != null && self.getIsLearner();
  }

  /** Whether the member stopped serving (closed, failed, or removed from the cluster). */
  public boolean halted() {
    return stopped.getCount() == 0;
  }

  /** Whether this member was removed from the cluster (it then stops). */
  public boolean removed() {
    return removedAt != Long.MIN_VALUE;
  }

  /**
   * A peer refused this member's messages because the cluster removed it (it missed the entry, e.g.
   * while partitioned): it stops as if it had applied its removal.
   */
  public void peerSaysRemoved() {
    if (removedAt == Long.MIN_VALUE) {
      removedFromCluster();
    }
  }

  private volatile long removedAt = Long.MIN_VALUE;
  private final long startNanos;
  private final RequestTimeouts timeouts;

  /** The apply loop applied this member's removal: it stops once the leader could hand over. */
  void removedFromCluster() {
    log("the member has been permanently removed from the cluster");
    removedAt = env.clock().nanoTime();
  }

  public StatusResponse status() {
    StatusResponse.Builder b =
        StatusResponse.newBuilder()
            .setHeader(header(kv.currentRevision()))
            .setVersion(env.serverVersion())
            .setDbSize(backend.sizeBytes())
            .setDbSizeInUse(backend.sizeInUseBytes())
            .setLeader(leader)
            .setRaftIndex(committed)
            .setRaftTerm(term)
            .setRaftAppliedIndex(appliedIndex.index())
            .setIsLearner(isLearner());
    if (leader == 0) {
      b.addErrors(EtcdError.NO_LEADER.message());
    }
    for (AlarmMember a : alarms.all()) {
      b.addErrors(
          "memberID:" + Long.toUnsignedString(a.getMemberID()) + " alarm:" + a.getAlarm() + " ");
    }
    return b.build();
  }

  public CompletableFuture<AlarmResponse> alarm(AlarmRequest r) {
    return guard(
        () -> {
          if (r.getAction() == AlarmRequest.AlarmAction.GET) {
            AlarmResponse.Builder b = AlarmResponse.newBuilder();
            for (AlarmMember a : alarms.all()) {
              if (r.getAlarm() == AlarmType.NONE || r.getAlarm() == a.getAlarm()) {
                b.addAlarms(a);
              }
            }
            return CompletableFuture.completedFuture(b.build());
          }
          return propose(InternalRaftRequest.newBuilder().setAlarm(r), AlarmResponse.class);
        });
  }

  /** Defragments the backend; a compaction still in progress is finished first (its space too). */
  public CompletableFuture<DefragmentResponse> defragment() {
    return onWriter(
            () -> {
              applyLoop.finishCompaction();
              backend.defragment();
              return DefragmentResponse.getDefaultInstance();
            })
        .thenApply(DefragmentResponse.class::cast);
  }

  public HashResponse hash() {
    long rev = kv.currentRevision();
    int h = backend.hash();
    return HashResponse.newBuilder().setHeader(header(rev)).setHash(h).build();
  }

  public HashKVResponse hashKv(HashKVRequest r) {
    Outcome<HashKvResult> out = kv.hashKv(r.getRevision());
    HashKvResult h =
        switch (out) {
          case Outcome.Ok<HashKvResult> ok -> ok.value();
          case Outcome.Failed<HashKvResult> failed -> throw Convert.error(failed.error());
        };
    return HashKVResponse.newBuilder()
        .setHeader(header(h.currentRevision()))
        .setHash(h.hash())
        .setCompactRevision(h.compactRevision())
        .build();
  }

  /** Writes a consistent copy of the backend (etcd's Maintenance.Snapshot payload). */
  public void snapshot(OutputStream out) throws IOException {
    backend.writeSnapshot(out);
  }

  public CompletableFuture<MoveLeaderResponse> moveLeader(long target) {
    return guard(
        () -> {
          if (!isLeader) {
            throw EtcdError.NOT_LEADER.exception();
          }
          if (members.all().stream().noneMatch(m -> m.getID() == target && !m.getIsLearner())) {
            throw EtcdError.BAD_LEADER_TRANSFEREE.exception();
          }
          if (target == memberId) {
            // etcd waits while the leader is not the transferee: here it already is.
            return CompletableFuture.completedFuture(
                MoveLeaderResponse.newBuilder().setHeader(header(0)).build());
          }
          CompletableFuture<Long> moved = new CompletableFuture<>();
          synchronized (leaderWatchers) {
            leaderWatchers.add(moved);
          }
          raftLoop.submit(new RaftLoop.TransferLeader(target));
          return timeouts
              .within(moved)
              .handle(
                  (l, err) -> {
                    if (err != null || l != target) {
                      throw EtcdError.LEADER_TRANSFER_TIMEOUT.exception();
                    }
                    return MoveLeaderResponse.newBuilder().setHeader(header(0)).build();
                  });
        });
  }

  /**
   * Delivers an encoded raft message from a peer.
   *
   * @throws IllegalArgumentException if it is not a raft message for this member
   */
  public void receive(byte[] message) {
    Message m = MessageCodec.decode(message);
    if (m.to() != memberId) {
      throw new IllegalArgumentException(
          "message for member "
              + Long.toHexString(m.to())
              + " reached "
              + Long.toHexString(memberId));
    }
    if (m instanceof Message.InstallSnapshot) {
      throw new IllegalArgumentException("snapshots arrive with their data: receiveSnapshot");
    }
    raftLoop.submit(new RaftLoop.Receive(m));
  }

  /**
   * Whether an encoded raft message is a proposal forwarded to the leader. Raft delivers a proposal
   * it receives twice as two entries (it gives no exactly-once for proposals; etcd relies on its
   * transport never resending one): a transport may drop or duplicate other messages, but must not
   * duplicate these.
   */
  public static boolean isForwardedProposal(byte[] message) {
    return MessageCodec.isProposal(message);
  }

  /** Raft messages out of the raft loop: snapshots go with the backend, the rest as they are. */
  void send(List<Message> messages) {
    PeerTransport transport = env.transport();
    for (Message m : messages) {
      if (m instanceof Message.InstallSnapshot) {
        transport.sendSnapshot(m.to(), MessageCodec.encode(m), backend::writeSnapshot);
      } else {
        transport.send(m.to(), MessageCodec.encode(m));
      }
    }
  }

  /** The transport's report on a snapshot it was given. */
  public void reportSnapshot(long peer, boolean ok) {
    raftLoop.submit(new RaftLoop.SnapshotReport(peer, ok));
  }

  public void reportUnreachable(long peer) {
    raftLoop.submit(new RaftLoop.Unreachable(peer));
  }

  // ---------------------------------------------------------------- proposals

  private CompletableFuture<Object> onWriter(Supplier<Object> work) {
    CompletableFuture<Object> done = new CompletableFuture<>();
    applyLoop.submit(new ApplyLoop.Run(work, done));
    return done;
  }

  private synchronized long nextRequestId() {
    return requestIds.next();
  }

  private synchronized long nextLeaseId() {
    return requestIds.nextLeaseId();
  }

  /**
   * Null within the quota; past it, a future that fails with {@code database space exceeded} once
   * the NOSPACE alarm this raises is applied (etcd answers after the alarm, so {@code alarm list}
   * right after shows it).
   */
  private <T> @Nullable CompletableFuture<T> overQuota(long cost) {
    long quota = config.effectiveQuotaBackendBytes();
    if (backend.sizeBytes() + cost <= quota) {
      return null;
    }
    if (alarms.has(AlarmType.NOSPACE)) {
      return CompletableFuture.failedFuture(EtcdError.NO_SPACE.exception());
    }
    log("backend size " + backend.sizeBytes() + " passed the quota " + quota + ": raising NOSPACE");
    return propose(
            InternalRaftRequest.newBuilder()
                .setAlarm(
                    AlarmRequest.newBuilder()
                        .setAction(AlarmRequest.AlarmAction.ACTIVATE)
                        .setMemberID(memberId)
                        .setAlarm(AlarmType.NOSPACE)),
            AlarmResponse.class)
        .handle(
            (ok, err) -> {
              throw EtcdError.NO_SPACE.exception();
            });
  }

  private <T> CompletableFuture<T> propose(InternalRaftRequest.Builder request, Class<T> type) {
    checkServing();
    if (committed - appliedIndex.index() > MAX_GAP_BETWEEN_APPLY_AND_COMMIT) {
      throw EtcdError.TOO_MANY_REQUESTS.exception();
    }
    long id = nextRequestId();
    byte[] data = request.setHeader(RequestHeader.newBuilder().setID(id)).build().toByteArray();
    if (data.length > config.maxRequestBytes()) {
      throw EtcdError.REQUEST_TOO_LARGE.exception();
    }
    CompletableFuture<Object> f = wait.register(id);
    metrics.proposalsPending.incrementAndGet();
    raftLoop.submit(new RaftLoop.Propose(data));
    return timeouts
        .within(f)
        .handle(
            (result, err) -> {
              metrics.proposalsPending.decrementAndGet();
              if (err != null) {
                wait.forget(id);
                metrics.proposalsFailed.incrementAndGet();
                throw asEtcd(err);
              }
              return type.cast(result);
            });
  }

  private static RuntimeException asEtcd(Throwable err) {
    Throwable cause =
        err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
    if (cause instanceof EtcdException e) {
      return e;
    }
    if (cause instanceof TimeoutException) {
      return EtcdError.TIMEOUT.exception();
    }
    return cause instanceof RuntimeException re ? re : new CompletionException(cause);
  }

  /** A barrier for linearizable reads: completes once applied ≥ a fresh ReadIndex. */
  private CompletableFuture<Void> linearizable() {
    checkServing();
    return timeouts
        .within(reads.read().thenCompose(appliedIndex::await))
        .handle(
            (v, err) -> {
              if (err != null) {
                metrics.readIndexFailed.incrementAndGet();
                throw asEtcd(err);
              }
              return null;
            });
  }

  private static <T> CompletableFuture<T> guard(Supplier<CompletableFuture<T>> body) {
    try {
      return body.get();
    } catch (EtcdException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private void checkServing() {
    if (failure != null || stopped.getCount() == 0) {
      throw EtcdError.STOPPED.exception();
    }
  }

  // ---------------------------------------------------------------- callbacks from the loops

  void onTick(long nowNanos) {
    reads.retryIfStale(nowNanos, READ_INDEX_RETRY_NANOS);
  }

  void onSoftState(SoftState soft, boolean wasLeader) {
    long previous = leader;
    leader = soft.leader();
    boolean nowLeader = soft.role() == SoftState.Role.LEADER;
    isLeader = nowLeader;
    if (previous != soft.leader() && soft.leader() != 0) {
      metrics.leaderChanges.incrementAndGet();
      log("raft: leader is now " + Long.toHexString(soft.leader()) + " at term " + term);
    } else if (soft.leader() == 0 && previous != 0) {
      log("raft: lost the leader " + Long.toHexString(previous));
    }
    if (!nowLeader && wasLeader) {
      lessor.demote();
    }
    if (soft.leader() != 0) {
      List<CompletableFuture<Long>> done;
      synchronized (leaderWatchers) {
        done = new ArrayList<>(leaderWatchers);
        leaderWatchers.clear();
      }
      done.forEach(f -> f.complete(soft.leader()));
    }
  }

  void onHardState(HardState hs) {
    term = hs.term();
    committed = hs.commit();
  }

  void onCommitted(List<Entry> entries) {
    applyLoop.submit(new ApplyLoop.Apply(entries));
  }

  void onReadState(long context, long index) {
    reads.released(context, index);
  }

  void onApplied(long index) {
    appliedIndex.advance(index);
  }

  void onSnapshotReceived(Snapshot snapshot) {
    long index = snapshot.metadata().index();
    onWriter(
        () -> {
          applyLoop.snapshotInstalled(index);
          return Boolean.TRUE;
        });
    log("installed the leader's snapshot at index " + index);
  }

  WatchableStore watchable() {
    return watchable;
  }

  /**
   * A snapshot from the leader: the raft message and the backend it stands for. Replaces the
   * backend's content (on the apply loop) and then hands the message to raft; blocks the caller
   * until the backend is restored.
   *
   * @throws IllegalArgumentException if the message is not a snapshot for this member
   * @throws IOException if the backend data is damaged (nothing was replaced then only if the
   *     damage is found before the first entry; the member fails otherwise)
   */
  public void receiveSnapshot(byte[] message, java.io.InputStream data) throws IOException {
    try {
      receiveSnapshotAsync(message, data).get(10, TimeUnit.MINUTES);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof IllegalArgumentException bad) {
        throw bad;
      }
      throw new IOException("restoring the leader's snapshot failed", cause);
    } catch (InterruptedException | TimeoutException e) {
      throw new IOException("restoring the leader's snapshot did not finish", e);
    }
  }

  /**
   * As {@link #receiveSnapshot}, without blocking: completes once the backend is restored and the
   * snapshot message handed to raft (what a caller that also steps the member needs), or fails with
   * the {@link IOException} that stopped it.
   */
  public CompletableFuture<Void> receiveSnapshotAsync(byte[] message, java.io.InputStream data) {
    Message m = MessageCodec.decode(message);
    if (!(m instanceof Message.InstallSnapshot s) || m.to() != memberId) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException("not a snapshot for this member"));
    }
    long index = s.snapshot().metadata().index();
    log("receiving the leader's snapshot at index " + index);
    return onWriter(
            () -> {
              try {
                return applyLoop.restoreBackend(data, index);
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            })
        .handle(
            (replaced, err) -> {
              if (err != null) {
                Throwable cause =
                    err instanceof CompletionException && err.getCause() != null
                        ? err.getCause()
                        : err;
                if (cause instanceof java.io.UncheckedIOException io) {
                  IOException damaged =
                      java.util.Objects.requireNonNullElseGet(
                          io.getCause(),
                          () -> new IOException("restoring the leader's snapshot failed"));
                  fail("restoring the leader's snapshot", damaged);
                  throw new CompletionException(damaged);
                }
                throw new CompletionException(
                    new IOException("restoring the leader's snapshot failed", cause));
              }
              log(
                  Boolean.TRUE.equals(replaced)
                      ? "restored the backend from the leader's snapshot at index " + index
                      : "already past the leader's snapshot at index " + index);
              raftLoop.submit(new RaftLoop.Receive(m));
              return null;
            });
  }

  void requestSnapshot(long index) {
    raftLoop.submit(new RaftLoop.TakeSnapshot(index));
  }

  Wait waiters() {
    return wait;
  }

  void log(String message) {
    logger.accept(message);
  }

  void fail(String where, Throwable e) {
    String message = where + " failed: " + e;
    failure = message;
    logger.accept("FATAL: " + message + "; the member stops serving");
    java.io.StringWriter trace = new java.io.StringWriter();
    e.printStackTrace(new java.io.PrintWriter(trace));
    logger.accept(trace.toString());
    halt();
  }

  /** Stops serving: waiters fail with {@code server stopped}, the loops stop. */
  private void halt() {
    wait.failAll(EtcdError.STOPPED.exception());
    appliedIndex.failAll(EtcdError.STOPPED.exception());
    stopped.countDown();
    raftLoop.submit(new RaftLoop.Stop());
    applyLoop.submit(new ApplyLoop.Stop());
  }

  void raftLoopStopped() {
    loopsDone.countDown();
  }

  void applyLoopStopped() {
    loopsDone.countDown();
  }

  private void housekeeping() {
    try {
      while (!stopped.await(50, TimeUnit.MILLISECONDS)) {
        housekeepingStep(env.clock().nanoTime());
      }
    } catch (InterruptedException e) {
      log("housekeeping interrupted; stopping");
    } catch (RuntimeException e) {
      fail("housekeeping", e);
    }
  }

  // Housekeeping's schedule (its thread only, or the stepping caller).
  private long lastLeaseCheck = Long.MIN_VALUE / 2;
  private long lastProgress = Long.MIN_VALUE;
  private long lastCheckpoint = Long.MIN_VALUE;

  /** One housekeeping pass at {@code now}: watch catch-up, leases, compaction, attributes. */
  private void housekeepingStep(long now) {
    if (lastProgress == Long.MIN_VALUE) {
      lastProgress = now;
      lastCheckpoint = now;
    }
    long progressEvery =
        Math.max(100_000_000L, config.experimentalWatchProgressNotifyInterval().toNanos());
    timeouts.expire(now);
    watchable.syncUnsynced();
    watchable.retryVictims();
    if (now - lastLeaseCheck >= 500_000_000L) {
      lastLeaseCheck = now;
      revokeExpiredLeases(now);
    }
    if (config.experimentalEnableLeaseCheckpoint()
        && isLeader
        && now - lastCheckpoint >= config.leaseCheckpointInterval().toNanos()) {
      lastCheckpoint = now;
      checkpointLeases();
    }
    if (isLeader) {
      compactor.run(now);
    } else {
      compactor.pause();
    }
    publishAttributes(now);
    long removedSince = removedAt;
    if (removedSince != Long.MIN_VALUE
        && stopped.getCount() > 0
        && now - removedSince >= config.electionTimeoutMillis() * 1_000_000L) {
      log("stopping: this member was removed from the cluster");
      halt();
    }
    if (readyLatch.getCount() > 0 && ready()) {
      readyLatch.countDown();
    }
    if (now - lastProgress >= progressEvery) {
      lastProgress = now;
      for (WatchStream stream : watchStreams) {
        stream.notifyProgress();
      }
    }
  }

  /**
   * Runs the member's loops on the caller's thread instead of {@link #start()}'s: each {@link
   * Stepper#step()} is one non-blocking pass of the raft loop, the apply loop and housekeeping, on
   * {@link ServerEnvironment#clock()}'s time. What a deterministic simulation drives.
   */
  public Stepper startStepped() {
    started = true;
    Stepper s = new Stepper();
    stepper = s;
    return s;
  }

  private volatile @Nullable Stepper stepper;

  /** The loops of a member started with {@link #startStepped()}. */
  public final class Stepper {
    private boolean finished;

    private Stepper() {}

    /**
     * One pass of every loop.
     *
     * @return false once the member stopped (its WAL is closed then)
     */
    public boolean step() {
      if (finished) {
        return false;
      }
      try {
        boolean raft = raftLoop.step(0);
        boolean apply = applyLoop.step(0);
        if (raft && apply && failure == null && stopped.getCount() > 0) {
          housekeepingStep(env.clock().nanoTime());
          return true;
        }
      } catch (InterruptedException e) {
        log("stepping interrupted");
      } catch (RuntimeException | Error e) {
        fail("stepping", e);
      }
      finished = true;
      raftLoop.finish();
      applyLoopStopped();
      return false;
    }
  }

  /**
   * The leader records every lease's remaining TTL through raft (up to {@value
   * #CHECKPOINTS_PER_PROPOSAL} per proposal), so that the next leader does not give leases their
   * full TTL again.
   */
  void checkpointLeases() {
    io.etcdj.api.etcdserverpb.LeaseCheckpointRequest.Builder b =
        io.etcdj.api.etcdserverpb.LeaseCheckpointRequest.newBuilder();
    for (Map.Entry<Long, Long> e : lessor.checkpointAll(env.clock().nanoTime()).entrySet()) {
      b.addCheckpoints(
          io.etcdj.api.etcdserverpb.LeaseCheckpoint.newBuilder()
              .setID(e.getKey())
              .setRemainingTTL(e.getValue()));
      if (b.getCheckpointsCount() == CHECKPOINTS_PER_PROPOSAL) {
        proposeCheckpoints(b);
        b = io.etcdj.api.etcdserverpb.LeaseCheckpointRequest.newBuilder();
      }
    }
    if (b.getCheckpointsCount() > 0) {
      proposeCheckpoints(b);
    }
  }

  private CompletableFuture<io.etcdj.api.etcdserverpb.LeaseCheckpointResponse> proposeCheckpoints(
      io.etcdj.api.etcdserverpb.LeaseCheckpointRequest.Builder b) {
    return guard(
        () ->
            propose(
                InternalRaftRequest.newBuilder().setLeaseCheckpoint(b),
                io.etcdj.api.etcdserverpb.LeaseCheckpointResponse.class));
  }

  private void revokeExpiredLeases(long now) {
    if (!isLeader) {
      revoking.clear();
      return;
    }
    for (long id : lessor.expired(now, REVOKES_PER_PASS)) {
      Long at = revoking.get(id);
      if (at != null && now - at < config.requestTimeout().toNanos()) {
        continue;
      }
      revoking.put(id, now);
      metrics.leasesExpired.incrementAndGet();
      guard(
              () ->
                  propose(
                      InternalRaftRequest.newBuilder()
                          .setLeaseRevoke(LeaseRevokeRequest.newBuilder().setID(id)),
                      LeaseRevokeResponse.class))
          .whenComplete((ok, err) -> {});
    }
    revoking.keySet().removeIf(id -> !lessor.exists(id));
  }

  private void publishAttributes(long now) {
    if (leader == 0
        || !members.contains(memberId)
        || members.isPublished(memberId) && hasClientUrls()) {
      return;
    }
    if (publishing && now - publishedAt < config.requestTimeout().toNanos()) {
      return;
    }
    publishing = true;
    publishedAt = now;
    MemberAttrSetRequest attrs =
        MemberAttrSetRequest.newBuilder()
            .setMemberID(memberId)
            .setName(config.name())
            .addAllClientUrls(
                config.advertiseClientUrls().stream().map(java.net.URI::toString).toList())
            .build();
    guard(
            () ->
                propose(
                    InternalRaftRequest.newBuilder().setClusterMemberAttrSet(attrs),
                    ResponseHeader.class))
        .whenComplete(
            (ok, err) -> {
              publishing = false;
              if (err == null) {
                log("published local member to cluster through raft: name " + config.name());
              }
            });
  }

  private boolean hasClientUrls() {
    return members.all().stream()
        .anyMatch(
            m ->
                m.getID() == memberId && m.getClientUrlsCount() > 0
                    || config.advertiseClientUrls().isEmpty());
  }

  private final CountDownLatch readyLatch = new CountDownLatch(1);

  /**
   * Waits until {@link #ready()} first holds (housekeeping notices it within one pass).
   *
   * @return whether it did within {@code timeout}
   */
  public boolean awaitReady(java.time.Duration timeout) throws InterruptedException {
    return readyLatch.await(timeout.toNanos(), TimeUnit.NANOSECONDS) && ready();
  }

  /** Whether the member serves (started, not failed, a leader is known). */
  public boolean ready() {
    return started && failure == null && leader != 0 && members.isPublished(memberId);
  }

  /** Stops the loops and waits for them, then closes the backend. */
  @Override
  public void close() {
    stopLoops();
    backend.close();
  }

  /** Stops the loops and waits for them; leaves the backend as it is (a crash, for tests). */
  void stopLoops() {
    if (stopped.getCount() > 0) {
      stopped.countDown();
      raftLoop.submit(new RaftLoop.Stop());
      applyLoop.submit(new ApplyLoop.Stop());
    }
    Stepper s = stepper;
    if (s != null) {
      for (int i = 0; i < 1000 && s.step(); i++) {
        // the stepping caller's loops see their Stop here
      }
    }
    try {
      if (started && !loopsDone.await(10, TimeUnit.SECONDS)) {
        log("the loops did not stop within 10 s");
      }
    } catch (InterruptedException e) {
      log("interrupted while stopping");
    }
    wait.failAll(EtcdError.STOPPED.exception());
  }
}
