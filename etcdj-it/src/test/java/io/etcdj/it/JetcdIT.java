package io.etcdj.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.maintenance.AlarmResponse;
import io.etcd.jetcd.maintenance.HashKVResponse;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.support.CloseableClient;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.etcdj.api.etcdserverpb.LeaseGrantRequest;
import io.etcdj.api.etcdserverpb.LeaseGrpc;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveRequest;
import io.etcdj.api.etcdserverpb.LeaseLeasesRequest;
import io.etcdj.api.etcdserverpb.LeaseLeasesResponse;
import io.etcdj.api.etcdserverpb.LeaseRevokeRequest;
import io.etcdj.api.etcdserverpb.LeaseStatus;
import io.etcdj.it.harness.Cluster;
import io.etcdj.it.harness.EtcdjProcess;
import io.etcdj.it.harness.Target;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * jetcd 0.8.6, the Java client, against real member processes: every target of {@code
 * -Djetcd.targets} (default {@code etcd,etcdj}: real etcd 3.4 proves the assertions, then etcdj
 * must pass the same) times a single member and a three-member {@link Cluster}. The client is
 * connected to every member; the follower checks connect a second client to one follower only, as
 * Kubernetes clients often land. Each test uses its own key prefix, so the order of the tests does
 * not matter; every wait is bounded.
 */
