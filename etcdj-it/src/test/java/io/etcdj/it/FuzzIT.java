package io.etcdj.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.CompactionRequest;
import io.etcdj.api.etcdserverpb.Compare;
import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.LeaseGrantRequest;
import io.etcdj.api.etcdserverpb.LeaseGrpc;
import io.etcdj.api.etcdserverpb.LeaseRevokeRequest;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.RangeRequest;
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
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random and malformed requests ({@code -Dfuzz.seed}, {@code -Dfuzz.requests}) against a
 * fresh member of real etcd 3.4 and of etcdj, in the same order: huge, empty and binary keys,
 * inverted and open ranges, negative and huge revisions and limits, enum values no client sends,
 * unknown and negative lease IDs, oversized txns and nested txns, watches with odd options that are
 * cut off mid-stream, and garbage bytes on the client and peer ports. Each request must get the
 * same answer class from both (OK, or the same gRPC code and message), and etcdj must stay healthy:
 * a put and a read work after every batch and at the end.
 */
class FuzzIT {
  @TempDir Path tmp;

  private static final int MAX_REQUEST_BYTES = 3 << 19;

  @Test
  void randomBadRequestsGetEtcdsAnswersAndTheMemberStaysHealthy() throws Exception {
    long seed = Long.getLong("fuzz.seed", 20261202L);
    int requests = Integer.getInteger("fuzz.requests", 600);
    List<List<String>> answers = new ArrayList<>();
    for (Target target : List.of(Target.ETCD, Target.ETCDJ)) {
      try (EtcdjProcess member =
          EtcdjProcess.start(target, tmp.resolve(target.label()), List.of())) {
        answers.add(run(member, target, new SplittableRandom(seed), requests));
      }
    }
    List<String> etcd = answers.get(0);
    List<String> etcdj = answers.get(1);
    List<String> differences = new ArrayList<>();
    for (int i = 0; i < Math.min(etcd.size(), etcdj.size()); i++) {
      if (!etcd.get(i).equals(etcdj.get(i))) {
        differences.add("#" + i + "\n  etcd:  " + etcd.get(i) + "\n  etcdj: " + etcdj.get(i));
      }
    }
    System.out.printf(
        "fuzz seed %d: %d requests, %d answered alike%n",
        seed, etcdj.size(), etcdj.size() - differences.size());
    assertThat(differences)
        .as("seed %d (replay: -Dit.test=FuzzIT -Dfuzz.seed=%d)", seed, seed)
        .isEmpty();
  }

