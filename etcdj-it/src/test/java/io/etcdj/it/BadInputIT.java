package io.etcdj.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.CompactionRequest;
import io.etcdj.api.etcdserverpb.Compare;
import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.LeaseGrantRequest;
import io.etcdj.api.etcdserverpb.LeaseGrpc;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveRequest;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveResponse;
import io.etcdj.api.etcdserverpb.LeaseRevokeRequest;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.RequestOp;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.api.etcdserverpb.WatchCreateRequest;
import io.etcdj.api.etcdserverpb.WatchGrpc;
import io.etcdj.api.etcdserverpb.WatchRequest;
import io.etcdj.api.etcdserverpb.WatchResponse;
import io.etcdj.it.harness.EtcdjProcess;
import io.etcdj.it.harness.Target;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad requests through raw gRPC stubs against a single member of each target of {@code
 * -Dbadinput.targets} (default {@code etcd,etcdj}). Every answer is rendered as {@code OK ...} or
 * {@code <gRPC code>: <description>} and must equal what etcd 3.4 answers (the expected values were
 * taken from etcd with {@code -Dbadinput.targets=etcd}). After the bad requests, and after garbage
 * bytes written raw to the client and the peer port, the member must still be healthy: a put and a
 * get work and {@code /health} says {@code {"health":"true"}}.
 */
class BadInputIT {
  static final long CALL_SECONDS = 15;

  /** etcd's default --max-request-bytes, 1.5 MiB. */
  static final int MAX_REQUEST_BYTES = 3 << 19;

  /** gRPC's receive limit in etcd: max-request-bytes + 512 KiB. */
  static final int GRPC_MAX_RECEIVE = MAX_REQUEST_BYTES + (1 << 19);

  @TempDir Path tmp;

  static Stream<Target> targets() {
    return Target.fromProperty("badinput.targets", "etcd,etcdj").stream();
  }

  static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /** {@code OK <summary>} or {@code <code>: <description>}. */
  static String outcome(Supplier<String> call) {
    try {
      return "OK " + call.get();
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() + ": " + e.getStatus().getDescription();
    }
  }

  static String summary(RangeResponse r) {
    StringBuilder s = new StringBuilder("count=" + r.getCount() + " kvs=[");
    r.getKvsList()
        .forEach(
            kv ->
                s.append(kv.getKey().toStringUtf8())
                    .append('=')
                    .append(kv.getValue().toStringUtf8())
                    .append(' '));
    return s.toString().strip() + "]";
  }

  static String summary(WatchResponse r) {
    return "created="
        + r.getCreated()
        + " canceled="
        + r.getCanceled()
        + " watch_id="
        + r.getWatchId()
        + " reason="
        + r.getCancelReason()
        + " events="
        + r.getEventsCount();
  }

  private record Stubs(ManagedChannel channel) {
    KVGrpc.KVBlockingStub kv() {
      return KVGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS);
    }

