package io.etcdj.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.LeaseGrpc;
import io.etcdj.api.etcdserverpb.LeaseLeasesRequest;
import io.etcdj.api.etcdserverpb.LeaseLeasesResponse;
import io.etcdj.api.etcdserverpb.LeaseStatus;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.PutResponse;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.api.etcdserverpb.WatchCreateRequest;
import io.etcdj.api.etcdserverpb.WatchGrpc;
import io.etcdj.api.etcdserverpb.WatchRequest;
import io.etcdj.api.etcdserverpb.WatchResponse;
import io.etcdj.api.mvccpb.Event;
import io.etcdj.api.mvccpb.KeyValue;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Proves the generated stubs are wire-compatible with etcd: the real {@code etcdctl} 3.4 (Debian
 * package {@code etcd-client}) talks to a small in-test server built on them. The server is a
 * trivial map with a revision counter, just enough for each command to see real responses.
 */
class EtcdctlInteropTest {
  private static final long CLUSTER_ID = 0x7e1de051b63089b8L;
  private static final long MEMBER_ID = 0x8876210cd96651c6L;

  private Server server;
  private final TrivialStore store = new TrivialStore();

  @BeforeEach
  void startServer() throws IOException {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(new TrivialKv(store))
            .addService(new TrivialLease())
            .addService(new TrivialWatch(store))
            .build()
            .start();
  }

  @AfterEach
  void stopServer() throws InterruptedException {
    server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
  }

  @Test
  void etcdctlPutsAndGetsThroughTheGeneratedKvService() throws Exception {
    assertThat(etcdctl("put", "foo", "bar")).isEqualTo(new Result(0, "OK\n"));
    assertThat(etcdctl("put", "foo", "baz")).isEqualTo(new Result(0, "OK\n"));
    assertThat(etcdctl("get", "foo")).isEqualTo(new Result(0, "foo\nbaz\n"));
    assertThat(etcdctl("get", "foo", "-w", "json").stdout())
        .isEqualTo(
            "{\"header\":{\"cluster_id\":9087666264657136056,\"member_id\":9833083175480742342,"
                + "\"revision\":3,\"raft_term\":2},\"kvs\":[{\"key\":\"Zm9v\",\"create_revision\":2,"
                + "\"mod_revision\":3,\"version\":2,\"value\":\"YmF6\"}],\"count\":1}\n");
  }

