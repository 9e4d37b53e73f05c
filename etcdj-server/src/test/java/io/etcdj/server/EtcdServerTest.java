package io.etcdj.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.CompactionRequest;
import io.etcdj.api.etcdserverpb.Compare;
import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.LeaseGrantRequest;
import io.etcdj.api.etcdserverpb.LeaseRevokeRequest;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.etcdj.api.etcdserverpb.MemberAddRequest;
import io.etcdj.api.etcdserverpb.MemberAddResponse;
import io.etcdj.api.etcdserverpb.MemberUpdateRequest;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.RequestOp;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.api.etcdserverpb.TxnResponse;
import io.etcdj.api.etcdserverpb.WatchCreateRequest;
import io.etcdj.api.etcdserverpb.WatchResponse;
import io.etcdj.api.mvccpb.Event;
import io.etcdj.backend.BatchPolicy;
import io.etcdj.backend.BatchedBackend;
import io.etcdj.backend.InMemoryStore;
import io.etcdj.wal.NioFileSystem;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One member with real threads, a real WAL on disk and the in-memory backend: etcd's KV, lease and
 * watch semantics through the server core, and recovery from the WAL after a crash that lost the
 * backend's uncommitted batch.
 */
class EtcdServerTest {
  @TempDir Path dir;

  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final InMemoryStore store = new InMemoryStore();
  private final List<EtcdServer> servers = new ArrayList<>();
  private final LinkedBlockingQueue<String> logLines = new LinkedBlockingQueue<>();

  private void log(String line) {
    System.err.println(line);
    logLines.add(line);
  }

  @BeforeEach
  void setUp() throws Exception {
    Files.createDirectories(dir);
  }

  @AfterEach
  void tearDown() {
    for (EtcdServer s : servers) {
      s.stopLoops();
    }
    threads.shutdownNow();
  }

  private Duration progressInterval = Duration.ofMinutes(10);

  private ServerConfig config(Path dataDir, long snapshotCount) {
    return ServerConfig.builder(
            "n1", dataDir, URI.create("http://127.0.0.1:2379"), URI.create("http://127.0.0.1:2380"))
        .snapshotCount(snapshotCount)
        .timing(20, 100)
        .backendBatch(Duration.ofHours(1), 1_000_000)
        .preVote(true)
        .watchProgressNotifyInterval(progressInterval)
        .build();
  }

  /** Starts a member on {@link #store} (a fresh backend over it: what a restart finds). */
  private EtcdServer start(long snapshotCount) throws Exception {
    BatchedBackend backend =
        new BatchedBackend(store, new BatchPolicy(Duration.ofHours(1).toNanos(), 1_000_000));
    ServerEnvironment env =
        new ServerEnvironment(
            System::nanoTime,
            1_700_000_000_000L,
            threads,
            threads,
            new SplittableRandom(7),
            new NioFileSystem(),
            backend,
            PeerTransport.NONE,
            "3.4.23");
    EtcdServer s = EtcdServer.open(config(dir.resolve("data"), snapshotCount), env, this::log);
    servers.add(s);
    s.start();
    assertThat(s.awaitReady(Duration.ofSeconds(10))).as("member ready").isTrue();
    return s;
  }