    LeaseGrpc.LeaseBlockingStub lease() {
      return LeaseGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("targets")
  void badRequestsGetEtcdsErrorsAndTheMemberStaysHealthy(Target target) throws Exception {
    Map<String, String> expected = expected();
    Map<String, String> actual = new LinkedHashMap<>();
    try (EtcdjProcess member = EtcdjProcess.start(target, tmp.resolve(target.label()), List.of())) {
      ManagedChannel channel = RestartRecoveryIT.channel(member);
      try {
        Stubs s = new Stubs(channel);
        kvCases(s, actual);
        leaseCases(s, actual);
        putOptionCases(s, actual);
        sizeCases(s, actual);
        txnCases(s, actual);
        watchCases(channel, actual);
        assertHealthy(member, s, "after the bad requests");
      } finally {
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
      }
      actual.put("garbage to the client port", garbage(member.config().clientPort()));
      actual.put(
          "HTTP/2 preface then garbage to the client port",
          http2Garbage(member.config().clientPort()));
      actual.put("garbage to the peer port", garbage(member.config().peerPort()));
      ManagedChannel again = RestartRecoveryIT.channel(member);
      try {
        assertHealthy(member, new Stubs(again), "after garbage on the client and peer ports");
      } finally {
        again.shutdownNow();
        again.awaitTermination(5, TimeUnit.SECONDS);
      }
      assertThat(member.isAlive()).isTrue();
    }
    for (Map.Entry<String, String> e : actual.entrySet()) {
      System.out.printf("bad input (%s): %s -> %s%n", target.label(), e.getKey(), e.getValue());
    }
    SoftAssertions soft = new SoftAssertions();
    for (Map.Entry<String, String> e : expected.entrySet()) {
      soft.assertThat(actual.get(e.getKey()))
          .as("%s: %s", target.label(), e.getKey())
          .isEqualTo(e.getValue());
    }
    soft.assertThat(actual.keySet())
        .as("cases")
        .containsExactlyInAnyOrderElementsOf(expected.keySet());
    soft.assertAll();
  }

  /** What etcd 3.4.23 answers, case by case. */
  static Map<String, String> expected() {
    Map<String, String> e = new LinkedHashMap<>();
    String noKey = "INVALID_ARGUMENT: etcdserver: key is not provided";
    String compacted = "OUT_OF_RANGE: etcdserver: mvcc: required revision has been compacted";
    String future = "OUT_OF_RANGE: etcdserver: mvcc: required revision is a future revision";
    String leaseNotFound = "NOT_FOUND: etcdserver: requested lease not found";
    e.put("Range with an empty key", noKey);
    e.put("Put with an empty key", noKey);
    e.put("DeleteRange with an empty key", noKey);
    e.put("Txn compare with an empty key", noKey);
    e.put("Txn put with an empty key", noKey);
    e.put("Range with range_end before key", "OK count=0 kvs=[]");
    e.put("Range at revision -5", "OK count=1 kvs=[k=v3]");
    e.put("Range at a future revision", future);
    e.put("Range below the compact revision", compacted);
    e.put("Range at the compact revision", "OK count=1 kvs=[k=v2]");
    e.put("Compact at the compact revision", compacted);
    e.put("Compact below the compact revision", compacted);
    e.put("Compact at a future revision", future);
    e.put("Put with an unknown lease", leaseNotFound);
    e.put("LeaseRevoke of an unknown lease", leaseNotFound);
    e.put("LeaseGrant with ID 4242", "OK id=4242 ttl=60");
    e.put("LeaseGrant with an ID in use", "FAILED_PRECONDITION: etcdserver: lease already exists");
    e.put("LeaseGrant with TTL 9000000001", "OUT_OF_RANGE: etcdserver: too large lease TTL");
    e.put("LeaseGrant with TTL 9000000000", "OK ttl=9000000000");
    e.put("LeaseKeepAlive of an unknown lease", "OK id=777 ttl=0");
    e.put("LeaseTimeToLive of an unknown lease", "OK id=777 ttl=-1 granted_ttl=0 keys=0");
    e.put("Put ignore_value with a value", "INVALID_ARGUMENT: etcdserver: value is provided");
    e.put("Put ignore_lease with a lease", "INVALID_ARGUMENT: etcdserver: lease is provided");
    e.put("Put ignore_value on a missing key", "INVALID_ARGUMENT: etcdserver: key not found");
    e.put("Put ignore_lease on a missing key", "INVALID_ARGUMENT: etcdserver: key not found");
    e.put("Put ignore_value on an existing key", "OK count=1 kvs=[k=v3]");
    e.put(
        "Put a value above --max-request-bytes",
        "INVALID_ARGUMENT: etcdserver: request is too large");
    e.put(
        "Put above gRPC's receive limit",
        "RESOURCE_EXHAUSTED: grpc: received message larger than max (N vs. "
            + GRPC_MAX_RECEIVE
            + ")");
    e.put("Txn with 128 ops", "OK succeeded=true responses=128");
    e.put("Txn with 129 ops", "INVALID_ARGUMENT: etcdserver: too many operations in txn request");
    e.put(
        "Txn with 129 compares",
        "INVALID_ARGUMENT: etcdserver: too many operations in txn request");
    e.put(
        "Txn putting one key twice",
        "INVALID_ARGUMENT: etcdserver: duplicate key given in txn request");
    e.put(
        "Txn putting a key inside a range it deletes",
        "INVALID_ARGUMENT: etcdserver: duplicate key given in txn request");
    e.put("Txn putting one key twice in different branches", "OK succeeded=true responses=1");
    e.put("Txn with an empty RequestOp", "INVALID_ARGUMENT: etcdserver: key not found");
    e.put(
        "Watch with key >= range_end",
        "created=true canceled=true watch_id=-1 reason=mvcc: watcher range is empty events=0");
    e.put(
        "Watch with client watch ID 7", "created=true canceled=false watch_id=7 reason= events=0");
    e.put(
        "Watch with client watch ID 7 again",
        "created=true canceled=true watch_id=-1 reason=mvcc: duplicate watch ID provided on the"
            + " WatchStream events=0");
    e.put("garbage to the client port", "survived");
    e.put("HTTP/2 preface then garbage to the client port", "survived");
    e.put("garbage to the peer port", "survived");
    return e;
  }

  private static void kvCases(Stubs s, Map<String, String> out) {
    out.put(
        "Range with an empty key",
        outcome(() -> summary(s.kv().range(RangeRequest.newBuilder().build()))));
    out.put(
        "Put with an empty key",
        outcome(
            () ->
                s.kv()
                    .put(PutRequest.newBuilder().setValue(bytes("v")).build())
                    .getClass()
                    .getSimpleName()));
    out.put(
        "DeleteRange with an empty key",
        outcome(
            () ->
                "deleted="
                    + s.kv().deleteRange(DeleteRangeRequest.newBuilder().build()).getDeleted()));
    out.put(
        "Txn compare with an empty key",
        outcome(
            () ->
                "succeeded="
                    + s.kv()
                        .txn(
                            TxnRequest.newBuilder()
                                .addCompare(
                                    Compare.newBuilder()
                                        .setTarget(Compare.CompareTarget.VERSION)
                                        .setResult(Compare.CompareResult.EQUAL)
                                        .setVersion(0))
                                .build())
                        .getSucceeded()));
    out.put(
        "Txn put with an empty key",
        outcome(
            () ->
                "succeeded="
                    + s.kv()
                        .txn(
                            TxnRequest.newBuilder()
                                .addSuccess(
                                    RequestOp.newBuilder()
                                        .setRequestPut(
                                            PutRequest.newBuilder().setValue(bytes("v"))))
                                .build())
                        .getSucceeded()));

    long r1 = put(s, "k", "v1");
    long r2 = put(s, "k", "v2");
    long r3 = put(s, "k", "v3");
    out.put(
        "Range with range_end before key",
        outcome(
            () ->
                summary(
                    s.kv()
                        .range(
                            RangeRequest.newBuilder()
                                .setKey(bytes("k"))
                                .setRangeEnd(bytes("a"))
                                .build()))));
    out.put(
        "Range at revision -5",
        outcome(
            () ->
                summary(
                    s.kv()
                        .range(
                            RangeRequest.newBuilder()
                                .setKey(bytes("k"))
                                .setRevision(-5)
                                .build()))));
    out.put(
        "Range at a future revision",
        outcome(
            () ->
                summary(
                    s.kv()
                        .range(
                            RangeRequest.newBuilder()
                                .setKey(bytes("k"))
                                .setRevision(r3 + 100)
                                .build()))));
    s.kv().compact(CompactionRequest.newBuilder().setRevision(r2).setPhysical(true).build());
    out.put(
        "Range below the compact revision",
        outcome(
            () ->
                summary(
                    s.kv()
                        .range(
                            RangeRequest.newBuilder()
                                .setKey(bytes("k"))
                                .setRevision(r1)
                                .build()))));
    out.put(
        "Range at the compact revision",
        outcome(
            () ->
                summary(
                    s.kv()
                        .range(
                            RangeRequest.newBuilder()
                                .setKey(bytes("k"))
                                .setRevision(r2)
                                .build()))));
    out.put(
        "Compact at the compact revision",
        outcome(
            () ->
                "header="
                    + s.kv()
                        .compact(CompactionRequest.newBuilder().setRevision(r2).build())
                        .hasHeader()));
    out.put(
        "Compact below the compact revision",
        outcome(
            () ->
                "header="
                    + s.kv()
                        .compact(CompactionRequest.newBuilder().setRevision(r1).build())
                        .hasHeader()));
    out.put(
        "Compact at a future revision",
        outcome(
            () ->
                "header="
                    + s.kv()
                        .compact(CompactionRequest.newBuilder().setRevision(r3 + 100).build())
                        .hasHeader()));
  }

  private static long put(Stubs s, String key, String value) {
    return s.kv()
        .put(PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes(value)).build())
        .getHeader()
        .getRevision();
  }