  /** Runs the seeded sequence against one member; returns each request and its answer class. */
  private static List<String> run(
      EtcdjProcess member, Target target, SplittableRandom random, int requests) throws Exception {
    List<String> out = new ArrayList<>();
    ManagedChannel channel =
        io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forTarget(member.endpoint())
            .usePlaintext()
            .maxInboundMessageSize(64 << 20)
            .build();
    try {
      KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
      LeaseGrpc.LeaseBlockingStub lease = LeaseGrpc.newBlockingStub(channel);
      for (int i = 0; i < requests; i++) {
        int kind = random.nextInt(100);
        String answer;
        if (kind < 20) {
          RangeRequest r = range(random, true);
          // etcd 3.4 panics (and exits) sorting by an unknown order or target: etcdj answers,
          // and is checked to stay healthy; the answer is not compared.
          boolean crashesEtcd = r.getSortOrderValue() > 2 || r.getSortTargetValue() > 4;
          if (crashesEtcd) {
            if (target == Target.ETCDJ) {
              call(() -> kv.withDeadlineAfter(20, TimeUnit.SECONDS).range(r));
            }
            answer = "range with an unknown sort enum (etcd 3.4 crashes on it)";
          } else {
            answer =
                "range "
                    + describe(r)
                    + " -> "
                    + call(() -> kv.withDeadlineAfter(20, TimeUnit.SECONDS).range(r));
          }
        } else if (kind < 40) {
          PutRequest p = put(random, true);
          answer =
              "put "
                  + describe(p)
                  + " -> "
                  + call(() -> kv.withDeadlineAfter(20, TimeUnit.SECONDS).put(p));
        } else if (kind < 48) {
          DeleteRangeRequest d =
              DeleteRangeRequest.newBuilder()
                  .setKey(key(random))
                  .setRangeEnd(rangeEnd(random))
                  .setPrevKv(random.nextBoolean())
                  .build();
          answer =
              "delete "
                  + describe(d)
                  + " -> "
                  + call(() -> kv.withDeadlineAfter(20, TimeUnit.SECONDS).deleteRange(d));
        } else if (kind < 65) {
          TxnRequest t = txn(random, 0);
          answer =
              "txn "
                  + describe(t)
                  + " ("
                  + t.getCompareCount()
                  + "/"
                  + t.getSuccessCount()
                  + "/"
                  + t.getFailureCount()
                  + ") -> "
                  + call(() -> kv.withDeadlineAfter(20, TimeUnit.SECONDS).txn(t));
        } else if (kind < 70) {
          CompactionRequest c =
              CompactionRequest.newBuilder()
                  .setRevision(revision(random))
                  .setPhysical(random.nextBoolean())
                  .build();
          // Compacting past what both have written would diverge later reads: only bad revisions.
          answer =
              c.getRevision() > 0 && c.getRevision() < 1_000_000
                  ? "compact skipped"
                  : "compact "
                      + c.getRevision()
                      + " -> "
                      + call(() -> kv.withDeadlineAfter(20, TimeUnit.SECONDS).compact(c));
        } else if (kind < 78) {
          LeaseGrantRequest g =
              LeaseGrantRequest.newBuilder()
                  .setTTL(
                      // TTLs that cannot run out during the run (expiry timing differs).
                      pick(random, 3600, 7200, Long.MAX_VALUE, 9_000_000_001L))
                  .setID(pick(random, 0, -1, 7, Long.MIN_VALUE))
                  .build();
          answer =
              "grant ttl "
                  + g.getTTL()
                  + " id "
                  + g.getID()
                  + " -> "
                  + call(
                      () -> {
                        var r = lease.withDeadlineAfter(20, TimeUnit.SECONDS).leaseGrant(g);
                        // A server-chosen ID differs between members; a client's is echoed.
                        return (g.getID() != 0 ? "id=" + r.getID() + " " : "")
                            + "ttl="
                            + r.getTTL();
                      });
        } else if (kind < 84) {
          long id = pick(random, 0, -1, 7, 12345, Long.MAX_VALUE);
          answer =
              "revoke "
                  + id
                  + " -> "
                  + call(
                      () ->
                          lease
                              .withDeadlineAfter(20, TimeUnit.SECONDS)
                              .leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build()));
        } else if (kind < 88) {
          long id = pick(random, 0, -1, 7, 12345);
          answer =
              "ttl "
                  + id
                  + " -> "
                  + call(
                      () -> {
                        var r =
                            lease
                                .withDeadlineAfter(20, TimeUnit.SECONDS)
                                .leaseTimeToLive(
                                    LeaseTimeToLiveRequest.newBuilder()
                                        .setID(id)
                                        .setKeys(random.nextBoolean())
                                        .build());
                        return r.getTTL() > 0 ? "alive" : "ttl=" + r.getTTL();
                      });
        } else if (kind < 96) {
          answer = "watch -> " + watch(channel, random);
        } else {
          answer = "garbage -> " + garbage(member, random);
        }
        out.add(answer);
        if (i % 100 == 99) {
          assertHealthy(member, kv, i);
        }
      }
      assertHealthy(member, kv, requests);
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
    return out;
  }

  // ---------------------------------------------------------------- generators

  private static long pick(SplittableRandom random, long... values) {
    return values[random.nextInt(values.length)];
  }

  private static ByteString key(SplittableRandom random) {
    return key(random, true);
  }