  @Test
  void etcdctlSeesTheGrpcErrorMessageOfTheServer() throws Exception {
    Result result = etcdctl("get", "missing-key-means-error");
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.stdout()).isEmpty();
    // etcdctl knows etcd's error messages and prints them bare, after the Go client's retry log.
    assertThat(result.stderr())
        .endsWith("\nError: etcdserver: mvcc: required revision is a future revision\n");
  }

  @Test
  void etcdctlListsLeasesThroughLeaseLeasesWhichJetcdsProtosLack() throws Exception {
    assertThat(etcdctl("lease", "list"))
        .isEqualTo(new Result(0, "found 2 leases\n51c6a209f787743c\n000000000000002a\n"));
  }

  @Test
  void etcdctlWatchReceivesHistoricalEventsOnTheBidirectionalStream() throws Exception {
    etcdctl("put", "w1", "a");
    etcdctl("put", "w1", "b");
    // The test server cancels the watch after the history; etcdctl exits 5 on a server cancel.
    Result result = etcdctl("watch", "w1", "--rev=1");
    assertThat(result.stdout()).isEqualTo("PUT\nw1\na\nPUT\nw1\nb\n");
    assertThat(result.exitCode()).isEqualTo(5);
    assertThat(result.stderr()).isEqualTo("Error: watch is canceled by the server\n");
  }

  record Result(int exitCode, String stdout, String stderr) {
    Result(int exitCode, String stdout) {
      this(exitCode, stdout, "");
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Result that
          && exitCode == that.exitCode
          && stdout.equals(that.stdout);
    }

    @Override
    public int hashCode() {
      return 31 * exitCode + stdout.hashCode();
    }
  }

  private Result etcdctl(String... args) throws IOException, InterruptedException {
    String binary = System.getenv().getOrDefault("ETCDCTL_BINARY", "/usr/bin/etcdctl");
    assertThat(new File(binary))
        .as("real etcdctl 3.4 (apt-get install etcd-client, which ./test and .ci/run do)")
        .isExecutable();
    List<String> command = new ArrayList<>();
    command.add(binary);
    command.add("--endpoints=127.0.0.1:" + server.getPort());
    command.add("--dial-timeout=5s");
    command.add("--command-timeout=5s");
    command.addAll(List.of(args));
    File stderr = File.createTempFile("etcdctl", ".stderr");
    try {
      ProcessBuilder builder = new ProcessBuilder(command);
      builder.environment().put("ETCDCTL_API", "3");
      builder.redirectError(stderr);
      builder.redirectOutput(ProcessBuilder.Redirect.PIPE);
      Process process = builder.start();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("etcdctl did not finish within 20 s: " + command);
      }
      byte[] out = process.getInputStream().readAllBytes();
      return new Result(
          process.exitValue(),
          new String(out, StandardCharsets.UTF_8),
          Files.readString(stderr.toPath(), StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(stderr.toPath());
    }
  }

  /** A map with a revision counter; guarded by a lock because gRPC calls run concurrently. */
  static final class TrivialStore {
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<ByteString, KeyValue> latest =
        new TreeMap<>(ByteString.unsignedLexicographicalComparator());
    private final List<KeyValue> history = new ArrayList<>();
    private long revision = 1;

    long put(ByteString key, ByteString value) {
      lock.lock();
      try {
        revision++;
        KeyValue previous = latest.get(key);
        KeyValue next =
            KeyValue.newBuilder()
                .setKey(key)
                .setValue(value)
                .setCreateRevision(previous == null ? revision : previous.getCreateRevision())
                .setModRevision(revision)
                .setVersion(previous == null ? 1 : previous.getVersion() + 1)
                .build();
        latest.put(key, next);
        history.add(next);
        return revision;
      } finally {
        lock.unlock();
      }
    }

    RangeResponse get(ByteString key) {
      lock.lock();
      try {
        KeyValue kv = latest.get(key);
        RangeResponse.Builder response = RangeResponse.newBuilder().setHeader(header(revision));
        if (kv != null) {
          response.addKvs(kv).setCount(1);
        }
        return response.build();
      } finally {
        lock.unlock();
      }
    }

    List<KeyValue> historyOf(ByteString key, long fromRevision) {
      lock.lock();
      try {
        return history.stream()
            .filter(kv -> kv.getKey().equals(key) && kv.getModRevision() >= fromRevision)
            .toList();
      } finally {
        lock.unlock();
      }
    }

    long revision() {
      lock.lock();
      try {
        return revision;
      } finally {
        lock.unlock();
      }
    }
  }

  static ResponseHeader header(long revision) {
    return ResponseHeader.newBuilder()
        .setClusterId(CLUSTER_ID)
        .setMemberId(MEMBER_ID)
        .setRevision(revision)
        .setRaftTerm(2)
        .build();
  }

  static final class TrivialKv extends KVGrpc.KVImplBase {
    private final TrivialStore store;

    TrivialKv(TrivialStore store) {
      this.store = store;
    }

    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> response) {
      long revision = store.put(request.getKey(), request.getValue());
      response.onNext(PutResponse.newBuilder().setHeader(header(revision)).build());
      response.onCompleted();
    }

    @Override
    public void range(RangeRequest request, StreamObserver<RangeResponse> response) {
      if (request.getKey().toStringUtf8().startsWith("missing")) {
        response.onError(
            Status.OUT_OF_RANGE
                .withDescription("etcdserver: mvcc: required revision is a future revision")
                .asException());
        return;
      }
      response.onNext(store.get(request.getKey()));
      response.onCompleted();
    }
  }

  static final class TrivialLease extends LeaseGrpc.LeaseImplBase {
    @Override
    public void leaseLeases(
        LeaseLeasesRequest request, StreamObserver<LeaseLeasesResponse> response) {
      response.onNext(
          LeaseLeasesResponse.newBuilder()
              .setHeader(header(1))
              .addLeases(LeaseStatus.newBuilder().setID(0x51c6a209f787743cL))
              .addLeases(LeaseStatus.newBuilder().setID(42))
              .build());
      response.onCompleted();
    }
  }

  static final class TrivialWatch extends WatchGrpc.WatchImplBase {
    private final TrivialStore store;

    TrivialWatch(TrivialStore store) {
      this.store = store;
    }

    @Override
    public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
      return new StreamObserver<>() {
        @Override
        public void onNext(WatchRequest request) {
          WatchCreateRequest create = request.getCreateRequest();
          long current = store.revision();
          responses.onNext(
              WatchResponse.newBuilder().setHeader(header(current)).setCreated(true).build());
          WatchResponse.Builder events = WatchResponse.newBuilder().setHeader(header(current));
          for (KeyValue kv : store.historyOf(create.getKey(), create.getStartRevision())) {
            events.addEvents(Event.newBuilder().setType(Event.EventType.PUT).setKv(kv));
          }
          responses.onNext(events.build());
          // Cancel, so etcdctl ends by itself instead of re-opening the stream; a second
          // later, because etcd's Go client may drop events that arrive together with their
          // watch's cancel.
          WatchResponse cancel =
              WatchResponse.newBuilder()
                  .setHeader(header(current))
                  .setCanceled(true)
                  .setCancelReason("history sent")
                  .build();
          java.util.concurrent.CompletableFuture.runAsync(
              () -> responses.onNext(cancel),
              java.util.concurrent.CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS));
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      };
    }
  }
}
