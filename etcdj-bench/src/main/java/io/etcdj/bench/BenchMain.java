package io.etcdj.bench;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.CompactionRequest;
import io.etcdj.api.etcdserverpb.DefragmentRequest;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.LeaseGrantRequest;
import io.etcdj.api.etcdserverpb.LeaseGrpc;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveRequest;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveResponse;
import io.etcdj.api.etcdserverpb.MaintenanceGrpc;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RequestOp;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.api.etcdserverpb.WatchCreateRequest;
import io.etcdj.api.etcdserverpb.WatchGrpc;
import io.etcdj.api.etcdserverpb.WatchRequest;
import io.etcdj.api.etcdserverpb.WatchResponse;
import io.etcdj.api.mvccpb.Event;
import io.grpc.stub.StreamObserver;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code etcdj-bench}: a load generator for any etcd v3 endpoint (etcd or etcdj), modelled on
 * etcd's benchmark tool. Each command prints etcd-style summary, histogram and percentiles, or one
 * JSON object with {@code --json}.
 */
@Command(
    name = "etcdj-bench",
    mixinStandardHelpOptions = true,
    subcommands = {
      BenchMain.Put.class,
      BenchMain.Range.class,
      BenchMain.TxnPut.class,
      BenchMain.TxnMixed.class,
      BenchMain.LeaseKeepalive.class,
      BenchMain.Watch.class,
      BenchMain.WatchLatency.class,
      BenchMain.Fsync.class,
      Compare.class
    },
    description = "Load generator for etcd's v3 API (etcd and etcdj alike).")