  private static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(10, TimeUnit.SECONDS);
  }

  private static RangeRequest key(String k) {
    return RangeRequest.newBuilder().setKey(b(k)).build();
  }

  @Test
  void putsReadsAndDeletesWithEtcdsRevisionsAndHeaders() throws Exception {
    EtcdServer s = start(100_000);
    long base = s.currentRevision();
    var put = get(s.put(PutRequest.newBuilder().setKey(b("foo")).setValue(b("bar")).build()));
    assertThat(put.getHeader().getRevision()).isEqualTo(base + 1);
    assertThat(put.getHeader().getMemberId()).isEqualTo(s.memberId());
    assertThat(put.getHeader().getClusterId()).isEqualTo(s.clusterId());
    assertThat(put.getHeader().getRaftTerm()).isEqualTo(s.term()).isPositive();

    var again =
        get(
            s.put(
                PutRequest.newBuilder()
                    .setKey(b("foo"))
                    .setValue(b("baz"))
                    .setPrevKv(true)
                    .build()));
    assertThat(again.getPrevKv().getValue()).isEqualTo(b("bar"));

    RangeResponse r = get(s.range(key("foo")));
    assertThat(r.getKvsList())
        .singleElement()
        .satisfies(
            kv -> {
              assertThat(kv.getValue()).isEqualTo(b("baz"));
              assertThat(kv.getVersion()).isEqualTo(2);
              assertThat(kv.getCreateRevision()).isEqualTo(base + 1);
              assertThat(kv.getModRevision()).isEqualTo(base + 2);
            });
    RangeResponse old = get(s.range(key("foo").toBuilder().setRevision(base + 1).build()));
    assertThat(old.getKvs(0).getValue()).isEqualTo(b("bar"));
    assertThat(old.getHeader().getRevision())
        .as("header has the current revision")
        .isEqualTo(base + 2);

    var none = get(s.deleteRange(DeleteRangeRequest.newBuilder().setKey(b("nope")).build()));
    assertThat(none.getDeleted()).isZero();
    assertThat(none.getHeader().getRevision())
        .as("deleting nothing makes no revision")
        .isEqualTo(base + 2);
    var del =
        get(
            s.deleteRange(
                DeleteRangeRequest.newBuilder().setKey(b("foo")).setPrevKv(true).build()));
    assertThat(del.getDeleted()).isEqualTo(1);
    assertThat(del.getPrevKvs(0).getValue()).isEqualTo(b("baz"));
    assertThat(get(s.range(key("foo"))).getCount()).isZero();
  }

  @Test
  void rangeOptionsSortLimitAndFilterAsEtcd() throws Exception {
    EtcdServer s = start(100_000);
    for (String k : List.of("c", "a", "b", "a")) {
      get(s.put(PutRequest.newBuilder().setKey(b(k)).setValue(b("v" + k)).build()));
    }
    RangeRequest all = RangeRequest.newBuilder().setKey(b("a")).setRangeEnd(b("z")).build();
    RangeResponse limited = get(s.range(all.toBuilder().setLimit(2).build()));
    assertThat(limited.getKvsList())
        .extracting(kv -> kv.getKey().toStringUtf8())
        .containsExactly("a", "b");
    assertThat(limited.getMore()).isTrue();
    assertThat(limited.getCount()).isEqualTo(3);
    RangeResponse byVersion =
        get(
            s.range(
                all.toBuilder()
                    .setSortTarget(RangeRequest.SortTarget.VERSION)
                    .setSortOrder(RangeRequest.SortOrder.DESCEND)
                    .build()));
    assertThat(byVersion.getKvs(0).getKey()).isEqualTo(b("a"));
    RangeResponse counted = get(s.range(all.toBuilder().setCountOnly(true).build()));
    assertThat(counted.getKvsCount()).isZero();
    assertThat(counted.getCount()).isEqualTo(3);
    RangeResponse keysOnly = get(s.range(all.toBuilder().setKeysOnly(true).build()));
    assertThat(keysOnly.getKvs(0).getValue()).isEmpty();
    long rev = s.currentRevision();
    RangeResponse filtered = get(s.range(all.toBuilder().setMinModRevision(rev - 1).build()));
    assertThat(filtered.getKvsList())
        .extracting(kv -> kv.getKey().toStringUtf8())
        .containsExactly("a", "b");
  }

  @Test
  void badRequestsGetEtcdsErrors() throws Exception {
    EtcdServer s = start(100_000);
    assertError(
        () -> s.put(PutRequest.newBuilder().setValue(b("x")).build()), EtcdError.KEY_NOT_PROVIDED);
    assertError(
        () -> s.range(key("a").toBuilder().setRevision(1_000_000).build()),
        EtcdError.FUTURE_REVISION);
    assertError(
        () -> s.put(PutRequest.newBuilder().setKey(b("a")).setLease(12345).build()),
        EtcdError.LEASE_NOT_FOUND);
    assertError(
        () -> s.put(PutRequest.newBuilder().setKey(b("missing")).setIgnoreValue(true).build()),
        EtcdError.KEY_NOT_FOUND);
    assertError(
        () ->
            s.put(
                PutRequest.newBuilder()
                    .setKey(b("a"))
                    .setValue(ByteString.copyFrom(new byte[2_000_000]))
                    .build()),
        EtcdError.REQUEST_TOO_LARGE);
    TxnRequest.Builder many = TxnRequest.newBuilder();
    for (int i = 0; i < 129; i++) {
      many.addSuccess(
          RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b("k" + i))));
    }
    assertError(() -> s.txn(many.build()), EtcdError.TOO_MANY_OPS);
    TxnRequest dup =
        TxnRequest.newBuilder()
            .addSuccess(
                RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b("d"))))
            .addSuccess(
                RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b("d"))))
            .build();
    assertError(() -> s.txn(dup), EtcdError.DUPLICATE_KEY);
    get(s.put(PutRequest.newBuilder().setKey(b("a")).setValue(b("1")).build()));
    get(s.put(PutRequest.newBuilder().setKey(b("a")).setValue(b("2")).build()));
    long rev = s.currentRevision();
    get(s.compact(CompactionRequest.newBuilder().setRevision(rev).build()));
    assertError(
        () -> s.compact(CompactionRequest.newBuilder().setRevision(rev).build()),
        EtcdError.COMPACTED);
    assertError(
        () -> s.range(key("a").toBuilder().setRevision(rev - 1).build()), EtcdError.COMPACTED);
    assertThat(get(s.range(key("a"))).getKvs(0).getValue()).isEqualTo(b("2"));
  }

  /**
   * The membership errors MembershipIT cannot reach through etcdctl (which refuses bad URLs itself)
   * or without several started members: etcd's, from the server.
   */
  @Test
  void membershipChangesRefusedAsEtcdRefusesThem() throws Exception {
    EtcdServer s = start(100_000);
    long self = s.memberId();
    assertError(
        () -> s.memberAdd(MemberAddRequest.newBuilder().addPeerURLs("ftp://10.0.0.9:1").build()),
        EtcdError.MEMBER_BAD_URLS);
    assertError(
        () ->
            s.memberAdd(MemberAddRequest.newBuilder().addPeerURLs("http://127.0.0.1:2380").build()),
        EtcdError.PEER_URL_EXIST);
    assertError(() -> s.memberRemove(12345), EtcdError.MEMBER_NOT_FOUND);
    assertError(() -> s.memberPromote(self), EtcdError.MEMBER_NOT_LEARNER);
    MemberAddResponse learner =
        get(
            s.memberAdd(
                MemberAddRequest.newBuilder()
                    .addPeerURLs("http://127.0.0.1:2390")
                    .setIsLearner(true)
                    .build()));
    assertThat(learner.getMember().getIsLearner()).isTrue();
    assertThat(learner.getMembersList()).hasSize(2);
    assertError(
        () ->
            s.memberAdd(
                MemberAddRequest.newBuilder()
                    .addPeerURLs("http://127.0.0.1:2391")
                    .setIsLearner(true)
                    .build()),
        EtcdError.TOO_MANY_LEARNERS);
    assertError(
        () ->
            s.memberUpdate(
                MemberUpdateRequest.newBuilder()
                    .setID(learner.getMember().getID())
                    .addPeerURLs("http://127.0.0.1:2380")
                    .build()),
        EtcdError.PEER_URL_EXIST);
    // An unstarted learner is not in sync with the leader.
    assertError(() -> s.memberPromote(learner.getMember().getID()), EtcdError.LEARNER_NOT_READY);
    // One started voter may grow to two; a third voter would need two started ones.
    get(s.memberAdd(MemberAddRequest.newBuilder().addPeerURLs("http://127.0.0.1:2392").build()));
    assertError(
        () ->
            s.memberAdd(MemberAddRequest.newBuilder().addPeerURLs("http://127.0.0.1:2393").build()),
        EtcdError.MEMBER_NOT_ENOUGH_STARTED);
    s.close();
  }

  /** What the fuzz test (etcdj-it FuzzIT) found answered unlike etcd 3.4; etcd's answers. */
  @Test
  void oddRequestsGetEtcdsAnswers() throws Exception {
    EtcdServer s = start(100_000);
    get(s.put(PutRequest.newBuilder().setKey(b("k")).setValue(b("v")).build()));
    // A compare result no client sends holds in etcd (its switch falls through to true).
    TxnRequest unknownResult =
        TxnRequest.newBuilder()
            .addCompare(
                Compare.newBuilder()
                    .setKey(b("k"))
                    .setTarget(Compare.CompareTarget.VALUE)
                    .setResultValue(4)
                    .setValue(b("other")))
            .build();
    assertThat(get(s.txn(unknownResult)).getSucceeded()).isTrue();
    // A negative revision in a txn's range is older than the first revision: compacted (a plain
    // Range reads the current revision instead).
    TxnRequest negative =
        TxnRequest.newBuilder()
            .addSuccess(
                RequestOp.newBuilder()
                    .setRequestRange(key("k").toBuilder().setRevision(Long.MIN_VALUE)))
            .build();
    assertError(() -> s.txn(negative), EtcdError.COMPACTED);
    assertThat(get(s.range(key("k").toBuilder().setRevision(-5).build())).getCount()).isOne();
    // The largest limit with sorting: no overflow.
    assertThat(
            get(s.range(
                    key("k").toBuilder()
                        .setLimit(Long.MAX_VALUE)
                        .setSortTarget(RangeRequest.SortTarget.MOD)
                        .build()))
                .getCount())
        .isOne();
    // A from-key delete covers no put in etcd's duplicate check: the txn runs.
    TxnRequest deleteAllAndPut =
        TxnRequest.newBuilder()
            .addSuccess(
                RequestOp.newBuilder()
                    .setRequestDeleteRange(
                        DeleteRangeRequest.newBuilder()
                            .setKey(ByteString.copyFrom(new byte[] {0}))
                            .setRangeEnd(ByteString.copyFrom(new byte[] {0}))))
            .addSuccess(
                RequestOp.newBuilder()
                    .setRequestPut(PutRequest.newBuilder().setKey(b("k2")).setValue(b("x"))))
            .build();
    assertThat(get(s.txn(deleteAllAndPut)).getSucceeded()).isTrue();
    assertThat(get(s.range(key("k"))).getCount()).isZero();
    assertThat(get(s.range(key("k2"))).getCount()).isOne();
    // A missing key and an unknown lease at once: a plain put reports the lease, a txn the key.
    PutRequest both =
        PutRequest.newBuilder().setKey(b("missing")).setLease(-1).setIgnoreValue(true).build();
    assertError(() -> s.put(both), EtcdError.LEASE_NOT_FOUND);
    assertError(
        () ->
            s.txn(
                TxnRequest.newBuilder()
                    .addSuccess(RequestOp.newBuilder().setRequestPut(both))
                    .build()),
        EtcdError.KEY_NOT_FOUND);
    s.close();
  }

  private static void assertError(
      java.util.function.Supplier<CompletableFuture<?>> call, EtcdError error) {
    assertThatThrownBy(() -> call.get().get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(EtcdException.class)
        .hasMessage(error.message());
  }

  @Test
  void txnComparesChooseTheBranchAndWriteOneRevision() throws Exception {
    EtcdServer s = start(100_000);
    get(s.put(PutRequest.newBuilder().setKey(b("x")).setValue(b("1")).build()));
    long rev = s.currentRevision();
    TxnRequest cas =
        TxnRequest.newBuilder()
            .addCompare(
                Compare.newBuilder()
                    .setKey(b("x"))
                    .setTarget(Compare.CompareTarget.VALUE)
                    .setResult(Compare.CompareResult.EQUAL)
                    .setValue(b("1")))
            .addSuccess(
                RequestOp.newBuilder()
                    .setRequestPut(PutRequest.newBuilder().setKey(b("x")).setValue(b("2"))))
            .addSuccess(
                RequestOp.newBuilder()
                    .setRequestPut(PutRequest.newBuilder().setKey(b("y")).setValue(b("2"))))
            .addSuccess(RequestOp.newBuilder().setRequestRange(key("x")))
            .addFailure(RequestOp.newBuilder().setRequestRange(key("x")))
            .build();
    TxnResponse first = get(s.txn(cas));
    assertThat(first.getSucceeded()).isTrue();
    assertThat(first.getHeader().getRevision()).isEqualTo(rev + 1);
    assertThat(first.getResponses(2).getResponseRange().getKvs(0).getValue()).isEqualTo(b("2"));
    TxnResponse second = get(s.txn(cas));
    assertThat(second.getSucceeded()).isFalse();
    assertThat(second.getHeader().getRevision()).isEqualTo(rev + 1);
    TxnRequest absent =
        TxnRequest.newBuilder()
            .addCompare(
                Compare.newBuilder()
                    .setKey(b("nokey"))
                    .setTarget(Compare.CompareTarget.CREATE)
                    .setResult(Compare.CompareResult.EQUAL)
                    .setCreateRevision(0))
            .build();
    assertThat(get(s.txn(absent)).getSucceeded()).isTrue();
  }

  @Test
  void leasesAttachKeysAndRevokingDeletesThem() throws Exception {
    EtcdServer s = start(100_000);
    var grant = get(s.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(1).build()));
    assertThat(grant.getTTL()).as("raised to the minimum TTL").isEqualTo(1); // 1.5 × 100 ms → 1 s
    assertThat(grant.getID()).isPositive();
    get(
        s.put(
            PutRequest.newBuilder()
                .setKey(b("l"))
                .setValue(b("v"))
                .setLease(grant.getID())
                .build()));
    var ttl =
        get(
            s.leaseTimeToLive(
                LeaseTimeToLiveRequest.newBuilder().setID(grant.getID()).setKeys(true).build()));
    assertThat(ttl.getKeysList()).containsExactly(b("l"));
    assertThat(get(s.leaseKeepAlive(grant.getID())).getTTL()).isEqualTo(1);
    get(s.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(grant.getID()).build()));
    assertThat(get(s.range(key("l"))).getCount()).isZero();
    assertThat(
            get(s.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(grant.getID()).build()))
                .getTTL())
        .isEqualTo(-1);
    assertThat(get(s.leaseKeepAlive(grant.getID())).getTTL()).isZero();

    LinkedBlockingQueue<WatchResponse> events = new LinkedBlockingQueue<>();
    WatchStream stream = s.openWatchStream(events::add);
    stream.create(WatchCreateRequest.newBuilder().setKey(b("e")).build());
    var expiring = get(s.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(1).build()));
    get(
        s.put(
            PutRequest.newBuilder()
                .setKey(b("e"))
                .setValue(b("v"))
                .setLease(expiring.getID())
                .build()));
    WatchResponse deleted = null;
    for (WatchResponse r = events.poll(10, TimeUnit.SECONDS);
        r != null && deleted == null;
        r = deleted == null ? events.poll(10, TimeUnit.SECONDS) : null) {
      if (r.getEventsList().stream().anyMatch(e -> e.getType() == Event.EventType.DELETE)) {
        deleted = r;
      }
    }
    assertThat(deleted).as("the expiry's DELETE event within 10 s").isNotNull();
    stream.close();
    assertThat(get(s.range(key("e"))).getCount()).as("expired lease deleted its key").isZero();
  }

  @Test
  void watchersSeeEveryRevisionInOrderFromTheirStart() throws Exception {
    EtcdServer s = start(100_000);
    get(s.put(PutRequest.newBuilder().setKey(b("w")).setValue(b("0")).build()));
    long start = s.currentRevision();
    LinkedBlockingQueue<WatchResponse> out = new LinkedBlockingQueue<>();
    WatchStream stream = s.openWatchStream(r -> out.add(r));
    stream.create(
        WatchCreateRequest.newBuilder()
            .setKey(b("w"))
            .setStartRevision(start)
            .setPrevKv(true)
            .build());
    WatchResponse created = out.poll(5, TimeUnit.SECONDS);
    assertThat(created).isNotNull();
    assertThat(created.getCreated()).isTrue();
    assertThat(created.getWatchId()).isZero();
    for (int i = 1; i <= 3; i++) {
      get(s.put(PutRequest.newBuilder().setKey(b("w")).setValue(b("" + i)).build()));
    }
    List<String> seen = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (seen.size() < 4 && System.nanoTime() < deadline) {
      WatchResponse r = out.poll(100, TimeUnit.MILLISECONDS);
      if (r != null) {
        r.getEventsList()
            .forEach(
                e ->
                    seen.add(
                        e.getKv().getValue().toStringUtf8()
                            + "/"
                            + e.getPrevKv().getValue().toStringUtf8()));
      }
    }
    assertThat(seen).containsExactly("0/", "1/0", "2/1", "3/2");
    stream.create(WatchCreateRequest.newBuilder().setKey(b("b")).setRangeEnd(b("a")).build());
    WatchResponse failed = out.poll(5, TimeUnit.SECONDS);
    assertThat(failed).isNotNull();
    assertThat(failed.getCanceled()).isTrue();
    assertThat(failed.getWatchId()).isEqualTo(-1);
    assertThat(failed.getCancelReason()).isEqualTo("mvcc: watcher range is empty");
    stream.close();
  }

  @Test
  void idleWatchersThatAskedForItGetProgressNotifications() throws Exception {
    progressInterval = Duration.ofMillis(200);
    EtcdServer s = start(100_000);
    LinkedBlockingQueue<WatchResponse> out = new LinkedBlockingQueue<>();
    WatchStream stream = s.openWatchStream(r -> out.add(r));
    stream.create(WatchCreateRequest.newBuilder().setKey(b("p")).setProgressNotify(true).build());
    stream.create(WatchCreateRequest.newBuilder().setKey(b("q")).build());
    get(s.put(PutRequest.newBuilder().setKey(b("other")).setValue(b("1")).build()));
    long rev = s.currentRevision();
    List<WatchResponse> progress = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (progress.isEmpty() && System.nanoTime() < deadline) {
      WatchResponse r = out.poll(100, TimeUnit.MILLISECONDS);
      if (r != null && !r.getCreated() && r.getEventsCount() == 0) {
        progress.add(r);
      }
    }
    assertThat(progress).as("a progress notification").isNotEmpty();
    assertThat(progress.get(0).getWatchId()).as("only the watcher that asked").isZero();
    assertThat(progress.get(0).getHeader().getRevision()).isEqualTo(rev);
    stream.close();
  }

  @Test
  void aCrashLosingTheBackendBatchLosesNoAcknowledgedWrite() throws Exception {
    EtcdServer s = start(100_000);
    for (int i = 0; i < 200; i++) {
      get(s.put(PutRequest.newBuilder().setKey(b("k" + i)).setValue(b("v" + i)).build()));
    }
    long rev = s.currentRevision();
    s.stopLoops(); // a crash: the backend's pending batch (an hour long) is never committed
    EtcdServer restarted = start(100_000);
    RangeResponse all =
        get(restarted.range(RangeRequest.newBuilder().setKey(b("k")).setRangeEnd(b("l")).build()));
    assertThat(all.getCount()).isEqualTo(200);
    assertThat(restarted.currentRevision()).isEqualTo(rev);
    assertThat(get(restarted.range(key("k199"))).getKvs(0).getValue()).isEqualTo(b("v199"));
  }

  @Test
  void snapshotsLetTheWalGoAndARestartResumesFromThem() throws Exception {
    EtcdServer s = start(50);
    for (int i = 0; i < 300; i++) {
      get(s.put(PutRequest.newBuilder().setKey(b("s" + i)).setValue(b("v" + i)).build()));
    }
    Path snap = dir.resolve("data").resolve("member").resolve("snap");
    String saved = null;
    for (String line = logLines.poll(5, TimeUnit.SECONDS);
        line != null && saved == null;
        line = saved == null ? logLines.poll(5, TimeUnit.SECONDS) : null) {
      if (line.startsWith("saved snapshot at index")) {
        saved = line;
      }
    }
    assertThat(saved).as("a snapshot was saved within 5 s").isNotNull();
    try (var files = Files.list(snap)) {
      assertThat(
              files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".snap")).count())
          .as("at most --max-snapshots files kept")
          .isBetween(1L, 5L);
    }
    long rev = s.currentRevision();
    s.stopLoops();
    EtcdServer restarted = start(50);
    // A linearizable read waits until the replayed log is applied.
    assertThat(get(restarted.range(key("s299"))).getKvs(0).getValue()).isEqualTo(b("v299"));
    assertThat(restarted.currentRevision()).isEqualTo(rev);
    get(restarted.put(PutRequest.newBuilder().setKey(b("after")).setValue(b("x")).build()));
    assertThat(restarted.currentRevision()).isEqualTo(rev + 1);
  }
}