  private static void leaseCases(Stubs s, Map<String, String> out) throws InterruptedException {
    out.put(
        "Put with an unknown lease",
        outcome(
            () ->
                "revision="
                    + s.kv()
                        .put(
                            PutRequest.newBuilder()
                                .setKey(bytes("leased"))
                                .setValue(bytes("v"))
                                .setLease(123456789)
                                .build())
                        .getHeader()
                        .getRevision()));
    out.put(
        "LeaseRevoke of an unknown lease",
        outcome(
            () ->
                "header="
                    + s.lease()
                        .leaseRevoke(LeaseRevokeRequest.newBuilder().setID(123456789).build())
                        .hasHeader()));
    Supplier<String> grant4242 =
        () -> {
          var r =
              s.lease().leaseGrant(LeaseGrantRequest.newBuilder().setID(4242).setTTL(60).build());
          return "id="
              + r.getID()
              + " ttl="
              + r.getTTL()
              + (r.getError().isEmpty() ? "" : " error=" + r.getError());
        };
    out.put("LeaseGrant with ID 4242", outcome(grant4242));
    out.put("LeaseGrant with an ID in use", outcome(grant4242));
    out.put(
        "LeaseGrant with TTL 9000000001",
        outcome(
            () ->
                "ttl="
                    + s.lease()
                        .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(9_000_000_001L).build())
                        .getTTL()));
    out.put(
        "LeaseGrant with TTL 9000000000",
        outcome(
            () ->
                "ttl="
                    + s.lease()
                        .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(9_000_000_000L).build())
                        .getTTL()));

    BlockingQueue<Object> got = new LinkedBlockingQueue<>();
    StreamObserver<LeaseKeepAliveRequest> requests =
        LeaseGrpc.newStub(s.channel())
            .withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS)
            .leaseKeepAlive(
                new StreamObserver<LeaseKeepAliveResponse>() {
                  @Override
                  public void onNext(LeaseKeepAliveResponse value) {
                    got.add(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    got.add(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(777).build());
    Object answer = got.poll(CALL_SECONDS, TimeUnit.SECONDS);
    requests.onCompleted();
    out.put(
        "LeaseKeepAlive of an unknown lease",
        switch (answer) {
          case null -> "no answer within " + CALL_SECONDS + " s";
          case LeaseKeepAliveResponse r -> "OK id=" + r.getID() + " ttl=" + r.getTTL();
          case StatusRuntimeException e ->
              e.getStatus().getCode() + ": " + e.getStatus().getDescription();
          default -> String.valueOf(answer);
        });
    out.put(
        "LeaseTimeToLive of an unknown lease",
        outcome(
            () -> {
              LeaseTimeToLiveResponse r =
                  s.lease()
                      .leaseTimeToLive(
                          LeaseTimeToLiveRequest.newBuilder().setID(777).setKeys(true).build());
              return "id="
                  + r.getID()
                  + " ttl="
                  + r.getTTL()
                  + " granted_ttl="
                  + r.getGrantedTTL()
                  + " keys="
                  + r.getKeysCount();
            }));
  }

  private static void putOptionCases(Stubs s, Map<String, String> out) {
    out.put(
        "Put ignore_value with a value",
        outcome(
            () ->
                "revision="
                    + s.kv()
                        .put(
                            PutRequest.newBuilder()
                                .setKey(bytes("k"))
                                .setValue(bytes("x"))
                                .setIgnoreValue(true)
                                .build())
                        .getHeader()
                        .getRevision()));
    out.put(
        "Put ignore_lease with a lease",
        outcome(
            () ->
                "revision="
                    + s.kv()
                        .put(
                            PutRequest.newBuilder()
                                .setKey(bytes("k"))
                                .setLease(4242)
                                .setIgnoreLease(true)
                                .build())
                        .getHeader()
                        .getRevision()));
    out.put(
        "Put ignore_value on a missing key",
        outcome(
            () ->
                "revision="
                    + s.kv()
                        .put(
                            PutRequest.newBuilder()
                                .setKey(bytes("missing"))
                                .setIgnoreValue(true)
                                .build())
                        .getHeader()
                        .getRevision()));
    out.put(
        "Put ignore_lease on a missing key",
        outcome(
            () ->
                "revision="
                    + s.kv()
                        .put(
                            PutRequest.newBuilder()
                                .setKey(bytes("missing"))
                                .setIgnoreLease(true)
                                .build())
                        .getHeader()
                        .getRevision()));
    out.put(
        "Put ignore_value on an existing key",
        outcome(
            () -> {
              s.kv().put(PutRequest.newBuilder().setKey(bytes("k")).setIgnoreValue(true).build());
              return summary(s.kv().range(RangeRequest.newBuilder().setKey(bytes("k")).build()));
            }));
  }

  private static void sizeCases(Stubs s, Map<String, String> out) {
    byte[] tooLarge = new byte[MAX_REQUEST_BYTES + 100_000];
    out.put(
        "Put a value above --max-request-bytes",
        outcome(
            () ->
                "revision="
                    + s.kv()
                        .put(
                            PutRequest.newBuilder()
                                .setKey(bytes("big"))
                                .setValue(ByteString.copyFrom(tooLarge))
                                .build())
                        .getHeader()
                        .getRevision()));
    PutRequest huge =
        PutRequest.newBuilder()
            .setKey(bytes("huge"))
            .setValue(ByteString.copyFrom(new byte[GRPC_MAX_RECEIVE + 400_000]))
            .build();
    String hugeOutcome =
        outcome(() -> "revision=" + s.kv().put(huge).getHeader().getRevision())
            .replace("(" + huge.getSerializedSize() + " vs.", "(N vs.");
    out.put("Put above gRPC's receive limit", hugeOutcome);
  }

  private static RequestOp putOp(String key) {
    return RequestOp.newBuilder()
        .setRequestPut(PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes("v")))
        .build();
  }

  private static String txn(Stubs s, TxnRequest request) {
    return outcome(
        () -> {
          var r = s.kv().txn(request);
          return "succeeded=" + r.getSucceeded() + " responses=" + r.getResponsesCount();
        });
  }

  private static void txnCases(Stubs s, Map<String, String> out) {
    TxnRequest.Builder ops128 = TxnRequest.newBuilder();
    for (int i = 0; i < 128; i++) {
      ops128.addSuccess(putOp("txn/" + i));
    }
    out.put("Txn with 128 ops", txn(s, ops128.build()));
    out.put("Txn with 129 ops", txn(s, ops128.clone().addSuccess(putOp("txn/128")).build()));
    TxnRequest.Builder compares = TxnRequest.newBuilder();
    for (int i = 0; i < 129; i++) {
      compares.addCompare(
          Compare.newBuilder()
              .setKey(bytes("txn/" + i))
              .setTarget(Compare.CompareTarget.VERSION)
              .setResult(Compare.CompareResult.GREATER)
              .setVersion(0));
    }
    out.put("Txn with 129 compares", txn(s, compares.build()));
    out.put(
        "Txn putting one key twice",
        txn(s, TxnRequest.newBuilder().addSuccess(putOp("dup")).addSuccess(putOp("dup")).build()));
    out.put(
        "Txn putting a key inside a range it deletes",
        txn(
            s,
            TxnRequest.newBuilder()
                .addSuccess(
                    RequestOp.newBuilder()
                        .setRequestDeleteRange(
                            DeleteRangeRequest.newBuilder()
                                .setKey(bytes("dup/"))
                                .setRangeEnd(bytes("dup0"))))
                .addSuccess(putOp("dup/x"))
                .build()));
    out.put(
        "Txn putting one key twice in different branches",
        txn(s, TxnRequest.newBuilder().addSuccess(putOp("dup")).addFailure(putOp("dup")).build()));
    out.put(
        "Txn with an empty RequestOp",
        txn(s, TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().build()).build()));
  }

  private static void watchCases(ManagedChannel channel, Map<String, String> out)
      throws InterruptedException {
    BlockingQueue<Object> got = new LinkedBlockingQueue<>();
    StreamObserver<WatchRequest> requests =
        WatchGrpc.newStub(channel)
            .watch(
                new StreamObserver<WatchResponse>() {
                  @Override
                  public void onNext(WatchResponse value) {
                    got.add(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    got.add(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    try {
      requests.onNext(
          WatchRequest.newBuilder()
              .setCreateRequest(
                  WatchCreateRequest.newBuilder().setKey(bytes("b")).setRangeEnd(bytes("a")))
              .build());
      out.put("Watch with key >= range_end", next(got));
      WatchRequest seven =
          WatchRequest.newBuilder()
              .setCreateRequest(WatchCreateRequest.newBuilder().setKey(bytes("w")).setWatchId(7))
              .build();
      requests.onNext(seven);
      out.put("Watch with client watch ID 7", next(got));
      requests.onNext(seven);
      out.put("Watch with client watch ID 7 again", next(got));
    } finally {
      requests.onCompleted();
    }
  }

  private static String next(BlockingQueue<Object> got) throws InterruptedException {
    Object answer = got.poll(CALL_SECONDS, TimeUnit.SECONDS);
    return switch (answer) {
      case null -> "no answer within " + CALL_SECONDS + " s";
      case WatchResponse r -> summary(r);
      case StatusRuntimeException e ->
          e.getStatus().getCode() + ": " + e.getStatus().getDescription();
      default -> String.valueOf(answer);
    };
  }

  /** Writes random bytes to {@code port}, reads what comes back for a while, closes. */
  static String garbage(int port) throws IOException {
    byte[] junk = new byte[64 * 1024];
    new Random(42).nextBytes(junk);
    return send(port, junk);
  }

  /** HTTP/2's client preface, then a frame header announcing a huge frame of junk. */
  static String http2Garbage(int port) throws IOException {
    byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    byte[] junk = new byte[16 * 1024];
    new Random(7).nextBytes(junk);
    byte[] all = new byte[preface.length + junk.length];
    System.arraycopy(preface, 0, all, 0, preface.length);
    System.arraycopy(junk, 0, all, preface.length, junk.length);
    return send(port, all);
  }

  private static String send(int port, byte[] bytes) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      socket.setSoTimeout(3000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      try {
        out.write(bytes);
        out.flush();
      } catch (IOException closedByServer) {
        return "survived";
      }
      byte[] buffer = new byte[8192];
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      try {
        while (System.nanoTime() < deadline && in.read(buffer) >= 0) {
          // drain what the server answers until it closes
        }
      } catch (SocketTimeoutException | java.net.SocketException stillOpenOrReset) {
        // fine: the server may keep the connection or reset it
      }
    }
    return "survived";
  }

  private static void assertHealthy(EtcdjProcess member, Stubs s, String when) throws Exception {
    assertThat(member.isAlive()).as("alive %s", when).isTrue();
    long revision = put(s, "health/check", when);
    RangeResponse r = s.kv().range(RangeRequest.newBuilder().setKey(bytes("health/check")).build());
    assertThat(r.getKvsCount()).as("get %s", when).isEqualTo(1);
    assertThat(r.getKvs(0).getValue().toStringUtf8()).isEqualTo(when);
    assertThat(r.getKvs(0).getModRevision()).isEqualTo(revision);
    @Nullable String body = health(member);
    assertThat(body).as("/health %s", when).isEqualTo("{\"health\":\"true\"}");
  }

  private static @Nullable String health(EtcdjProcess member) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(member.clientUrl() + "/health"))
                  .timeout(Duration.ofSeconds(10))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200
          ? response.body().strip()
          : "HTTP " + response.statusCode() + " " + response.body();
    } finally {
      http.close();
    }
  }
}