public final class BenchMain implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @SuppressWarnings("NullAway.Init") // picocli injects spec
  public BenchMain() {}

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchMain()).execute(args));
  }

  /** Options every command shares. */
  static final class Common {
    @Option(
        names = "--endpoints",
        split = ",",
        defaultValue = "127.0.0.1:2379",
        description = "gRPC endpoints")
    List<String> endpoints = List.of("127.0.0.1:2379");

    @Option(names = "--clients", defaultValue = "1", description = "concurrent clients")
    int clients = 1;

    @Option(names = "--conns", defaultValue = "1", description = "gRPC connections")
    int conns = 1;

    @Option(
        names = "--total",
        defaultValue = "0",
        description = "requests in all (default 10000 unless --duration)")
    long total;

    @Option(
        names = "--duration",
        defaultValue = "0s",
        description = "run this long instead (e.g. 30s, 2m)")
    String duration = "0s";

    @Option(
        names = "--rate",
        defaultValue = "0",
        description = "requests per second over all clients (0: as fast as possible)")
    double rate;

    @Option(names = "--key-size", defaultValue = "8", description = "key size in bytes")
    int keySize = 8;

    @Option(names = "--val-size", defaultValue = "8", description = "value size in bytes")
    int valSize = 8;

    @Option(names = "--key-space-size", defaultValue = "1", description = "distinct keys")
    long keySpaceSize = 1;

    @Option(names = "--sequential-keys", description = "keys in order instead of random")
    boolean sequentialKeys;

    @Option(names = "--seed", defaultValue = "1", description = "seed for keys and values")
    long seed = 1;

    @Option(names = "--json", description = "print one JSON object instead of text")
    boolean json;

    @Option(names = "--no-progress", description = "no progress bar")
    boolean noProgress;

    LoadRunner.Limits limits() {
      Duration d = parseDuration(duration);
      long t = total > 0 ? total : (d.isZero() ? 10_000 : 0);
      return new LoadRunner.Limits(t, d, rate);
    }

    boolean progress() {
      return !noProgress && !json && System.console() != null;
    }

    Keys keys() {
      return new Keys(keySize, keySpaceSize, sequentialKeys, valSize, seed);
    }

    /** Prints {@code report}; the exit code is 1 if any request failed. */
    int finish(Report report) {
      print(report);
      return report.failures() == 0 ? 0 : 1;
    }

    void print(Report report) {
      PrintStream out = System.out;
      out.println(json ? report.json() : report.text());
      out.flush();
    }
  }

  static Duration parseDuration(String text) {
    var m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)?").matcher(text.trim());
    if (!m.matches()) {
      throw new CommandLine.TypeConversionException("invalid duration: " + text);
    }
    double n = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    double seconds =
        switch (unit) {
          case "ms" -> n / 1000;
          case "m" -> n * 60;
          case "h" -> n * 3600;
          default -> n;
        };
    return Duration.ofNanos((long) (seconds * 1e9));
  }

  /** Per-client random generators, split from the seed, so runs are repeatable. */
  static SplittableRandom[] randoms(long seed, int clients) {
    SplittableRandom root = new SplittableRandom(seed);
    SplittableRandom[] r = new SplittableRandom[clients];
    for (int i = 0; i < clients; i++) {
      r[i] = root.split();
    }
    return r;
  }

  @Command(name = "put", description = "Puts keys (random or sequential in --key-space-size).")
  static final class Put implements java.util.concurrent.Callable<Integer> {
    @Mixin Common common = new Common();

    @Option(
        names = "--during",
        defaultValue = "",
        description =
            "compact (physically, at the current revision) or defrag: started once the load has"
                + " completed 100 puts, which then ends when it returns; adds maintenanceSeconds")
    String during = "";

    @Override
    public Integer call() throws Exception {
      if (!during.isEmpty() && !during.equals("compact") && !during.equals("defrag")) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--during must be compact or defrag, not " + during);
      }
      Keys keys = common.keys();
      SplittableRandom[] random = randoms(common.seed, common.clients);
      try (Connections connections =
          new Connections(common.endpoints, common.conns).awaitReady(10)) {
        KVGrpc.KVBlockingStub[] stubs = kvStubs(connections, common.clients);
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch loadRunning = new CountDownLatch(during.isEmpty() ? 0 : 100);
        CompletableFuture<Double> maintenance =
            during.isEmpty()
                ? CompletableFuture.completedFuture(0.0)
                : maintenanceDuringLoad(during, connections.forClient(0), loadRunning, stop);
        Report report =
            LoadRunner.run(
                "put",
                common.clients,
                common.limits(),
                stop,
                (client, sequence) -> {
                  stubs[client].put(
                      PutRequest.newBuilder()
                          .setKey(keys.keyFor(sequence, random[client]))
                          .setValue(keys.value())
                          .build());
                  loadRunning.countDown();
                },
                common.progress(),
                System.err);
        if (!during.isEmpty()) {
          report = LoadRunner.withExtra(report, Map.of("maintenanceSeconds", maintenance.join()));
        }
        return common.finish(report);
      }
    }
  }

  /**
   * Once {@code loadRunning} reaches zero (the load is under way; at most 60 s) runs {@code what}
   * (compact or defrag) on {@code channel}, then sets {@code stop}; the future holds how long the
   * call took, or its failure.
   */
  static CompletableFuture<Double> maintenanceDuringLoad(
      String what, io.grpc.Channel channel, CountDownLatch loadRunning, AtomicBoolean stop) {
    CompletableFuture<Double> took = new CompletableFuture<>();
    Thread.ofPlatform()
        .daemon()
        .name("bench-" + what)
        .start(
            () -> {
              try {
                if (!loadRunning.await(60, TimeUnit.SECONDS)) {
                  throw new IllegalStateException("the load did not get going within 60 s");
                }
                long begin = System.nanoTime();
                if (what.equals("compact")) {
                  long revision =
                      KVGrpc.newBlockingStub(channel)
                          .range(
                              RangeRequest.newBuilder()
                                  .setKey(ByteString.copyFromUtf8("etcdj-bench"))
                                  .build())
                          .getHeader()
                          .getRevision();
                  KVGrpc.newBlockingStub(channel)
                      .compact(
                          CompactionRequest.newBuilder()
                              .setRevision(revision)
                              .setPhysical(true)
                              .build());
                } else {
                  MaintenanceGrpc.newBlockingStub(channel)
                      .defragment(DefragmentRequest.getDefaultInstance());
                }
                took.complete((System.nanoTime() - begin) / 1e9);
              } catch (InterruptedException | RuntimeException e) {
                took.completeExceptionally(e);
              } finally {
                stop.set(true);
              }
            });
    return took;
  }

  @Command(
      name = "fsync",
      description =
          "The disk's own latency for a WAL-sized write: appends --val-size bytes to a preallocated"
              + " file in --dir and fdatasyncs it, one write at a time.")
  static final class Fsync implements java.util.concurrent.Callable<Integer> {
    @Mixin Common common = new Common();

    @Option(
        names = "--dir",
        defaultValue = "${java.io.tmpdir}",
        description = "where the file goes (the disk the servers' data is on)")
    java.nio.file.Path dir = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));

    @Override
    public Integer call() throws Exception {
      java.nio.file.Path file =
          java.nio.file.Files.createTempFile(dir, "etcdj-bench-fsync", ".tmp");
      try (java.nio.channels.FileChannel channel =
          java.nio.channels.FileChannel.open(
              file,
              java.nio.file.StandardOpenOption.WRITE,
              java.nio.file.StandardOpenOption.READ)) {
        long size = 64L << 20; // a WAL segment, zero-filled and synced as etcd preallocates one
        java.nio.ByteBuffer zeros = java.nio.ByteBuffer.allocate(1 << 20);
        for (long at = 0; at < size; at += zeros.capacity()) {
          zeros.clear();
          channel.write(zeros, at);
        }
        channel.force(true);
        byte[] record = common.keys().value().toByteArray();
        long[] offset = {0};
        Report report =
            LoadRunner.run(
                "fsync",
                1,
                common.limits(),
                (client, sequence) -> {
                  if (offset[0] + record.length > size) {
                    offset[0] = 0;
                  }
                  channel.write(java.nio.ByteBuffer.wrap(record), offset[0]);
                  offset[0] += record.length;
                  channel.force(false);
                },
                common.progress(),
                System.err);
        return common.finish(report);
      } finally {
        java.nio.file.Files.deleteIfExists(file);
      }
    }
  }

  @Command(name = "range", description = "Ranges over [key, end) (a single key without end).")
  static final class Range implements java.util.concurrent.Callable<Integer> {
    @Mixin Common common = new Common();

    @Parameters(index = "0", description = "key")
    String key = "";

    @Parameters(index = "1", arity = "0..1", description = "range end")
    String end = "";

    @Option(
        names = "--consistency",
        defaultValue = "l",
        description = "l (linearizable) or s (serializable)")
    String consistency = "l";

    @Option(names = "--rev", defaultValue = "0", description = "revision to read at (0: current)")
    long revision;

    @Override
    public Integer call() throws Exception {
      RangeRequest request =
          RangeRequest.newBuilder()
              .setKey(ByteString.copyFromUtf8(key))
              .setRangeEnd(ByteString.copyFromUtf8(end))
              .setRevision(revision)
              .setSerializable(consistency.equals("s"))
              .build();
      try (Connections connections =
          new Connections(common.endpoints, common.conns).awaitReady(10)) {
        KVGrpc.KVBlockingStub[] stubs = kvStubs(connections, common.clients);
        Report report =
            LoadRunner.run(
                "range",
                common.clients,
                common.limits(),
                (client, sequence) -> stubs[client].range(request),
                common.progress(),
                System.err);
        return common.finish(report);
      }
    }
  }

  @Command(name = "txn-put", description = "Transactions of --txn-ops puts each.")
  static final class TxnPut implements java.util.concurrent.Callable<Integer> {
    @Mixin Common common = new Common();

    @Option(names = "--txn-ops", defaultValue = "1", description = "puts per transaction")
    int txnOps = 1;

    @Override
    public Integer call() throws Exception {
      Keys keys = common.keys();
      try (Connections connections =
          new Connections(common.endpoints, common.conns).awaitReady(10)) {
        KVGrpc.KVBlockingStub[] stubs = kvStubs(connections, common.clients);
        Report report =
            LoadRunner.run(
                "txn-put",
                common.clients,
                common.limits(),
                (client, sequence) -> {
                  TxnRequest.Builder txn = TxnRequest.newBuilder();
                  for (int j = 0; j < txnOps; j++) {
                    // Distinct keys in one txn: etcd refuses duplicate puts in a branch.
                    ByteString key = Keys.key(sequence * txnOps + j, common.keySize);
                    txn.addSuccess(
                        RequestOp.newBuilder()
                            .setRequestPut(
                                PutRequest.newBuilder().setKey(key).setValue(keys.value())));
                  }
                  stubs[client].txn(txn.build());
                },
                common.progress(),
                System.err);
        return common.finish(report);
      }
    }
  }

  @Command(
      name = "txn-mixed",
      description = "Transactions that each read or write one key, --rw-ratio reads per write.")
  static final class TxnMixed implements java.util.concurrent.Callable<Integer> {
    @Mixin Common common = new Common();

    @Option(names = "--rw-ratio", defaultValue = "1", description = "reads per write")
    double rwRatio = 1;

    @Option(names = "--consistency", defaultValue = "l", description = "l or s for the reads")
    String consistency = "l";

    @Override
    public Integer call() throws Exception {
      Keys keys = common.keys();
      SplittableRandom[] random = randoms(common.seed, common.clients);
      double readShare = rwRatio / (rwRatio + 1);
      AtomicLong reads = new AtomicLong();
      AtomicLong writes = new AtomicLong();
      try (Connections connections =
          new Connections(common.endpoints, common.conns).awaitReady(10)) {
        KVGrpc.KVBlockingStub[] stubs = kvStubs(connections, common.clients);
        Report report =
            LoadRunner.run(
                "txn-mixed",
                common.clients,
                common.limits(),
                (client, sequence) -> {
                  ByteString key = keys.keyFor(sequence, random[client]);
                  RequestOp op;
                  if (random[client].nextDouble() < readShare) {
                    reads.incrementAndGet();
                    op =
                        RequestOp.newBuilder()
                            .setRequestRange(
                                RangeRequest.newBuilder()
                                    .setKey(key)
                                    .setSerializable(consistency.equals("s")))
                            .build();
                  } else {
                    writes.incrementAndGet();
                    op =
                        RequestOp.newBuilder()
                            .setRequestPut(
                                PutRequest.newBuilder().setKey(key).setValue(keys.value()))
                            .build();
                  }
                  stubs[client].txn(TxnRequest.newBuilder().addSuccess(op).build());
                },
                common.progress(),
                System.err);
        report =
            LoadRunner.withExtra(
                report, Map.of("reads", (double) reads.get(), "writes", (double) writes.get()));
        return common.finish(report);
      }
    }
  }

  @Command(
      name = "lease-keepalive",
      description = "Each client keeps one lease alive: one request, one response at a time.")
  static final class LeaseKeepalive implements java.util.concurrent.Callable<Integer> {
    @Mixin Common common = new Common();

    @Option(names = "--ttl", defaultValue = "60", description = "lease TTL in seconds")
    long ttl = 60;

    @Override
    public Integer call() throws Exception {
      try (Connections connections =
          new Connections(common.endpoints, common.conns).awaitReady(10)) {
        long[] leases = new long[common.clients];
        List<StreamObserver<LeaseKeepAliveRequest>> streams = new ArrayList<>();
        List<BlockingQueue<Object>> answers = new ArrayList<>();
        for (int c = 0; c < common.clients; c++) {
          leases[c] =
              LeaseGrpc.newBlockingStub(connections.forClient(c))
                  .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttl).build())
                  .getID();
          BlockingQueue<Object> queue = new ArrayBlockingQueue<>(16);
          answers.add(queue);
          streams.add(
              LeaseGrpc.newStub(connections.forClient(c))
                  .leaseKeepAlive(
                      new StreamObserver<LeaseKeepAliveResponse>() {
                        @Override
                        public void onNext(LeaseKeepAliveResponse value) {
                          queue.offer(value);
                        }

                        @Override
                        public void onError(Throwable t) {
                          queue.offer(t);
                        }

                        @Override
                        public void onCompleted() {
                          queue.offer(new IllegalStateException("keep-alive stream ended"));
                        }
                      }));
        }
        Report report =
            LoadRunner.run(
                "lease-keepalive",
                common.clients,
                common.limits(),
                (client, sequence) -> {
                  // One client per stream, so no other thread writes to it.
                  streams
                      .get(client)
                      .onNext(LeaseKeepAliveRequest.newBuilder().setID(leases[client]).build());
                  Object answer = answers.get(client).poll(10, TimeUnit.SECONDS);
                  if (answer instanceof Throwable t) {
                    throw new IllegalStateException(t.getMessage(), t);
                  }
                  if (!(answer instanceof LeaseKeepAliveResponse response)
                      || response.getTTL() <= 0) {
                    throw new IllegalStateException("no keep-alive answer, or the lease is gone");
                  }
                },
                common.progress(),
                System.err);
        for (StreamObserver<LeaseKeepAliveRequest> s : streams) {
          s.onCompleted();
        }
        return common.finish(report);
      }
    }
  }

  /** Watch streams on one key; shared by the two watch commands. */
  static final class Watchers implements AutoCloseable {
    final List<StreamObserver<WatchRequest>> streams = new ArrayList<>();
    final AtomicLong events = new AtomicLong();
    private final CountDownLatch created;

    interface EventSink {
      void event(Event event, long arrivalNanos);
    }

    Watchers(
        Connections connections, int streamCount, int perStream, ByteString key, EventSink sink)
        throws InterruptedException {
      created = new CountDownLatch(streamCount * perStream);
      for (int s = 0; s < streamCount; s++) {
        StreamObserver<WatchRequest> stream =
            WatchGrpc.newStub(connections.forClient(s))
                .watch(
                    new StreamObserver<WatchResponse>() {
                      @Override
                      public void onNext(WatchResponse response) {
                        long now = System.nanoTime();
                        if (response.getCreated()) {
                          created.countDown();
                        }
                        for (Event e : response.getEventsList()) {
                          events.incrementAndGet();
                          sink.event(e, now);
                        }
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {}
                    });
        for (int w = 0; w < perStream; w++) {
          stream.onNext(
              WatchRequest.newBuilder()
                  .setCreateRequest(WatchCreateRequest.newBuilder().setKey(key))
                  .build());
        }
        streams.add(stream);
      }
      if (!created.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("watchers were not all created within 30 s");
      }
    }

    /** Waits until {@code expected} events arrived, or {@code seconds} passed. */
    void awaitEvents(long expected, long seconds) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (events.get() < expected && System.nanoTime() < deadline) {
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      }
    }

    @Override
    public void close() {
      for (StreamObserver<WatchRequest> s : streams) {
        s.onCompleted();
      }
    }
  }

  @Command(
      name = "watch",
      description =
          "Events delivered per second to --streams × --watchers-per-stream watchers of one key.")
  static final class Watch implements java.util.concurrent.Callable<Integer> {
    @Mixin Common common = new Common();

    @Option(names = "--streams", defaultValue = "10", description = "watch streams")
    int streams = 10;

    @Option(
        names = "--watchers-per-stream",
        defaultValue = "10",
        description = "watchers on each stream")
    int perStream = 10;

    @Override
    public Integer call() throws Exception {
      Keys keys = common.keys();
      ByteString key = ByteString.copyFromUtf8("etcdj-bench-watch");
      try (Connections connections =
              new Connections(common.endpoints, Math.max(common.conns, streams)).awaitReady(10);
          Watchers watchers = new Watchers(connections, streams, perStream, key, (e, t) -> {})) {
        KVGrpc.KVBlockingStub[] stubs = kvStubs(connections, common.clients);
        long start = System.nanoTime();
        Report report =
            LoadRunner.run(
                "watch",
                common.clients,
                common.limits(),
                (client, sequence) ->
                    stubs[client].put(
                        PutRequest.newBuilder().setKey(key).setValue(keys.value()).build()),
                common.progress(),
                System.err);
        long expected = report.successes() * streams * perStream;
        watchers.awaitEvents(expected, 60);
        double seconds = (System.nanoTime() - start) / 1e9;
        report =
            LoadRunner.withExtra(
                report,
                Map.of(
                    "eventsExpected", (double) expected,
                    "eventsReceived", (double) watchers.events.get(),
                    "eventsPerSecond", watchers.events.get() / seconds));
        common.print(report);
        return report.failures() == 0 && watchers.events.get() == expected ? 0 : 1;
      }
    }
  }

  @Command(name = "watch-latency", description = "Time from a put's start to each watcher's event.")
  static final class WatchLatency implements java.util.concurrent.Callable<Integer> {
    @Mixin Common common = new Common();

    @Option(names = "--streams", defaultValue = "10", description = "watch streams")
    int streams = 10;

    @Option(
        names = "--watchers-per-stream",
        defaultValue = "10",
        description = "watchers on each stream")
    int perStream = 10;

    @Override
    public Integer call() throws Exception {
      LoadRunner.Limits limits = common.limits();
      if (limits.total() <= 0 || limits.total() > 10_000_000) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "watch-latency needs --total between 1 and 10000000");
      }
      int total = (int) limits.total();
      AtomicLongArray started = new AtomicLongArray(total);
      LatencyRecorder recorder = new LatencyRecorder();
      LatencyRecorder.Worker sink = recorder.newWorker();
      java.util.concurrent.locks.ReentrantLock sinkLock =
          new java.util.concurrent.locks.ReentrantLock();
      ByteString key = ByteString.copyFromUtf8("etcdj-bench-watch-latency");
      try (Connections connections =
              new Connections(common.endpoints, Math.max(common.conns, streams)).awaitReady(10);
          Watchers watchers =
              new Watchers(
                  connections,
                  streams,
                  perStream,
                  key,
                  (event, arrival) -> {
                    int sequence = Integer.parseInt(event.getKv().getValue().toStringUtf8());
                    sinkLock.lock();
                    try {
                      sink.success(arrival - started.get(sequence));
                    } finally {
                      sinkLock.unlock();
                    }
                  })) {
        KVGrpc.KVBlockingStub[] stubs = kvStubs(connections, common.clients);
        Report puts =
            LoadRunner.run(
                "watch-latency",
                common.clients,
                limits,
                (client, sequence) -> {
                  started.set((int) sequence, System.nanoTime());
                  stubs[client].put(
                      PutRequest.newBuilder()
                          .setKey(key)
                          .setValue(ByteString.copyFromUtf8(Long.toString(sequence)))
                          .build());
                },
                common.progress(),
                System.err);
        long expected = puts.successes() * streams * perStream;
        watchers.awaitEvents(expected, 60);
        LatencyRecorder.Merged merged;
        sinkLock.lock();
        try {
          merged = recorder.merge();
        } finally {
          sinkLock.unlock();
        }
        Report report =
            LoadRunner.withExtra(
                new Report(
                    "watch-latency",
                    puts.totalSeconds(),
                    merged.sortedNanos(),
                    puts.errors(),
                    Map.of()),
                Map.of(
                    "putsPerSecond", puts.requestsPerSecond(),
                    "eventsExpected", (double) expected,
                    "eventsReceived", (double) watchers.events.get()));
        common.print(report);
        return puts.failures() == 0 && watchers.events.get() == expected ? 0 : 1;
      }
    }
  }

  static KVGrpc.KVBlockingStub[] kvStubs(Connections connections, int clients) {
    KVGrpc.KVBlockingStub[] stubs = new KVGrpc.KVBlockingStub[clients];
    for (int c = 0; c < clients; c++) {
      stubs[c] = KVGrpc.newBlockingStub(connections.forClient(c));
    }
    return stubs;
  }
}
