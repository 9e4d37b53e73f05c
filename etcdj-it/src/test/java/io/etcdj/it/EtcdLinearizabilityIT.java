package io.etcdj.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.Compare;
import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.DeleteRangeResponse;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.RequestOp;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.api.etcdserverpb.TxnResponse;
import io.etcdj.bench.EtcdProcess;
import io.etcdj.simulation.linearizability.KvModel;
import io.etcdj.simulation.linearizability.KvOperation;
import io.etcdj.simulation.linearizability.LinearizabilityChecker;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The linearizability checker against real etcd 3.4: concurrent clients' recorded histories pass,
 * and the same history with one read's answer falsified fails. This is the check the fault tests
 * will run on etcdj (issue #7); here it proves the checker itself, on the reference implementation.
 */
class EtcdLinearizabilityIT {
  @TempDir Path tmp;

  @Test
  void concurrentHistoriesOfRealEtcdAreLinearizableAndAFalsifiedReadIsCaught() throws Exception {
    try (EtcdProcess etcd = EtcdProcess.start(tmp.resolve("etcd"), List.of())) {
      ManagedChannel channel =
          NettyChannelBuilder.forTarget(etcd.endpoint()).usePlaintext().build();
      try {
        List<KvOperation> history = Collections.synchronizedList(new ArrayList<>());
        int clients = 4;
        int perClient = 120;
        List<Thread> threads = new ArrayList<>();
        SplittableRandom root = new SplittableRandom(42);
        for (int c = 0; c < clients; c++) {
          int client = c;
          SplittableRandom random = root.split();
          KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
          threads.add(
              Thread.ofVirtual()
                  .start(
                      () -> {
                        long lastModSeen = 0;
                        for (int i = 0; i < perClient; i++) {
                          String key = "k" + random.nextInt(3);
                          KvOperation.Request request =
                              switch (random.nextInt(4)) {
                                case 0 -> new KvOperation.Put(key, "c" + client + "-" + i);
                                case 1 -> new KvOperation.Get(key);
                                case 2 -> new KvOperation.Delete(key);
                                default ->
                                    new KvOperation.CompareAndSet(
                                        key, lastModSeen, "cas" + client + "-" + i);
                              };
                          long call = System.nanoTime();
                          KvOperation.Response response;
                          try {
                            response = execute(kv.withDeadlineAfter(5, TimeUnit.SECONDS), request);
                          } catch (StatusRuntimeException e) {
                            response = null; // outcome unknown
                          }
                          long ret = System.nanoTime();
                          if (response instanceof KvOperation.GetResponse g) {
                            lastModSeen = g.modRevision();
                          }
                          history.add(new KvOperation(client, request, call, ret, response));
                        }
                      }));
        }
        for (Thread t : threads) {
          t.join();
        }
        assertThat(history).hasSize(clients * perClient);
        List<KvOperation> recorded = List.copyOf(history);
        LinearizabilityChecker.Result result =
            LinearizabilityChecker.check(KvModel.INITIAL, recorded, 50_000_000);
        assertThat(result)
            .as(
                result instanceof LinearizabilityChecker.Result.NotLinearizable n
                    ? n.explain()
                    : "")
            .isInstanceOf(LinearizabilityChecker.Result.Linearizable.class);

        List<KvOperation> broken = new ArrayList<>(recorded);
        for (int i = broken.size() - 1; i >= 0; i--) {
          KvOperation o = broken.get(i);
          if (o.response() instanceof KvOperation.GetResponse g && g.value() != null) {
            broken.set(
                i,
                new KvOperation(
                    o.client(),
                    o.request(),
                    o.callTime(),
                    o.returnTime(),
                    new KvOperation.GetResponse(g.revision(), "never-written", g.modRevision())));
            break;
          }
        }
        assertThat(LinearizabilityChecker.check(KvModel.INITIAL, broken, 50_000_000))
            .isInstanceOf(LinearizabilityChecker.Result.NotLinearizable.class);
      } finally {
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  static KvOperation.Response execute(KVGrpc.KVBlockingStub kv, KvOperation.Request request) {
    return switch (request) {
      case KvOperation.Put p ->
          new KvOperation.PutResponse(
              kv.put(
                      PutRequest.newBuilder()
                          .setKey(bytes(p.key()))
                          .setValue(bytes(p.value()))
                          .build())
                  .getHeader()
                  .getRevision());
      case KvOperation.Get g -> {
        RangeResponse r = kv.range(RangeRequest.newBuilder().setKey(bytes(g.key())).build());
        yield r.getKvsCount() == 0
            ? new KvOperation.GetResponse(r.getHeader().getRevision(), null, 0)
            : new KvOperation.GetResponse(
                r.getHeader().getRevision(),
                r.getKvs(0).getValue().toStringUtf8(),
                r.getKvs(0).getModRevision());
      }
      case KvOperation.Delete d -> {
        DeleteRangeResponse r =
            kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(bytes(d.key())).build());
        yield new KvOperation.DeleteResponse(r.getHeader().getRevision(), r.getDeleted());
      }
      case KvOperation.CompareAndSet c -> {
        TxnResponse r =
            kv.txn(
                TxnRequest.newBuilder()
                    .addCompare(
                        Compare.newBuilder()
                            .setKey(bytes(c.key()))
                            .setTarget(Compare.CompareTarget.MOD)
                            .setResult(Compare.CompareResult.EQUAL)
                            .setModRevision(c.expectedModRevision()))
                    .addSuccess(
                        RequestOp.newBuilder()
                            .setRequestPut(
                                PutRequest.newBuilder()
                                    .setKey(bytes(c.key()))
                                    .setValue(bytes(c.value()))))
                    .build());
        yield new KvOperation.CompareAndSetResponse(r.getHeader().getRevision(), r.getSucceeded());
      }
    };
  }

  static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }
}