  /** A key; {@code huge} allows one just over --max-request-bytes (never inside txns). */
  private static ByteString key(SplittableRandom random, boolean huge) {
    return switch (random.nextInt(huge ? 8 : 7)) {
      case 0 -> ByteString.EMPTY;
      case 1 -> ByteString.copyFrom(new byte[] {0});
      case 2 -> ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xff});
      case 3 -> {
        byte[] b = new byte[1 + random.nextInt(16)];
        random.nextBytes(b);
        yield ByteString.copyFrom(b);
      }
      case 7 -> ByteString.copyFrom(new byte[MAX_REQUEST_BYTES + 10]);
      default -> ByteString.copyFromUtf8("k" + random.nextInt(20));
    };
  }

  private static ByteString rangeEnd(SplittableRandom random) {
    return switch (random.nextInt(6)) {
      case 0 -> ByteString.copyFrom(new byte[] {0});
      case 1 -> ByteString.copyFromUtf8("a"); // before most keys: an inverted range
      case 2 -> ByteString.copyFromUtf8("k" + random.nextInt(20));
      default -> ByteString.EMPTY;
    };
  }

  private static long revision(SplittableRandom random) {
    return pick(random, 0, 0, 1, 2, -1, Long.MIN_VALUE, 1L << 40, Long.MAX_VALUE);
  }

  private static RangeRequest range(SplittableRandom random, boolean unknownEnums) {
    return RangeRequest.newBuilder()
        .setKey(key(random, unknownEnums))
        .setRangeEnd(rangeEnd(random))
        .setRevision(revision(random))
        .setLimit(pick(random, 0, 0, 1, -1, Long.MAX_VALUE))
        .setSortOrderValue(random.nextInt(unknownEnums ? 5 : 3))
        .setSortTargetValue(random.nextInt(unknownEnums ? 7 : 5))
        .setSerializable(random.nextBoolean())
        .setKeysOnly(random.nextBoolean())
        .setCountOnly(random.nextInt(4) == 0)
        .setMinModRevision(pick(random, 0, 0, -1, 3, Long.MAX_VALUE))
        .setMaxCreateRevision(pick(random, 0, 0, -1, 3))
        .build();
  }

  private static PutRequest put(SplittableRandom random, boolean huge) {
    PutRequest.Builder b =
        PutRequest.newBuilder()
            .setKey(key(random, huge))
            .setPrevKv(random.nextBoolean())
            .setLease(pick(random, 0, 0, 0, -1, 12345));
    if (random.nextInt(3) > 0) {
      b.setValue(ByteString.copyFromUtf8("v" + random.nextInt(100)));
    }
    if (random.nextInt(6) == 0) {
      b.setIgnoreValue(true);
    }
    if (random.nextInt(6) == 0) {
      b.setIgnoreLease(true);
    }
    return b.build();
  }

  private static TxnRequest txn(SplittableRandom random, int depth) {
    TxnRequest.Builder t = TxnRequest.newBuilder();
    int compares = random.nextInt(4) == 0 ? 129 : random.nextInt(3);
    for (int i = 0; i < compares; i++) {
      Compare.Builder c =
          Compare.newBuilder()
              .setKey(key(random, false))
              .setRangeEnd(rangeEnd(random))
              .setResultValue(random.nextInt(5))
              .setTargetValue(random.nextInt(6));
      switch (random.nextInt(5)) {
        case 0 -> c.setVersion(pick(random, 0, 1, -1));
        case 1 -> c.setCreateRevision(pick(random, 0, 1, -1));
        case 2 -> c.setModRevision(pick(random, 0, 1, Long.MAX_VALUE));
        case 3 -> c.setValue(ByteString.copyFromUtf8("v1"));
        default -> c.setLease(pick(random, 0, 12345));
      }
      t.addCompare(c);
    }
    int ops = random.nextInt(5) == 0 ? 129 : random.nextInt(4);
    for (int i = 0; i < ops; i++) {
      t.addSuccess(op(random, depth));
    }
    for (int i = 0, n = random.nextInt(3); i < n; i++) {
      t.addFailure(op(random, depth));
    }
    return t.build();
  }

  private static RequestOp op(SplittableRandom random, int depth) {
    return switch (random.nextInt(depth < 2 ? 5 : 4)) {
      case 0 -> RequestOp.newBuilder().setRequestRange(range(random, false)).build();
      case 1 ->
          RequestOp.newBuilder()
              .setRequestDeleteRange(
                  DeleteRangeRequest.newBuilder()
                      .setKey(key(random, false))
                      .setRangeEnd(rangeEnd(random)))
              .build();
      case 2 -> RequestOp.getDefaultInstance(); // no request set
      case 4 -> RequestOp.newBuilder().setRequestTxn(txn(random, depth + 1)).build();
      default -> RequestOp.newBuilder().setRequestPut(put(random, false)).build();
    };
  }

  // ---------------------------------------------------------------- streams and garbage

  /** A watch with random options; its first answer, then the stream is cut off. */
  private static String watch(ManagedChannel channel, SplittableRandom random)
      throws InterruptedException {
    CountDownLatch first = new CountDownLatch(1);
    String[] seen = {"no answer"};
    StreamObserver<WatchRequest> in =
        WatchGrpc.newStub(channel)
            .watch(
                new StreamObserver<>() {
                  @Override
                  public void onNext(WatchResponse r) {
                    if (first.getCount() > 0) {
                      seen[0] =
                          (r.getCreated() ? "created" : "")
                              + (r.getCanceled() ? " canceled " + r.getCancelReason() : "")
                              + (r.getCompactRevision() != 0 ? " compacted" : "");
                      first.countDown();
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    if (first.getCount() > 0) {
                      seen[0] = "error " + io.grpc.Status.fromThrowable(t).getCode();
                      first.countDown();
                    }
                  }

                  @Override
                  public void onCompleted() {
                    first.countDown();
                  }
                });
    ByteString key = key(random);
    WatchCreateRequest create =
        WatchCreateRequest.newBuilder()
            .setKey(key.size() > 1000 ? ByteString.EMPTY : key)
            .setRangeEnd(rangeEnd(random))
            .setStartRevision(pick(random, 0, 0, 1, -1, 1L << 40))
            .setPrevKv(random.nextBoolean())
            .setFragment(random.nextBoolean())
            .setProgressNotify(random.nextBoolean())
            .addFiltersValue(random.nextInt(3))
            .build();
    in.onNext(WatchRequest.newBuilder().setCreateRequest(create).build());
    boolean answered = first.await(10, TimeUnit.SECONDS);
    String answer = answered ? seen[0].strip() : "no answer in 10 s";
    if (random.nextBoolean()) {
      in.onError(new RuntimeException("cut off")); // a client that goes away mid-stream
    } else {
      in.onCompleted();
    }
    return describe(create) + " -> " + answer;
  }

  /** Random bytes (or a truncated HTTP/2 preface) on the client or the peer port. */
  private static String garbage(EtcdjProcess member, SplittableRandom random) {
    boolean peer = random.nextBoolean();
    URI url = URI.create(peer ? member.peerUrl() : member.clientUrl());
    byte[] junk = new byte[1 + random.nextInt(4096)];
    random.nextBytes(junk);
    if (random.nextBoolean()) {
      byte[] preface =
          "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      System.arraycopy(preface, 0, junk, 0, Math.min(preface.length, junk.length));
    }
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(url.getHost(), url.getPort()), 5000);
      socket.setSoTimeout(1000);
      OutputStream out = socket.getOutputStream();
      out.write(junk);
      out.flush();
      try {
        socket.getInputStream().read(new byte[1024]);
      } catch (java.io.IOException timeoutOrReset) {
        // the server may answer, wait or reset: any is fine
      }
    } catch (java.io.IOException refusedWrite) {
      // the server closed the connection on the garbage: fine
    }
    return "sent " + (peer ? "to the peer port" : "to the client port");
  }

  // ---------------------------------------------------------------- answers

  private static String call(Supplier<Object> rpc) {
    try {
      Object r = rpc.get();
      return r instanceof String s ? "OK " + s : "OK";
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() + ": " + e.getStatus().getDescription();
    }
  }

  private static String describe(com.google.protobuf.MessageOrBuilder m) {
    String text = com.google.protobuf.TextFormat.shortDebugString(m);
    return text.length() > 400 ? text.substring(0, 400) + "… (" + text.length() + " chars)" : text;
  }

  private static void assertHealthy(EtcdjProcess member, KVGrpc.KVBlockingStub kv, int after) {
    assertThat(member.isAlive())
        .as("%s alive after %d requests; its log:%n%s", member.target(), after, member.logTail(40))
        .isTrue();
    ByteString key = ByteString.copyFromUtf8("fuzz/health");
    ByteString value = ByteString.copyFromUtf8("after " + after);
    kv.withDeadlineAfter(20, TimeUnit.SECONDS)
        .put(PutRequest.newBuilder().setKey(key).setValue(value).build());
    var r =
        kv.withDeadlineAfter(20, TimeUnit.SECONDS)
            .range(RangeRequest.newBuilder().setKey(key).build());
    assertThat(r.getKvs(0).getValue()).as("read after %d requests", after).isEqualTo(value);
  }
}
