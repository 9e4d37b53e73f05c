package io.etcdj.simulation.cluster;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.Compare;
import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.HashKVRequest;
import io.etcdj.api.etcdserverpb.LeaseGrantRequest;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.RequestOp;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.api.etcdserverpb.WatchCreateRequest;
import io.etcdj.api.etcdserverpb.WatchResponse;
import io.etcdj.api.mvccpb.Event;
import io.etcdj.backend.BatchPolicy;
import io.etcdj.backend.BatchedBackend;
import io.etcdj.backend.InMemoryStore;
import io.etcdj.server.EtcdServer;
import io.etcdj.server.ServerConfig;
import io.etcdj.server.ServerEnvironment;
import io.etcdj.server.WatchStream;
import io.etcdj.simulation.linearizability.KvModel;
import io.etcdj.simulation.linearizability.KvOperation;
import io.etcdj.simulation.linearizability.LinearizabilityChecker;
import io.etcdj.wal.SimulatedDisk;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * Whole members — raft, the WAL on a {@link SimulatedDisk}, MVCC on the in-memory backend, the
 * lessor and the apply loop — run on one thread from a seed: a virtual clock, the {@link
 * SimNetwork}, seeded faults (message loss, duplication and delay; symmetric, asymmetric and
 * leader-isolating partitions; crashes that lose unsynced disk writes and the backend's uncommitted
 * batch; fsync failures, after which the member must stop) and clients issuing puts, deletes,
 * compare-and-swap txns and linearizable reads. {@link #run} then heals everything and checks that
 * the history is linearizable (acknowledged writes included, read back at the end) and that every
 * member holds the same keyspace (HashKV at the same revision).
 */
public final class ClusterSimulation {
  private static final long MILLI = 1_000_000L;
  private static final long SECOND = 1_000 * MILLI;
  private static final List<String> KEYS = List.of("a", "b", "c");

  /** What a run is made of; all of it derives from the seed but the sizes. */
  /**
   * @param watchResumeSkew revisions a moved watcher skips (0; 1 breaks resumption on purpose, to
   *     prove the watch check catches a lost event)
   * @param serializableReads read with {@code serializable} (from the member's own state, which may
   *     be stale): not linearizable, to prove the checker notices
   */
  public record Options(
      long seed,
      int members,
      long virtualMillis,
      int clients,
      int watchResumeSkew,
      boolean serializableReads) {
    public static Options of(long seed, int members) {
      return new Options(seed, members, 20_000, 4, 0, false);
    }
  }

  /** What a run found. {@code failure} is null when every check passed. */
  public record Report(
      Options options,
      int operations,
      int unknown,
      int partitions,
      int crashes,
      int diskFailures,
      int pauses,
      int leases,
      int renewals,
      long messages,
      long dropped,
      long duplicated,
      int watchEvents,
      int watchStreams,
      @Nullable String failure) {

    public String summary() {
      return String.format(
          "seed %d, %d member(s): %d ops (%d unknown), %d partitions, %d crashes, %d disk"
              + " failures, %d pauses, %d leases expired, %d keep-alives, %d messages (%d dropped, %d"
              + " duplicated), %d watch events on %d stream(s)%s",
          options.seed(),
          options.members(),
          operations,
          unknown,
          partitions,
          crashes,
          diskFailures,
          pauses,
          leases,
          renewals,
          messages,
          dropped,
          duplicated,
          watchEvents,
          watchStreams,
          failure == null ? "" : ": FAILED: " + failure);
    }

    /** The command that replays this run. */
    public String replay() {
      return "./mvnw -B -o verify -pl etcdj-simulation -am -Dtest=ClusterSimulationTest"
          + " -Dsurefire.failIfNoSpecifiedTests=false -Dsim.seed="
          + options.seed()
          + " -Dsim.members="
          + options.members();
    }
  }

  private final Options options;
  private final SplittableRandom random;
  private final SimNetwork network;
  private final List<Member> members = new ArrayList<>();
  private final List<KvOperation> history = new ArrayList<>();
  private final List<Client> clients = new ArrayList<>();
  private final List<String> log = new ArrayList<>();
  private final Watcher watcher = new Watcher();
  private final LeaseClient leaseClient = new LeaseClient();
  private long now = 1_000 * SECOND;
  private int partitions;
  private int crashes;
  private int diskFailures;
  private int pauses;
  private long healAt = Long.MAX_VALUE;
  private @Nullable Duration leaseCheckpointInterval = LEASE_CHECKPOINT_INTERVAL;

  /** The members checkpoint leases this often (etcd's 5 minutes would never happen in a run). */
  public static final Duration LEASE_CHECKPOINT_INTERVAL = Duration.ofSeconds(1);

  /** The members' election timeout. */
  public static final Duration ELECTION_TIMEOUT = Duration.ofMillis(100);

  private ClusterSimulation(Options options) {
    this.options = options;
    this.random = new SplittableRandom(options.seed());
    this.network = new SimNetwork(random.split(), options.members());
  }

  /** Runs one seeded simulation and its checks. */
  public static Report run(Options options) {
    return new ClusterSimulation(options).execute();
  }

  /** How long a lease lived in {@link #leaseUnderLeaderMoves}, and what happened meanwhile. */
  public record LeaseLife(long ttlSeconds, long livedMillis, List<Long> moveMillis) {}

  /**
   * A scenario, not a random run: three members, no faults; a lease of {@code ttlSeconds} granted
   * and never renewed, the leadership moved to another member at each of {@code moveMillis} after
   * the grant; returns how long the lease lived (grant asked → revocation applied on the leader).
   * With {@code checkpoints} off the members behave as etcd 3.4 by default: each new leader gives
   * the lease its full TTL again.
   */
  public static LeaseLife leaseUnderLeaderMoves(
      long seed, boolean checkpoints, long ttlSeconds, List<Long> moveMillis) {
    return leaseUnderLeaderMoves(seed, checkpoints, ttlSeconds, -1, moveMillis);
  }

  /**
   * As {@link #leaseUnderLeaderMoves(long, boolean, long, List)}, with one keep-alive through the
   * leader at {@code renewMillis} after the grant (none if negative); the life is then counted from
   * the keep-alive's call.
   */
  public static LeaseLife leaseUnderLeaderMoves(
      long seed, boolean checkpoints, long ttlSeconds, long renewMillis, List<Long> moveMillis) {
    ClusterSimulation sim = new ClusterSimulation(new Options(seed, 3, 0, 0, 0, false));
    if (!checkpoints) {
      sim.leaseCheckpointInterval = null;
    }
    return sim.leaseLife(ttlSeconds, renewMillis, moveMillis);
  }

  private LeaseLife leaseLife(long ttlSeconds, long renewMillis, List<Long> moveMillis) {
    for (int i = 0; i < options.members(); i++) {
      members.add(new Member(i));
    }
    for (Member m : members) {
      m.open(config(m));
    }
    EtcdServer leader = awaitLeader();
    long granted = now;
    CompletableFuture<io.etcdj.api.etcdserverpb.LeaseGrantResponse> grant =
        leader.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttlSeconds).build());
    while (!grant.isDone()) {
      tick();
    }
    long id = grant.join().getID();
    long from = granted;
    List<Long> moves = new ArrayList<>(moveMillis);
    long limit = granted + (ttlSeconds + 120) * SECOND;
    while (now < limit) {
      tick();
      EtcdServer current = awaitLeader();
      if (current.leaseLeases().getLeasesList().stream().noneMatch(l -> l.getID() == id)) {
        return new LeaseLife(ttlSeconds, (now - from) / MILLI, moveMillis);
      }
      if (renewMillis >= 0 && from == granted && now - granted >= renewMillis * MILLI) {
        from = now;
        CompletableFuture<?> renewed = current.leaseKeepAlive(id);
        while (!renewed.isDone()) {
          tick();
        }
        if (renewed.isCompletedExceptionally()) {
          throw new IllegalStateException("the keep-alive failed: " + tail());
        }
      }
      if (!moves.isEmpty() && now - granted >= moves.get(0) * MILLI) {
        moves.remove(0);
        long target = idOf((slotOf(current) + 1) % members.size());
        CompletableFuture<?> moved = current.moveLeader(target);
        while (!moved.isDone()) {
          tick();
        }
        if (moved.isCompletedExceptionally()) {
          throw new IllegalStateException("the leader did not move: " + tail());
        }
        log.add(now + " leadership moved to " + Long.toHexString(target));
      }
    }
    throw new IllegalStateException(
        "the lease outlived " + (ttlSeconds + 120) + " s; its TTL was " + ttlSeconds + " s");
  }

  private EtcdServer awaitLeader() {
    for (int i = 0; i < 10_000; i++) {
      int slot = leaderSlot();
      if (slot >= 0) {
        EtcdServer s = members.get(slot).server;
        if (s != null) {
          return s;
        }
      }
      tick();
    }
    throw new IllegalStateException("no leader within 10 virtual seconds: " + tail());
  }

  // ---------------------------------------------------------------- members

  private final class Member {
    final int slot;
    final String name;
    final SimulatedDisk disk;
    final InMemoryStore store = new InMemoryStore();
    @Nullable EtcdServer server;
    EtcdServer.@Nullable Stepper stepper;
    long restartAt = Long.MAX_VALUE;
    long pausedUntil = Long.MIN_VALUE;

    Member(int slot) {
      this.slot = slot;
      this.name = "n" + slot;
      this.disk = new SimulatedDisk(random.split());
    }

    URI peerUrl() {
      return URI.create("http://10.0.0." + (slot + 1) + ":2380");
    }

    void open(ServerConfig config) {
      ServerEnvironment env =
          new ServerEnvironment(
              () -> now,
              // Wall time at start, as a real member reads it: request IDs embed it, so a restart
              // must not reuse the IDs of entries it may replay.
              1_700_000_000_000L + now / MILLI,
              task -> {
                throw new IllegalStateException("a simulated member starts no thread");
              },
              Runnable::run,
              random.split(),
              disk,
              new BatchedBackend(store, BatchPolicy.DEFAULT),
              network.transport(slot, ClusterSimulation.this::live),
              "3.4.23");
      try {
        EtcdServer s = EtcdServer.open(config, env, line -> log.add(now + " " + name + " " + line));
        network.register(s.memberId(), slot);
        server = s;
        stepper = s.startStepped();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    /** The process dies: what was not synced is lost, sockets close. */
    void crash(long restartDelay) {
      server = null;
      stepper = null;
      disk.crash();
      disk.failSyncs(0); // the faulty disk is replaced, or came back
      disk.failWrites(0);
      network.forget(slot);
      restartAt = now + restartDelay;
    }
  }

  private @Nullable EtcdServer live(int slot) {
    Member m = members.get(slot);
    EtcdServer s = m.server;
    return s != null && s.failure() == null ? s : null;
  }

  private ServerConfig config(Member m) {
    StringBuilder cluster = new StringBuilder();
    for (Member other : members) {
      if (!cluster.isEmpty()) {
        cluster.append(',');
      }
      cluster.append(other.name).append('=').append(other.peerUrl());
    }
    return ServerConfig.builder(
            m.name,
            Path.of("/sim/" + m.name),
            URI.create("http://10.0.0." + (m.slot + 1) + ":2379"),
            m.peerUrl())
        .timing(10, ELECTION_TIMEOUT.toMillis())
        .preVote((options.seed() & 1) == 0)
        .snapshotCount(200 + (options.seed() % 3) * 300)
        .initialCluster(cluster.toString())
        .walSegmentBytes(256 * 1024)
        .leaseCheckpoint(
            leaseCheckpointInterval != null
                ? leaseCheckpointInterval
                : ServerConfig.DEFAULT_LEASE_CHECKPOINT_INTERVAL)
        .leaseCheckpoint(leaseCheckpointInterval != null)
        .build();
  }

  // ---------------------------------------------------------------- clients

  private final class Client {
    final int id;
    @Nullable CompletableFuture<KvOperation.Response> pending;
    KvOperation.@Nullable Request request;
    long callTime;
    long lastModRevision;

    Client(int id) {
      this.id = id;
    }

    void maybeStart() {
      if (pending != null || random.nextInt(20) != 0) {
        return;
      }
      List<EtcdServer> up = liveServers();
      if (up.isEmpty()) {
        return;
      }
      EtcdServer s = up.get(random.nextInt(up.size()));
      String key = KEYS.get(random.nextInt(KEYS.size()));
      int kind = random.nextInt(10);
      callTime = now;
      if (kind < 4) {
        String value = "v" + id + "-" + history.size() + "-" + random.nextInt(1000);
        request = new KvOperation.Put(key, value);
        pending =
            s.put(PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes(value)).build())
                .thenApply(r -> new KvOperation.PutResponse(r.getHeader().getRevision()));
      } else if (kind < 7) {
        request = new KvOperation.Get(key);
        pending =
            s.range(
                    RangeRequest.newBuilder()
                        .setKey(bytes(key))
                        .setSerializable(options.serializableReads())
                        .build())
                .thenApply(r -> getResponse(r));
      } else if (kind < 8) {
        request = new KvOperation.Delete(key);
        pending =
            s.deleteRange(DeleteRangeRequest.newBuilder().setKey(bytes(key)).build())
                .thenApply(
                    r ->
                        new KvOperation.DeleteResponse(
                            r.getHeader().getRevision(), r.getDeleted()));
      } else {
        long expected = random.nextBoolean() ? lastModRevision : 0;
        String value = "cas" + id + "-" + history.size();
        request = new KvOperation.CompareAndSet(key, expected, value);
        TxnRequest txn =
            TxnRequest.newBuilder()
                .addCompare(
                    Compare.newBuilder()
                        .setKey(bytes(key))
                        .setTarget(Compare.CompareTarget.MOD)
                        .setResult(Compare.CompareResult.EQUAL)
                        .setModRevision(expected))
                .addSuccess(
                    RequestOp.newBuilder()
                        .setRequestPut(
                            PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes(value))))
                .build();
        pending =
            s.txn(txn)
                .thenApply(
                    r ->
                        new KvOperation.CompareAndSetResponse(
                            r.getHeader().getRevision(), r.getSucceeded()));
      }
    }

    private KvOperation.Response getResponse(RangeResponse r) {
      long rev = r.getHeader().getRevision();
      if (r.getKvsCount() == 0) {
        return new KvOperation.GetResponse(rev, null, 0);
      }
      lastModRevision = r.getKvs(0).getModRevision();
      return new KvOperation.GetResponse(
          rev, r.getKvs(0).getValue().toStringUtf8(), r.getKvs(0).getModRevision());
    }

    /** Records the outcome once there is one, or gives up after the client's timeout. */
    void poll(boolean force) {
      CompletableFuture<KvOperation.Response> f = pending;
      KvOperation.Request req = request;
      if (f == null || req == null) {
        return;
      }
      KvOperation.Response r;
      if (f.isDone()) {
        r = f.isCompletedExceptionally() ? null : f.getNow(null);
      } else if (force || now - callTime > 10 * SECOND) {
        r = null;
      } else {
        return;
      }
      // A read whose outcome is unknown changed nothing: the checker need not place it.
      if (r != null || !(req instanceof KvOperation.Get)) {
        history.add(new KvOperation(id, req, callTime, now, r));
      }
      pending = null;
      request = null;
    }
  }

  private static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }

  // ---------------------------------------------------------------- the lease check

  /**
   * Grants a short lease now and then (1–3 s) and puts a key with it; keeps some leases alive for a
   * while (a few keep-alives through random members), then abandons them. Checks, as the client
   * sees it: the key disappears, by the leader's revocation, no sooner than the TTL after the grant
   * or the last acknowledged keep-alive was asked for (the watcher sees the delete); a keep-alive
   * never answers TTL 0 (lease gone) sooner than that; and every abandoned lease does expire before
   * the run ends: leader changes, restarts and checkpoints may postpone expiry but never keep a
   * lease forever. The put and its expiry go into the history (the expiry as a delete of unknown
   * time).
   */
  private final class LeaseClient {
    private static final class Granted {
      final String key;
      final long id;
      final long ttlSeconds;
      // The TTL counts from here at the earliest: the grant's or the last acknowledged renewal's
      // call.
      long from;
      int renewalsLeft;
      long nextRenewal;

      Granted(String key, long id, long ttlSeconds, long from, int renewals) {
        this.key = key;
        this.id = id;
        this.ttlSeconds = ttlSeconds;
        this.from = from;
        this.renewalsLeft = renewals;
      }
    }

    private final java.util.Map<String, Granted> granted = new java.util.HashMap<>();
    private final java.util.Set<String> deletedKeys = new java.util.HashSet<>();
    private final java.util.Map<String, Granted> live = new java.util.TreeMap<>();
    final List<String> violations = new ArrayList<>();
    @Nullable CompletableFuture<?> pending;
    @Nullable CompletableFuture<?> renewing;
    int expired;
    int renewals;
    private int next;

    void maybeStart() {
      maybeRenew();
      if (pending != null || random.nextInt(2500) != 0) {
        return;
      }
      List<EtcdServer> up = liveServers();
      if (up.isEmpty()) {
        return;
      }
      EtcdServer s = up.get(random.nextInt(up.size()));
      long ttl = 1 + random.nextInt(3);
      int renewalsWanted = random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(4);
      String key = "lease/" + next++;
      long grantCall = now;
      CompletableFuture<?> f =
          s.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttl).build())
              .thenCompose(
                  g -> {
                    long putCall = now;
                    String value = "leased-" + g.getID();
                    KvOperation.Request put = new KvOperation.Put(key, value);
                    Granted lease = new Granted(key, g.getID(), ttl, grantCall, renewalsWanted);
                    lease.nextRenewal = now + renewalDelay(ttl);
                    granted.put(key, lease);
                    return s.put(
                            PutRequest.newBuilder()
                                .setKey(bytes(key))
                                .setValue(bytes(value))
                                .setLease(g.getID())
                                .build())
                        .handle(
                            (r, err) -> {
                              // The expiry may be seen before a slow member answers the put.
                              if (err == null && !deletedKeys.contains(key)) {
                                live.put(key, lease);
                                log.add(
                                    now
                                        + " "
                                        + key
                                        + " put with lease "
                                        + Long.toHexString(g.getID())
                                        + " ttl "
                                        + ttl);
                              }
                              history.add(
                                  new KvOperation(
                                      -2,
                                      put,
                                      putCall,
                                      now,
                                      err == null
                                          ? new KvOperation.PutResponse(r.getHeader().getRevision())
                                          : null));
                              // The revocation, whenever it comes (if the put was applied).
                              history.add(
                                  new KvOperation(
                                      -2, new KvOperation.Delete(key), putCall, now, null));
                              return null;
                            });
                  });
      pending = f;
    }

    private long renewalDelay(long ttlSeconds) {
      return (100 + random.nextLong(ttlSeconds * 600)) * MILLI;
    }

    /** One keep-alive at a time, for a lease still being kept alive, through a random member. */
    private void maybeRenew() {
      if (renewing != null) {
        return;
      }
      Granted lease = null;
      for (Granted g : live.values()) {
        if (g.renewalsLeft > 0 && g.nextRenewal <= now) {
          lease = g;
          break;
        }
      }
      List<EtcdServer> up = liveServers();
      if (lease == null || up.isEmpty()) {
        return;
      }
      Granted g = lease;
      g.renewalsLeft--;
      g.nextRenewal = now + renewalDelay(g.ttlSeconds);
      long call = now;
      renewing =
          up.get(random.nextInt(up.size()))
              .leaseKeepAlive(g.id)
              .whenComplete(
                  (r, err) -> {
                    if (err != null) {
                      return; // it may or may not have renewed: the lower bound stays
                    }
                    renewals++;
                    if (r.getTTL() > 0) {
                      g.from = Math.max(g.from, call);
                    } else if (now < g.from + g.ttlSeconds * SECOND) {
                      violations.add(
                          g.key
                              + ": a keep-alive answered TTL 0 "
                              + (now - g.from) / MILLI
                              + " ms into its TTL of "
                              + g.ttlSeconds
                              + " s");
                    } else {
                      g.renewalsLeft = 0;
                    }
                  });
    }

    void poll() {
      CompletableFuture<?> f = pending;
      if (f != null && f.isDone()) {
        pending = null;
      }
      CompletableFuture<?> r = renewing;
      if (r != null && r.isDone()) {
        renewing = null;
      }
    }

    /** The watcher saw {@code key} deleted at {@code now}. */
    void deleted(String key) {
      live.remove(key);
      Granted g = granted.get(key);
      if (g == null || !deletedKeys.add(key)) {
        return;
      }
      expired++;
      if (now - g.from < g.ttlSeconds * SECOND) {
        violations.add(
            key
                + " expired "
                + (now - g.from) / MILLI
                + " ms after its grant or last renewal, before its TTL of "
                + g.ttlSeconds
                + " s");
      }
    }

    boolean allExpired() {
      return live.isEmpty();
    }
  }

  // ---------------------------------------------------------------- the watch check

  /**
   * One watcher over the whole keyspace with prev_kv, from revision 2, moved to another member
   * (resuming after the last revision it saw) whenever its member goes away. Every write in the
   * workload changes one key, so every revision must arrive exactly once, in order, and each
   * event's prev_kv must be the value the previous event left.
   */
  private final class Watcher {
    @Nullable EtcdServer server;
    @Nullable WatchStream stream;
    long lastRevision = 1;
    int events;
    int reopened;
    final java.util.Map<String, String> values = new java.util.TreeMap<>();
    final List<String> violations = new ArrayList<>();

    void ensureOpen() {
      EtcdServer s = server;
      if (s != null && stream != null && live(slotOf(s)) == s) {
        return;
      }
      server = null;
      stream = null;
      List<EtcdServer> up = liveServers();
      if (up.isEmpty()) {
        return;
      }
      EtcdServer target = up.get(random.nextInt(up.size()));
      WatchStream ws = target.openWatchStream(this::offer);
      ws.create(
          WatchCreateRequest.newBuilder()
              .setKey(bytes("\0"))
              .setRangeEnd(bytes("\0"))
              .setStartRevision(lastRevision + 1 + (reopened > 0 ? options.watchResumeSkew() : 0))
              .setPrevKv(true)
              .build());
      server = target;
      stream = ws;
      reopened++;
    }

    private boolean offer(WatchResponse r) {
      if (r.getCanceled()) {
        stream = null;
        return true;
      }
      for (Event e : r.getEventsList()) {
        events++;
        long rev = e.getKv().getModRevision();
        String key = e.getKv().getKey().toStringUtf8();
        if (rev != lastRevision + 1) {
          violations.add("event at revision " + rev + " after " + lastRevision + ": " + e);
        }
        lastRevision = Math.max(lastRevision, rev);
        String before = values.get(key);
        String prev = e.hasPrevKv() ? e.getPrevKv().getValue().toStringUtf8() : null;
        if (!java.util.Objects.equals(before, prev)) {
          violations.add(
              "revision " + rev + " " + key + ": prev_kv " + prev + " but the value was " + before);
        }
        if (e.getType() == Event.EventType.PUT) {
          values.put(key, e.getKv().getValue().toStringUtf8());
        } else {
          values.remove(key);
          leaseClient.deleted(key);
        }
      }
      return true;
    }
  }

  private List<EtcdServer> liveServers() {
    List<EtcdServer> up = new ArrayList<>();
    for (int i = 0; i < members.size(); i++) {
      EtcdServer s = live(i);
      if (s != null) {
        up.add(s);
      }
    }
    return up;
  }

  private int slotOf(EtcdServer s) {
    for (Member m : members) {
      if (m.server == s) {
        return m.slot;
      }
    }
    return 0;
  }

  // ---------------------------------------------------------------- the run

  private Report execute() {
    for (int i = 0; i < options.members(); i++) {
      members.add(new Member(i));
    }
    network.dropRate = random.nextInt(4) * 0.01;
    network.duplicateRate = random.nextInt(3) * 0.01;
    network.maxDelayNanos = (1 + random.nextInt(10)) * MILLI;
    for (Member m : members) {
      m.open(config(m));
    }
    for (int i = 0; i < options.clients(); i++) {
      clients.add(new Client(i));
    }
    String failure = null;
    try {
      long end = now + options.virtualMillis() * MILLI;
      while (now < end) {
        tick();
        injectFaults();
        watcher.ensureOpen();
        for (Client c : clients) {
          c.poll(false);
          c.maybeStart();
        }
        leaseClient.poll();
        leaseClient.maybeStart();
      }
      failure = settleAndCheck();
    } catch (RuntimeException e) {
      failure = "the simulation threw " + e + "\n" + tail();
    }
    int unknown = (int) history.stream().filter(o -> o.response() == null).count();
    return new Report(
        options,
        history.size(),
        unknown,
        partitions,
        crashes,
        diskFailures,
        pauses,
        leaseClient.expired,
        leaseClient.renewals,
        network.messages,
        network.dropped,
        network.duplicated,
        watcher.events,
        watcher.reopened,
        failure);
  }

  /** One virtual millisecond: deliveries, then one pass of every live member. */
  private void tick() {
    now += MILLI;
    network.setTime(now);
    network.deliver(this::deliver);
    for (Member m : members) {
      if (m.server == null && now >= m.restartAt) {
        m.restartAt = Long.MAX_VALUE;
        m.open(config(m));
        log.add(now + " " + m.name + " restarted");
      }
      EtcdServer.Stepper stepper = m.stepper;
      EtcdServer s = m.server;
      if (stepper == null || s == null || now < m.pausedUntil) {
        continue; // down, or paused: its clock jumps ahead when it runs again
      }
      stepper.step();
      if (s.failure() != null) {
        // It stopped rather than go on wrong (e.g. an fsync failed): a supervisor restarts it.
        log.add(now + " " + m.name + " stopped: " + s.failure());
        m.crash((200 + random.nextInt(800)) * MILLI);
      }
    }
  }

  private void deliver(SimNetwork.Packet p) {
    EtcdServer to = live(p.to());
    if (to == null) {
      return;
    }
    byte[] snapshot = p.snapshot();
    if (snapshot == null) {
      try {
        to.receive(p.message());
      } catch (IllegalArgumentException e) {
        log.add(now + " dropped a message for a restarted member: " + e.getMessage());
      }
      return;
    }
    long fromId = idOf(p.from());
    long toId = to.memberId();
    to.receiveSnapshotAsync(p.message(), new ByteArrayInputStream(snapshot))
        .whenComplete(
            (ok, err) -> {
              EtcdServer from = live(p.from());
              if (from != null && from.memberId() == fromId) {
                from.reportSnapshot(toId, err == null);
              }
            });
  }

  private long idOf(int slot) {
    EtcdServer s = members.get(slot).server;
    return s == null ? 0 : s.memberId();
  }

  private void injectFaults() {
    if (now >= healAt) {
      network.healAll();
      healAt = Long.MAX_VALUE;
    }
    if (options.members() > 1 && healAt == Long.MAX_VALUE && random.nextInt(3000) == 0) {
      partitions++;
      int kind = random.nextInt(3);
      int victim = kind == 2 ? leaderSlot() : random.nextInt(options.members());
      if (victim < 0) {
        victim = random.nextInt(options.members());
      }
      if (kind == 1) {
        int other = (victim + 1 + random.nextInt(options.members() - 1)) % options.members();
        network.setCut(victim, other, true); // asymmetric: victim cannot reach other
      } else {
        network.isolate(victim);
      }
      healAt = now + (300 + random.nextInt(2700)) * MILLI;
      log.add(now + " partition kind " + kind + " around n" + victim);
    }
    if (random.nextInt(4000) == 0) {
      Member m = members.get(random.nextInt(members.size()));
      if (m.server != null && downCount() < (options.members() - 1) / 2 + 1) {
        crashes++;
        log.add(now + " crash " + m.name);
        m.crash((100 + random.nextInt(1900)) * MILLI);
      }
    }
    if (random.nextInt(8000) == 0) {
      Member m = members.get(random.nextInt(members.size()));
      if (m.server != null) {
        diskFailures++;
        boolean writes = random.nextBoolean();
        log.add(now + (writes ? " write" : " fsync") + " failures on " + m.name);
        if (writes) {
          m.disk.failWrites(1.0);
        } else {
          m.disk.failSyncs(1.0);
        }
      }
    }
    if (random.nextInt(5000) == 0) {
      Member m = members.get(random.nextInt(members.size()));
      if (m.server != null && now >= m.pausedUntil) {
        pauses++;
        m.pausedUntil = now + (200 + random.nextInt(2800)) * MILLI;
        log.add(now + " pause " + m.name + " until " + m.pausedUntil);
      }
    }
  }

  private int downCount() {
    int down = 0;
    for (Member m : members) {
      down += m.server == null ? 1 : 0;
    }
    return down;
  }

  private int leaderSlot() {
    for (Member m : members) {
      EtcdServer s = m.server;
      if (s != null && s.isLeader()) {
        return m.slot;
      }
    }
    return -1;
  }

  // ---------------------------------------------------------------- checks

  private @Nullable String settleAndCheck() {
    network.healAll();
    network.dropRate = 0;
    network.duplicateRate = 0;
    for (Member m : members) {
      m.disk.failSyncs(0);
      m.disk.failWrites(0);
      m.pausedUntil = Long.MIN_VALUE;
      if (m.server == null) {
        m.restartAt = now;
      }
    }
    long deadline = now + 30 * SECOND;
    while (now < deadline
        && (!converged()
            || anyPending()
            || watcherBehind()
            || leaseClient.pending != null
            || leaseClient.renewing != null
            || !leaseClient.allExpired())) {
      tick();
      watcher.ensureOpen();
      leaseClient.poll();
      for (Client c : clients) {
        c.poll(false);
      }
    }
    for (Client c : clients) {
      c.poll(true);
    }
    if (!converged()) {
      return "the members did not converge within 30 virtual seconds after healing: "
          + describe()
          + "\n"
          + tail();
    }
    // Every acknowledged write must still be there: read every key back through the log.
    EtcdServer reader = members.get(0).server;
    if (reader == null) {
      return "member 0 is down after healing";
    }
    for (String key : KEYS) {
      long call = now;
      CompletableFuture<RangeResponse> f =
          reader.range(RangeRequest.newBuilder().setKey(bytes(key)).build());
      for (int i = 0; i < 10_000 && !f.isDone(); i++) {
        tick();
      }
      if (!f.isDone() || f.isCompletedExceptionally()) {
        return "the final read of " + key + " did not complete: " + describe();
      }
      RangeResponse r = f.join();
      KvOperation.Response resp =
          r.getKvsCount() == 0
              ? new KvOperation.GetResponse(r.getHeader().getRevision(), null, 0)
              : new KvOperation.GetResponse(
                  r.getHeader().getRevision(),
                  r.getKvs(0).getValue().toStringUtf8(),
                  r.getKvs(0).getModRevision());
      history.add(new KvOperation(-1, new KvOperation.Get(key), call, now, resp));
    }
    LinearizabilityChecker.Result result =
        LinearizabilityChecker.check(KvModel.INITIAL, history, 50_000_000);
    if (result instanceof LinearizabilityChecker.Result.NotLinearizable bad) {
      return bad.explain() + tail();
    }
    if (result instanceof LinearizabilityChecker.Result.GaveUp) {
      return "the linearizability check gave up (" + history.size() + " operations)";
    }
    Long hash = null;
    for (Member m : members) {
      EtcdServer s = m.server;
      if (s == null) {
        return m.name + " is down after healing";
      }
      long h = s.hashKv(HashKVRequest.getDefaultInstance()).getHash() & 0xffffffffL;
      if (hash != null && hash != h) {
        return "members differ after converging: " + describe();
      }
      hash = h;
    }
    if (!watcher.violations.isEmpty()) {
      return "the watch saw: "
          + String.join(
              "; ", watcher.violations.subList(0, Math.min(5, watcher.violations.size())));
    }
    EtcdServer any = members.get(0).server;
    if (any != null && watcher.lastRevision != any.currentRevision()) {
      return "the watch stopped at revision "
          + watcher.lastRevision
          + " of "
          + any.currentRevision();
    }
    if (!leaseClient.violations.isEmpty()) {
      return "leases: " + String.join("; ", leaseClient.violations);
    }
    if (!leaseClient.allExpired()) {
      StringBuilder where = new StringBuilder();
      for (Member m : members) {
        EtcdServer s = m.server;
        if (s == null) {
          continue;
        }
        for (String key : leaseClient.live.keySet()) {
          RangeResponse r =
              s.range(RangeRequest.newBuilder().setKey(bytes(key)).setSerializable(true).build())
                  .getNow(null);
          where.append(m.name).append(' ').append(key).append(": ");
          where.append(
              r == null || r.getKvsCount() == 0
                  ? "absent"
                  : "lease " + Long.toHexString(r.getKvs(0).getLease()));
          where.append("; ");
        }
        where.append(m.name).append(" leases ");
        s.leaseLeases()
            .getLeasesList()
            .forEach(l -> where.append(Long.toHexString(l.getID())).append(' '));
        where.append("; ");
      }
      return "leases still alive 30 virtual seconds after healing: "
          + leaseClient.live.keySet()
          + " ("
          + where
          + ")\n"
          + tail();
    }
    return null;
  }

  private boolean watcherBehind() {
    EtcdServer any = members.get(0).server;
    return any == null || watcher.lastRevision < any.currentRevision();
  }

  private boolean anyPending() {
    return clients.stream().anyMatch(c -> c.pending != null);
  }

  private boolean converged() {
    long applied = -1;
    long revision = -1;
    for (Member m : members) {
      EtcdServer s = m.server;
      if (s == null || s.failure() != null || s.leader() == 0) {
        return false;
      }
      if (applied >= 0 && (s.appliedIndex() != applied || s.currentRevision() != revision)) {
        return false;
      }
      applied = s.appliedIndex();
      revision = s.currentRevision();
    }
    return true;
  }

  private String describe() {
    StringBuilder out = new StringBuilder();
    for (Member m : members) {
      EtcdServer s = m.server;
      out.append(m.name).append(": ");
      out.append(
          s == null
              ? "down"
              : "applied "
                  + s.appliedIndex()
                  + " rev "
                  + s.currentRevision()
                  + " leader "
                  + Long.toHexString(s.leader())
                  + " hash "
                  + s.hashKv(HashKVRequest.getDefaultInstance()).getHash());
      out.append("; ");
    }
    return out.toString();
  }

  private String tail() {
    int from = Math.max(0, log.size() - 40);
    return String.join("\n", log.subList(from, log.size()));
  }
}