@ParameterizedClass(name = "{0} {1}")
@MethodSource("fixtures")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JetcdIT {
  /** How long one client call may take. */
  static final long CALL_SECONDS = 15;

  /** One member, or three. */
  enum Topology {
    SINGLE,
    CLUSTER
  }

  static Stream<Arguments> fixtures() {
    List<Arguments> fixtures = new ArrayList<>();
    for (Target target : Target.fromProperty("jetcd.targets", "etcd,etcdj")) {
      for (Topology topology : Topology.values()) {
        fixtures.add(Arguments.of(target, topology));
      }
    }
    return fixtures.stream();
  }

  /** This invocation's target (field injection: one instance serves every invocation). */
  @Parameter(0)
  Target target = Target.ETCDJ;

  /** This invocation's topology. */
  @Parameter(1)
  Topology topology = Topology.SINGLE;

  private @Nullable Cluster cluster;
  private @Nullable EtcdjProcess single;
  private List<EtcdjProcess> members = List.of();
  private @Nullable Client client;

  @BeforeParameterizedClassInvocation
  void startMembers(Target target, Topology topology, @TempDir Path tmp) throws Exception {
    Path dir =
        tmp.resolve(target.label() + "-" + topology.name().toLowerCase(java.util.Locale.ROOT));
    if (topology == Topology.SINGLE) {
      EtcdjProcess member = EtcdjProcess.start(target, dir.resolve("member"), List.of());
      single = member;
      members = List.of(member);
    } else {
      Cluster started = Cluster.start(target, dir, List.of());
      cluster = started;
      members = started.members();
    }
    client = clientFor(members);
  }

  @AfterParameterizedClassInvocation(injectArguments = false)
  void stopMembers() throws Exception {
    Client c = client;
    client = null;
    if (c != null) {
      c.close();
    }
    Cluster started = cluster;
    cluster = null;
    if (started != null) {
      started.close();
    }
    EtcdjProcess member = single;
    single = null;
    if (member != null) {
      member.close();
    }
    members = List.of();
  }

  private Client client() {
    Client c = client;
    if (c == null) {
      throw new IllegalStateException("no client: the members did not start");
    }
    return c;
  }

  private KV kv() {
    return client().getKVClient();
  }

  static Client clientFor(List<EtcdjProcess> members) {
    return Client.builder()
        .endpoints(members.stream().map(m -> URI.create(m.clientUrl())).toArray(URI[]::new))
        .connectTimeout(java.time.Duration.ofSeconds(5))
        .retryMaxDuration(java.time.Duration.ofSeconds(10))
        .build();
  }

  static ByteSequence bytes(String s) {
    return ByteSequence.from(s, UTF_8);
  }

  static String text(ByteSequence b) {
    return b.toString(UTF_8);
  }

  static <T> T await(CompletableFuture<T> future) throws Exception {
    try {
      return future.get(CALL_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new AssertionError("no answer within " + CALL_SECONDS + " s", e);
    }
  }

  /** The failure of {@code future}, which must fail. */
  static Throwable failureOf(CompletableFuture<?> future) throws Exception {
    try {
      Object value = future.get(CALL_SECONDS, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure, got " + value);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      return cause == null ? e : cause;
    }
  }

  /** {@code <gRPC code>: <description>} of a failure jetcd reports. */
  static String status(Throwable t) {
    io.grpc.Status status = io.grpc.Status.fromThrowable(t);
    return status.getCode() + ": " + status.getDescription();
  }

  static void waitUntil(String what, long seconds, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("not within %d s: %s", seconds, what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
  }

  static List<String> keys(GetResponse r) {
    return r.getKvs().stream().map(kv -> text(kv.getKey())).toList();
  }

  static List<String> values(GetResponse r) {
    return r.getKvs().stream().map(kv -> text(kv.getValue())).toList();
  }

  private long put(KV kv, String key, String value) throws Exception {
    PutResponse r = await(kv.put(bytes(key), bytes(value)));
    return r.getHeader().getRevision();
  }

  private static GetOption.Builder prefix() {
    return GetOption.builder().isPrefix(true);
  }

  // ---------------------------------------------------------------- KV

  @Test
  void putAndGetWithPrefixLimitSortRevisionKeysOnlyCountOnlyAndSerializable() throws Exception {
    KV kv = kv();
    long r1 = put(kv, "kv/a", "1");
    long r2 = put(kv, "kv/b", "2");
    long r3 = put(kv, "kv/c", "3");
    assertThat(r2).isEqualTo(r1 + 1);
    assertThat(r3).isEqualTo(r2 + 1);
    put(kv, "kw", "outside the prefix");
    long r5 = put(kv, "kv/a", "1b");

    GetResponse all = await(kv.get(bytes("kv/"), prefix().build()));
    assertThat(keys(all)).containsExactly("kv/a", "kv/b", "kv/c");
    assertThat(values(all)).containsExactly("1b", "2", "3");
    assertThat(all.getCount()).isEqualTo(3);
    assertThat(all.isMore()).isFalse();
    assertThat(all.getHeader().getRevision()).isGreaterThanOrEqualTo(r5);
    KeyValue a = all.getKvs().get(0);
    assertThat(a.getCreateRevision()).isEqualTo(r1);
    assertThat(a.getModRevision()).isEqualTo(r5);
    assertThat(a.getVersion()).isEqualTo(2);

    GetResponse limited = await(kv.get(bytes("kv/"), prefix().withLimit(2).build()));
    assertThat(keys(limited)).containsExactly("kv/a", "kv/b");
    assertThat(limited.getCount()).isEqualTo(3);
    assertThat(limited.isMore()).isTrue();

    GetResponse descending =
        await(
            kv.get(
                bytes("kv/"),
                prefix()
                    .withSortField(GetOption.SortTarget.KEY)
                    .withSortOrder(GetOption.SortOrder.DESCEND)
                    .build()));
    assertThat(keys(descending)).containsExactly("kv/c", "kv/b", "kv/a");
    GetResponse byModRevision =
        await(
            kv.get(
                bytes("kv/"),
                prefix()
                    .withSortField(GetOption.SortTarget.MOD)
                    .withSortOrder(GetOption.SortOrder.ASCEND)
                    .build()));
    assertThat(keys(byModRevision)).containsExactly("kv/b", "kv/c", "kv/a");
    GetResponse byValueDescLimited =
        await(
            kv.get(
                bytes("kv/"),
                prefix()
                    .withSortField(GetOption.SortTarget.VALUE)
                    .withSortOrder(GetOption.SortOrder.DESCEND)
                    .withLimit(1)
                    .build()));
    assertThat(values(byValueDescLimited)).containsExactly("3");

    GetResponse atR3 = await(kv.get(bytes("kv/"), prefix().withRevision(r3).build()));
    assertThat(values(atR3)).containsExactly("1", "2", "3");
    assertThat(atR3.getHeader().getRevision()).as("header is the current revision").isEqualTo(r5);
    GetResponse atR1 = await(kv.get(bytes("kv/"), prefix().withRevision(r1).build()));
    assertThat(keys(atR1)).containsExactly("kv/a");

    GetResponse keysOnly = await(kv.get(bytes("kv/"), prefix().withKeysOnly(true).build()));
    assertThat(keys(keysOnly)).containsExactly("kv/a", "kv/b", "kv/c");
    assertThat(keysOnly.getKvs()).allSatisfy(k -> assertThat(k.getValue().isEmpty()).isTrue());
    assertThat(keysOnly.getKvs().get(0).getModRevision()).isEqualTo(r5);

    GetResponse countOnly = await(kv.get(bytes("kv/"), prefix().withCountOnly(true).build()));
    assertThat(countOnly.getKvs()).isEmpty();
    assertThat(countOnly.getCount()).isEqualTo(3);

    GetResponse range =
        await(kv.get(bytes("kv/a"), GetOption.builder().withRange(bytes("kv/c")).build()));
    assertThat(keys(range)).containsExactly("kv/a", "kv/b");

    GetResponse missing = await(kv.get(bytes("kv/none")));
    assertThat(missing.getKvs()).isEmpty();
    assertThat(missing.getCount()).isZero();

    // Serializable reads may come from a member that has not applied r5 yet: bounded retry.
    AtomicReference<@Nullable GetResponse> serializable = new AtomicReference<>();
    waitUntil(
        "a serializable read sees revision " + r5,
        10,
        () -> {
          try {
            GetResponse r =
                await(kv.get(bytes("kv/a"), GetOption.builder().withSerializable(true).build()));
            serializable.set(r);
            return r.getHeader().getRevision() >= r5;
          } catch (Exception e) {
            return false;
          }
        });
    GetResponse s = serializable.get();
    if (s == null) {
      throw new AssertionError("no serializable read");
    }
    assertThat(values(s)).containsExactly("1b");
  }

  @Test
  void deleteReturnsThePreviousKeyValues() throws Exception {
    KV kv = kv();
    put(kv, "del/x", "vx");
    put(kv, "del/y", "vy");
    long before = put(kv, "del/z", "vz");
    DeleteResponse one = await(kv.delete(bytes("del/z"), DeleteOption.builder().build()));
    assertThat(one.getDeleted()).isEqualTo(1);
    assertThat(one.getPrevKvs()).as("no prev kv unless asked").isEmpty();
    assertThat(one.getHeader().getRevision()).isEqualTo(before + 1);

    DeleteResponse withPrev =
        await(
            kv.delete(
                bytes("del/"), DeleteOption.builder().isPrefix(true).withPrevKV(true).build()));
    assertThat(withPrev.getDeleted()).isEqualTo(2);
    assertThat(withPrev.getPrevKvs().stream().map(k -> text(k.getKey())))
        .containsExactly("del/x", "del/y");
    assertThat(withPrev.getPrevKvs().stream().map(k -> text(k.getValue())))
        .containsExactly("vx", "vy");
    assertThat(withPrev.getHeader().getRevision()).isEqualTo(before + 2);
    assertThat(await(kv.get(bytes("del/"), prefix().build())).getKvs()).isEmpty();

    DeleteResponse nothing = await(kv.delete(bytes("del/none")));
    assertThat(nothing.getDeleted()).isZero();
    assertThat(nothing.getHeader().getRevision()).as("no new revision").isEqualTo(before + 2);
  }

  @Test
  void txnCompareAndSwap() throws Exception {
    KV kv = kv();
    long created = put(kv, "txn/k", "v1");
    Cmp isV1 = new Cmp(bytes("txn/k"), Cmp.Op.EQUAL, CmpTarget.value(bytes("v1")));
    TxnResponse swapped =
        await(
            kv.txn()
                .If(isV1)
                .Then(Op.put(bytes("txn/k"), bytes("v2"), PutOption.DEFAULT))
                .Else(Op.get(bytes("txn/k"), GetOption.DEFAULT))
                .commit());
    assertThat(swapped.isSucceeded()).isTrue();
    assertThat(swapped.getPutResponses()).hasSize(1);
    assertThat(swapped.getHeader().getRevision()).isEqualTo(created + 1);

    TxnResponse lost =
        await(
            kv.txn()
                .If(isV1)
                .Then(Op.put(bytes("txn/k"), bytes("v3"), PutOption.DEFAULT))
                .Else(Op.get(bytes("txn/k"), GetOption.DEFAULT))
                .commit());
    assertThat(lost.isSucceeded()).isFalse();
    assertThat(lost.getGetResponses()).hasSize(1);
    assertThat(values(lost.getGetResponses().get(0))).containsExactly("v2");
    assertThat(lost.getHeader().getRevision()).as("a read-only txn").isEqualTo(created + 1);

    TxnResponse byVersionAndModRevision =
        await(
            kv.txn()
                .If(
                    new Cmp(bytes("txn/k"), Cmp.Op.EQUAL, CmpTarget.version(2)),
                    new Cmp(bytes("txn/k"), Cmp.Op.EQUAL, CmpTarget.modRevision(created + 1)),
                    new Cmp(bytes("txn/k"), Cmp.Op.EQUAL, CmpTarget.createRevision(created)),
                    new Cmp(bytes("txn/k"), Cmp.Op.GREATER, CmpTarget.value(bytes("v1"))))
                .Then(
                    Op.delete(bytes("txn/k"), DeleteOption.DEFAULT),
                    Op.put(bytes("txn/other"), bytes("o"), PutOption.DEFAULT))
                .commit());
    assertThat(byVersionAndModRevision.isSucceeded()).isTrue();
    assertThat(byVersionAndModRevision.getDeleteResponses()).hasSize(1);
    assertThat(byVersionAndModRevision.getDeleteResponses().get(0).getDeleted()).isEqualTo(1);
    assertThat(byVersionAndModRevision.getHeader().getRevision())
        .as("one revision for the whole txn")
        .isEqualTo(created + 2);
    assertThat(await(kv.get(bytes("txn/k"))).getKvs()).isEmpty();

    // A missing key has version 0 and create revision 0: put-if-absent.
    Cmp absent = new Cmp(bytes("txn/new"), Cmp.Op.EQUAL, CmpTarget.version(0));
    assertThat(
            await(
                    kv.txn()
                        .If(absent)
                        .Then(Op.put(bytes("txn/new"), bytes("n"), PutOption.DEFAULT))
                        .commit())
                .isSucceeded())
        .isTrue();
    assertThat(
            await(
                    kv.txn()
                        .If(absent)
                        .Then(Op.put(bytes("txn/new"), bytes("m"), PutOption.DEFAULT))
                        .commit())
                .isSucceeded())
        .isFalse();
    assertThat(values(await(kv.get(bytes("txn/new"))))).containsExactly("n");
  }

  @Test
  void compactionMakesOldRevisionsUnreadable() throws Exception {
    KV kv = kv();
    long r1 = put(kv, "compact/k", "1");
    long r2 = put(kv, "compact/k", "2");
    long r3 = put(kv, "compact/k", "3");
    await(kv.compact(r2, CompactOption.builder().withCompactPhysical(true).build()));

    Throwable compacted =
        failureOf(kv.get(bytes("compact/k"), GetOption.builder().withRevision(r1).build()));
    assertThat(status(compacted))
        .isEqualTo("OUT_OF_RANGE: etcdserver: mvcc: required revision has been compacted");

    assertThat(
            values(await(kv.get(bytes("compact/k"), GetOption.builder().withRevision(r2).build()))))
        .containsExactly("2");
    assertThat(values(await(kv.get(bytes("compact/k"))))).containsExactly("3");

    Throwable again = failureOf(kv.compact(r2));
    assertThat(status(again))
        .isEqualTo("OUT_OF_RANGE: etcdserver: mvcc: required revision has been compacted");
    Throwable future = failureOf(kv.compact(r3 + 1000));
    assertThat(status(future))
        .isEqualTo("OUT_OF_RANGE: etcdserver: mvcc: required revision is a future revision");
    Throwable futureGet =
        failureOf(kv.get(bytes("compact/k"), GetOption.builder().withRevision(r3 + 1000).build()));
    assertThat(status(futureGet))
        .isEqualTo("OUT_OF_RANGE: etcdserver: mvcc: required revision is a future revision");

    // Every member compacted: a read at the compacted revision fails on each.
    for (EtcdjProcess member : members) {
      try (Client one = clientFor(List.of(member))) {
        Throwable t =
            failureOf(
                one.getKVClient()
                    .get(
                        bytes("compact/k"),
                        GetOption.builder().withRevision(r1).withSerializable(true).build()));
        assertThat(status(t))
            .as("member %s", member.config().name())
            .isEqualTo("OUT_OF_RANGE: etcdserver: mvcc: required revision has been compacted");
      }
    }
  }

  // ---------------------------------------------------------------- Watch

  /** Collects what a watcher gets. */
  static final class Recorder implements Watch.Listener {
    final List<WatchEvent> events = new CopyOnWriteArrayList<>();
    final List<WatchResponse> responses = new CopyOnWriteArrayList<>();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();

    @Override
    public void onNext(WatchResponse response) {
      responses.add(response);
      events.addAll(response.getEvents());
    }

    @Override
    public void onError(Throwable throwable) {
      errors.add(throwable);
    }

    @Override
    public void onCompleted() {}

    List<String> described() {
      return events.stream().map(JetcdIT::describe).toList();
    }
  }

  static String describe(WatchEvent e) {
    KeyValue kv = e.getKeyValue();
    KeyValue prev = e.getPrevKV();
    String p = prev == null || prev.getKey().isEmpty() ? "" : " prev=" + text(prev.getValue());
    return e.getEventType()
        + " "
        + text(kv.getKey())
        + (e.getEventType() == WatchEvent.EventType.PUT ? "=" + text(kv.getValue()) : "")
        + p;
  }

  /** The client the watcher uses: in the cluster, member 0 only; writes go through the others. */
  private Client watchClient() {
    return clientFor(List.of(members.get(0)));
  }

  private KV writerThrough(int index, List<Client> opened) {
    if (members.size() == 1) {
      return kv();
    }
    Client c = clientFor(List.of(members.get(index % members.size())));
    opened.add(c);
    return c.getKVClient();
  }

  @Test
  void watchFromAPastRevisionWithPrefixAndPrevKvGetsEveryEventOnceInOrder() throws Exception {
    KV kv = kv();
    long r1 = put(kv, "watch/a", "1");
    put(kv, "watch/b", "1");
    put(kv, "watch/a", "2");
    await(kv.delete(bytes("watch/b")));
    put(kv, "watchx", "not in the prefix");
    List<Client> opened = new ArrayList<>();
    Recorder recorder = new Recorder();
    try (Client watching = watchClient();
        Watch.Watcher watcher =
            watching
                .getWatchClient()
                .watch(
                    bytes("watch/"),
                    WatchOption.builder().isPrefix(true).withPrevKV(true).withRevision(r1).build(),
                    recorder)) {
      waitUntil("the past events", 10, () -> recorder.events.size() >= 4);
      // Writes after the watch is created, through the other members in the cluster.
      put(writerThrough(1, opened), "watch/c", "1");
      put(writerThrough(2, opened), "watch/a", "3");
      await(
          writerThrough(1, opened)
              .txn()
              .Then(
                  Op.put(bytes("watch/d"), bytes("1"), PutOption.DEFAULT),
                  Op.put(bytes("watch/e"), bytes("1"), PutOption.DEFAULT))
              .commit());
      List<String> expected =
          List.of(
              "PUT watch/a=1",
              "PUT watch/b=1",
              "PUT watch/a=2 prev=1",
              "DELETE watch/b prev=1",
              "PUT watch/c=1",
              "PUT watch/a=3 prev=2",
              "PUT watch/d=1",
              "PUT watch/e=1");
      waitUntil(
          "all " + expected.size() + " events, got " + recorder.described(),
          10,
          () -> recorder.events.size() >= expected.size());
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500)); // would a duplicate arrive?
      assertThat(recorder.described()).containsExactlyElementsOf(expected);
      List<Long> revisions =
          recorder.events.stream().map(e -> e.getKeyValue().getModRevision()).toList();
      assertThat(revisions).isSorted();
      assertThat(revisions.get(0)).isEqualTo(r1);
      assertThat(revisions.get(6)).as("one txn, one revision").isEqualTo(revisions.get(7));
      assertThat(recorder.errors).isEmpty();
      assertThat(watcher.isClosed()).isFalse();
    } finally {
      for (Client c : opened) {
        c.close();
      }
    }
  }

  @Test
  void aProgressRequestIsAnsweredWithTheCurrentRevision() throws Exception {
    Recorder recorder = new Recorder();
    try (Client watching = watchClient();
        Watch.Watcher watcher =
            watching
                .getWatchClient()
                .watch(
                    bytes("progress/"),
                    WatchOption.builder().isPrefix(true).withCreateNotify(true).build(),
                    recorder)) {
      waitUntil(
          "the created notification",
          10,
          () -> recorder.responses.stream().anyMatch(WatchResponse::isCreatedNotify));
      long revision = put(kv(), "progress-elsewhere", "1");
      // Wait until the watch member has applied the write, then ask for progress.
      waitUntil(
          "a progress notification at revision >= " + revision,
          15,
          () -> {
            watcher.requestProgress();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            return recorder.responses.stream()
                .anyMatch(r -> r.isProgressNotify() && r.getHeader().getRevision() >= revision);
          });
      assertThat(recorder.events).isEmpty();
      assertThat(recorder.errors).isEmpty();
    }
  }

  @Test
  void aCanceledWatcherGetsNoMoreEvents() throws Exception {
    Recorder recorder = new Recorder();
    KV kv = kv();
    try (Client watching = watchClient()) {
      Watch.Watcher watcher =
          watching
              .getWatchClient()
              .watch(
                  bytes("cancel/k"),
                  WatchOption.builder().withCreateNotify(true).build(),
                  recorder);
      try {
        waitUntil(
            "the created notification",
            10,
            () -> recorder.responses.stream().anyMatch(WatchResponse::isCreatedNotify));
        put(kv, "cancel/k", "1");
        waitUntil("the first event", 10, () -> recorder.events.size() == 1);
      } finally {
        watcher.close();
      }
      assertThat(watcher.isClosed()).isTrue();
      put(kv, "cancel/k", "2");
      Recorder other = new Recorder();
      try (Watch.Watcher second =
          watching
              .getWatchClient()
              .watch(
                  bytes("cancel/k"), WatchOption.builder().withCreateNotify(true).build(), other)) {
        waitUntil(
            "the second watcher is created",
            10,
            () -> other.responses.stream().anyMatch(WatchResponse::isCreatedNotify));
        put(kv, "cancel/k", "3");
        waitUntil("the second watcher's event", 10, () -> other.events.size() == 1);
        assertThat(second.isClosed()).isFalse();
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300));
      assertThat(recorder.described()).containsExactly("PUT cancel/k=1");
      assertThat(other.described()).containsExactly("PUT cancel/k=3");
    }
  }

  // ---------------------------------------------------------------- Lease

  @Test
  void keepAliveKeepsKeysPastTheirTtlAndTheyExpireAfterItStops() throws Exception {
    checkKeepAlive(client(), "lease-ka/");
  }

  private void checkKeepAlive(Client c, String prefix) throws Exception {
    long ttl = 3;
    long id = await(c.getLeaseClient().grant(ttl)).getID();
    assertThat(id).isNotZero();
    String key = prefix + "k";
    await(c.getKVClient().put(bytes(key), bytes("v"), PutOption.builder().withLeaseId(id).build()));
    BlockingQueue<LeaseKeepAliveResponse> responses = new LinkedBlockingQueue<>();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    long keptUntil;
    try (CloseableClient keepAlive =
        c.getLeaseClient()
            .keepAlive(
                id,
                new StreamObserver<>() {
                  @Override
                  public void onNext(LeaseKeepAliveResponse value) {
                    responses.add(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    errors.add(t);
                  }

                  @Override
                  public void onCompleted() {}
                })) {
      LeaseKeepAliveResponse first = responses.poll(10, TimeUnit.SECONDS);
      assertThat(first).as("a keep-alive response within 10 s").isNotNull();
      assertThat(first.getID()).isEqualTo(id);
      assertThat(first.getTTL()).isEqualTo(ttl);
      // Kept alive for more than twice the TTL.
      LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(2 * ttl + 1));
      assertThat(values(await(c.getKVClient().get(bytes(key)))))
          .as("key alive past its TTL while kept alive")
          .containsExactly("v");
      assertThat(responses.size()).as("more keep-alive responses").isGreaterThanOrEqualTo(2);
      assertThat(errors).isEmpty();
      LeaseTimeToLiveResponse live = await(c.getLeaseClient().timeToLive(id, LeaseOption.DEFAULT));
      assertThat(live.getTTL()).isBetween(1L, ttl);
      keptUntil = System.nanoTime();
    }
    waitUntil(
        "the key is deleted once the lease expires",
        ttl + 10,
        () -> {
          try {
            return await(c.getKVClient().get(bytes(key))).getKvs().isEmpty();
          } catch (Exception e) {
            return false;
          }
        });
    long afterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - keptUntil);
    assertThat(afterMillis).as("not before the TTL passed").isGreaterThanOrEqualTo(1000);
    LeaseTimeToLiveResponse gone = await(c.getLeaseClient().timeToLive(id, LeaseOption.DEFAULT));
    assertThat(gone.getTTL()).isEqualTo(-1);
  }

  @Test
  void timeToLiveListsTheAttachedKeys() throws Exception {
    Client c = client();
    long id = await(c.getLeaseClient().grant(60)).getID();
    try {
      PutOption withLease = PutOption.builder().withLeaseId(id).build();
      await(c.getKVClient().put(bytes("ttl/a"), bytes("1"), withLease));
      await(c.getKVClient().put(bytes("ttl/b"), bytes("1"), withLease));
      LeaseTimeToLiveResponse r =
          await(
              c.getLeaseClient().timeToLive(id, LeaseOption.builder().withAttachedKeys().build()));
      assertThat(r.getID()).isEqualTo(id);
      assertThat(r.getGrantedTTL()).isEqualTo(60);
      assertThat(r.getTTL()).isBetween(50L, 60L);
      assertThat(r.getKeys().stream().map(JetcdIT::text))
          .containsExactlyInAnyOrder("ttl/a", "ttl/b");
      LeaseTimeToLiveResponse noKeys =
          await(c.getLeaseClient().timeToLive(id, LeaseOption.DEFAULT));
      assertThat(noKeys.getKeys()).isEmpty();
      GetResponse get = await(c.getKVClient().get(bytes("ttl/a")));
      assertThat(get.getKvs().get(0).getLease()).isEqualTo(id);
    } finally {
      await(c.getLeaseClient().revoke(id));
    }
  }

  @Test
  void revokeDeletesTheKeysAndLeasesListsTheLeases() throws Exception {
    Client c = client();
    long id = await(c.getLeaseClient().grant(60)).getID();
    long other = await(c.getLeaseClient().grant(60)).getID();
    PutOption withLease = PutOption.builder().withLeaseId(id).build();
    await(c.getKVClient().put(bytes("revoke/a"), bytes("1"), withLease));
    await(c.getKVClient().put(bytes("revoke/b"), bytes("1"), withLease));
    await(c.getKVClient().put(bytes("revoke/kept"), bytes("1")));
    // jetcd 0.8.6 has no leases(): LeaseLeases through the raw stub, on every member.
    for (EtcdjProcess member : members) {
      assertThat(leaseIds(member)).as("leases on %s", member.config().name()).contains(id, other);
    }
    long before =
        await(c.getKVClient().get(bytes("revoke/"), prefix().build())).getHeader().getRevision();
    long after = await(c.getLeaseClient().revoke(id)).getHeader().getRevision();
    assertThat(after).as("the revoke deletes in one revision").isEqualTo(before + 1);
    assertThat(keys(await(c.getKVClient().get(bytes("revoke/"), prefix().build()))))
        .containsExactly("revoke/kept");
    assertThat(await(c.getLeaseClient().timeToLive(id, LeaseOption.DEFAULT)).getTTL())
        .isEqualTo(-1);
    for (EtcdjProcess member : members) {
      waitUntil(
          "revoked lease gone from " + member.config().name(),
          10,
          () -> !leaseIds(member).contains(id));
      assertThat(leaseIds(member)).contains(other);
    }
    Throwable twice = failureOf(c.getLeaseClient().revoke(id));
    assertThat(status(twice)).isEqualTo("NOT_FOUND: etcdserver: requested lease not found");
    await(c.getLeaseClient().revoke(other));
  }

  static Set<Long> leaseIds(EtcdjProcess member) {
    ManagedChannel channel = RestartRecoveryIT.channel(member);
    try {
      LeaseLeasesResponse r =
          LeaseGrpc.newBlockingStub(channel)
              .withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS)
              .leaseLeases(LeaseLeasesRequest.getDefaultInstance());
      return r.getLeasesList().stream().map(LeaseStatus::getID).collect(Collectors.toSet());
    } finally {
      channel.shutdownNow();
    }
  }

  // ---------------------------------------------------------------- Cluster and Maintenance

  @Test
  void memberListNamesEveryMemberWithItsUrls() throws Exception {
    List<Member> listed = await(client().getClusterClient().listMember()).getMembers();
    assertThat(listed).hasSize(members.size());
    for (EtcdjProcess member : members) {
      Member m =
          listed.stream()
              .filter(l -> l.getName().equals(member.config().name()))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no member " + member.config().name()));
      assertThat(m.getPeerURIs()).containsExactly(URI.create(member.peerUrl()));
      assertThat(m.getClientURIs()).containsExactly(URI.create(member.clientUrl()));
      assertThat(m.isLearner()).isFalse();
      assertThat(m.getId()).isNotZero();
    }
    assertThat(listed.stream().map(Member::getId).distinct()).hasSize(members.size());
  }

  @Test
  void statusHashKvDefragmentAndAlarms() throws Exception {
    Client c = client();
    long revision = put(c.getKVClient(), "maint/k", "v");
    List<StatusResponse> statuses = new ArrayList<>();
    for (EtcdjProcess member : members) {
      StatusResponse s = await(c.getMaintenanceClient().statusMember(member.clientUrl()));
      statuses.add(s);
      assertThat(s.getVersion()).as("version").startsWith("3.");
      assertThat(s.getDbSize()).isPositive();
      assertThat(s.getRaftIndex()).isPositive();
      assertThat(s.getRaftTerm()).isPositive();
      assertThat(s.getLeader()).isNotZero();
      assertThat(s.getErrorList()).isEmpty();
      assertThat(s.isLearner()).isFalse();
    }
    assertThat(statuses.stream().map(StatusResponse::getLeader).distinct())
        .as("every member names the same leader")
        .hasSize(1);
    assertThat(statuses.stream().map(s -> s.getHeader().getMemberId()))
        .as("each status comes from its own member")
        .doesNotHaveDuplicates()
        .contains(statuses.get(0).getLeader());

    List<Integer> hashes = new ArrayList<>();
    for (EtcdjProcess member : members) {
      AtomicReference<@Nullable HashKVResponse> hash = new AtomicReference<>();
      waitUntil(
          member.config().name() + " answers HashKV at revision " + revision,
          15,
          () -> {
            try {
              hash.set(await(c.getMaintenanceClient().hashKV(member.clientUrl(), revision)));
              return true;
            } catch (Exception notApplied) {
              return false;
            }
          });
      HashKVResponse h = hash.get();
      if (h == null) {
        throw new AssertionError("no HashKV from " + member.config().name());
      }
      hashes.add(h.getHash());
    }
    assertThat(hashes)
        .as("HashKV at revision %d on every member", revision)
        .containsOnly(hashes.get(0));

    for (EtcdjProcess member : members) {
      assertThat(await(c.getMaintenanceClient().defragmentMember(member.clientUrl()))).isNotNull();
    }
    assertThat(values(await(c.getKVClient().get(bytes("maint/k"))))).containsExactly("v");

    AlarmResponse alarms = await(c.getMaintenanceClient().listAlarms());
    assertThat(alarms.getAlarms()).isEmpty();
  }

  // ---------------------------------------------------------------- A follower only

  /** The index of a member that is not the leader (cluster topology only). */
  private int follower() throws Exception {
    AtomicReference<@Nullable Integer> found = new AtomicReference<>();
    waitUntil(
        "a leader every member agrees on",
        20,
        () -> {
          try {
            long leader = -1;
            for (EtcdjProcess member : members) {
              StatusResponse s =
                  await(client().getMaintenanceClient().statusMember(member.clientUrl()));
              if (s.getLeader() == 0 || (leader != -1 && s.getLeader() != leader)) {
                return false;
              }
              leader = s.getLeader();
            }
            for (int i = 0; i < members.size(); i++) {
              StatusResponse s =
                  await(client().getMaintenanceClient().statusMember(members.get(i).clientUrl()));
              if (s.getHeader().getMemberId() != leader) {
                found.set(i);
                return true;
              }
            }
            return false;
          } catch (Exception e) {
            return false;
          }
        });
    Integer index = found.get();
    if (index == null) {
      throw new AssertionError("no follower");
    }
    return index;
  }

  /**
   * Keep-alives that reach a follower together travel to the leader in batches: each must still be
   * answered on its own stream, with its own lease's TTL, and a lease revoked meanwhile with TTL 0.
   */
  @Test
  void keepAlivesArrivingTogetherOnAFollowerAreEachAnsweredWithTheirOwnLease() throws Exception {
    if (topology == Topology.SINGLE) {
      return; // a single member forwards nothing
    }
    EtcdjProcess follower = members.get(follower());
    ManagedChannel channel = RestartRecoveryIT.channel(follower);
    try {
      LeaseGrpc.LeaseBlockingStub blocking =
          LeaseGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS);
      int leases = 16;
      int rounds = 3;
      List<Long> ids = new ArrayList<>();
      for (int i = 0; i < leases; i++) {
        ids.add(blocking.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(20 + i).build()).getID());
      }
      long revoked = ids.get(leases - 1);
      blocking.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(revoked).build());
      List<BlockingQueue<io.etcdj.api.etcdserverpb.LeaseKeepAliveResponse>> answers =
          new ArrayList<>();
      List<StreamObserver<LeaseKeepAliveRequest>> streams = new ArrayList<>();
      List<Throwable> errors = new CopyOnWriteArrayList<>();
      for (int i = 0; i < leases; i++) {
        BlockingQueue<io.etcdj.api.etcdserverpb.LeaseKeepAliveResponse> q =
            new LinkedBlockingQueue<>();
        answers.add(q);
        streams.add(
            LeaseGrpc.newStub(channel)
                .leaseKeepAlive(
                    new StreamObserver<>() {
                      @Override
                      public void onNext(io.etcdj.api.etcdserverpb.LeaseKeepAliveResponse r) {
                        q.add(r);
                      }

                      @Override
                      public void onError(Throwable t) {
                        errors.add(t);
                      }

                      @Override
                      public void onCompleted() {}
                    }));
      }
      for (int round = 0; round < rounds; round++) {
        for (int i = 0; i < leases; i++) {
          streams.get(i).onNext(LeaseKeepAliveRequest.newBuilder().setID(ids.get(i)).build());
        }
      }
      for (int i = 0; i < leases; i++) {
        for (int round = 0; round < rounds; round++) {
          var r = answers.get(i).poll(CALL_SECONDS, TimeUnit.SECONDS);
          assertThat(r).as("answer %d for lease %d (errors: %s)", round, i, errors).isNotNull();
          assertThat(r.getID()).isEqualTo(ids.get(i));
          assertThat(r.getTTL()).isEqualTo(ids.get(i) == revoked ? 0 : 20 + i);
        }
        streams.get(i).onCompleted();
      }
      assertThat(errors).isEmpty();
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void aClientOnAFollowerOnlyCanPutReadWatchAndKeepALeaseAlive() throws Exception {
    if (topology == Topology.SINGLE) {
      return; // a single member is its own leader
    }
    EtcdjProcess follower = members.get(follower());
    try (Client onFollower = clientFor(List.of(follower))) {
      KV kv = onFollower.getKVClient();
      Recorder recorder = new Recorder();
      try (Watch.Watcher watcher =
          onFollower
              .getWatchClient()
              .watch(
                  bytes("follower/"),
                  WatchOption.builder().isPrefix(true).withCreateNotify(true).build(),
                  recorder)) {
        waitUntil(
            "the watch is created on the follower",
            10,
            () -> recorder.responses.stream().anyMatch(WatchResponse::isCreatedNotify));
        long r1 = put(kv, "follower/a", "1");
        // Linearizable read through the follower sees its own write at once.
        GetResponse read = await(kv.get(bytes("follower/a")));
        assertThat(values(read)).containsExactly("1");
        assertThat(read.getHeader().getRevision()).isGreaterThanOrEqualTo(r1);
        // A write through the leader's side is seen by a linearizable read on the follower.
        long r2 = put(kv(), "follower/b", "2");
        GetResponse afterOther = await(kv.get(bytes("follower/"), prefix().build()));
        assertThat(afterOther.getHeader().getRevision()).isGreaterThanOrEqualTo(r2);
        assertThat(keys(afterOther)).containsExactly("follower/a", "follower/b");
        TxnResponse txn =
            await(
                kv.txn()
                    .If(new Cmp(bytes("follower/a"), Cmp.Op.EQUAL, CmpTarget.value(bytes("1"))))
                    .Then(Op.put(bytes("follower/a"), bytes("2"), PutOption.DEFAULT))
                    .commit());
        assertThat(txn.isSucceeded()).isTrue();
        waitUntil(
            "three events on the follower's watch, got " + recorder.described(),
            10,
            () -> recorder.events.size() >= 3);
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300));
        assertThat(recorder.described())
            .containsExactly("PUT follower/a=1", "PUT follower/b=2", "PUT follower/a=2");
        assertThat(watcher.isClosed()).isFalse();
      }
      checkKeepAlive(onFollower, "follower-lease/");
    }
  }
}
