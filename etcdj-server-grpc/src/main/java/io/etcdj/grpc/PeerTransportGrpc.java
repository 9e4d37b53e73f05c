package io.etcdj.grpc;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.etcdj.api.etcdserverpb.MemberPromoteResponse;
import io.etcdj.api.peer.LeaseForward;
import io.etcdj.api.peer.LeaseForwardResult;
import io.etcdj.api.peer.LeaseRenewBatch;
import io.etcdj.api.peer.LeaseRenewResults;
import io.etcdj.api.peer.MembersRequest;
import io.etcdj.api.peer.MembersResponse;
import io.etcdj.api.peer.PeerAck;
import io.etcdj.api.peer.PeerEnvelope;
import io.etcdj.api.peer.PeerGrpc;
import io.etcdj.api.peer.PromoteForward;
import io.etcdj.api.peer.PromoteResult;
import io.etcdj.api.peer.SnapshotChunk;
import io.etcdj.server.EtcdError;
import io.etcdj.server.EtcdServer;
import io.etcdj.server.PeerTransport;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * The peer transport over plain grpc-java: one long-lived client stream per peer carrying raft
 * messages in order, and a stream per snapshot carrying the backend. Sending never blocks the raft
 * loop: each peer has a bounded queue drained by its own sender; when the queue is full or the
 * stream broke, messages are dropped and the peer reported unreachable (raft probes again).
 */
public final class PeerTransportGrpc implements PeerTransport, AutoCloseable {
  private static final int QUEUE = 4096;
  private static final int BATCH = 256;
  private static final int SNAPSHOT_CHUNK = 1 << 20;
  private static final long PROBE_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(4);

  /** What a member answers a removed member's stream with (etcd's words). */
  static final String REMOVED = "the member has been permanently removed from the cluster";

  private volatile long clusterId;
  private volatile long self;
  private final ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();
  private final Map<Long, Peer> peers = new HashMap<>();
  private volatile @Nullable EtcdServer server;
  private volatile boolean closed;

  private final PeerMetrics metrics;

  /** A transport for the member {@link #attach}ed to it once it is opened. */
  public PeerTransportGrpc() {
    this(new PeerMetrics());
  }

  /** With {@code metrics} counting what it sends. */
  public PeerTransportGrpc(PeerMetrics metrics) {
    this.metrics = metrics;
  }

  /** The member whose messages this carries (its IDs go into every envelope). */
  public void attach(EtcdServer server) {
    this.clusterId = server.clusterId();
    this.self = server.memberId();
    this.server = server;
    synchronized (peers) {
      Peer itself = peers.remove(self);
      if (itself != null) {
        itself.dropped = true;
        itself.channel.shutdownNow();
      }
    }
  }

  private final class Peer {
    final long id;
    final String url;
    final ManagedChannel channel;
    final ArrayBlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(QUEUE);
    final AtomicBoolean reportedDown = new AtomicBoolean();
    volatile boolean dropped;

    /** When the current stream first carried a message (System.nanoTime), 0 while broken. */
    volatile long activeSince;

    Peer(long id, String url) {
      this.id = id;
      this.url = url;
      URI uri = URI.create(url);
      this.channel =
          NettyChannelBuilder.forAddress(uri.getHost(), uri.getPort())
              .usePlaintext()
              .maxInboundMessageSize(64 << 20)
              .keepAliveTime(10, TimeUnit.SECONDS)
              .build();
      senders.execute(this::run);
    }

    void offer(byte[] message) {
      if (!queue.offer(message)) {
        metrics.sentFailures.add(id, 1);
        unreachable(id);
      }
    }

    private long lastProbe;

    /** Every 4 s (etcd's prober interval) a probe measures the round trip. */
    private void maybeProbe() {
      long now = System.nanoTime();
      if (activeSince == 0 || now - lastProbe < PROBE_INTERVAL_NANOS) {
        return;
      }
      lastProbe = now;
      Futures.addCallback(
          PeerGrpc.newFutureStub(channel)
              .withDeadlineAfter(5, TimeUnit.SECONDS)
              .probe(PeerAck.getDefaultInstance()),
          new FutureCallback<PeerAck>() {
            @Override
            public void onSuccess(PeerAck ack) {
              metrics.roundTrip.observeNanos(id, System.nanoTime() - now);
            }

            @Override
            public void onFailure(Throwable t) {
              // the stream notices a dead peer; a lost probe only leaves a gap in the histogram
            }
          },
          MoreExecutors.directExecutor());
    }

    /** Drains the queue into one stream; opens a new stream after a failure. */
    private void run() {
      while (!closed && !dropped) {
        CountDownLatch broken = new CountDownLatch(1);
        ClientCallStreamObserver<PeerEnvelope> out = open(broken);
        try {
          while (!closed && broken.getCount() > 0) {
            maybeProbe();
            byte[] first = queue.poll(100, TimeUnit.MILLISECONDS);
            if (first == null) {
              continue;
            }
            PeerEnvelope.Builder env =
                PeerEnvelope.newBuilder().setClusterId(clusterId).setFrom(self).setTo(id);
            env.addMessages(UnsafeByteOperations.unsafeWrap(first));
            List<byte[]> more = new ArrayList<>();
            queue.drainTo(more, BATCH);
            for (byte[] m : more) {
              env.addMessages(UnsafeByteOperations.unsafeWrap(m));
            }
            long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (!out.isReady() && broken.getCount() > 0 && System.nanoTime() < waitUntil) {
              broken.await(1, TimeUnit.MILLISECONDS);
            }
            if (broken.getCount() == 0 || !out.isReady()) {
              metrics.sentFailures.add(id, env.getMessagesCount());
              unreachable(id);
              break;
            }
            PeerEnvelope built = env.build();
            out.onNext(built);
            metrics.sentBytes.add(id, built.getSerializedSize());
            reportedDown.set(false);
            if (activeSince == 0) {
              activeSince = Math.max(1, System.nanoTime());
              metrics.setActive(id, true);
            }
          }
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          unreachable(id);
        }
        activeSince = 0;
        metrics.setActive(id, false);
        try {
          out.cancel("restarting the peer stream", null);
        } catch (RuntimeException ignored) {
          // already broken
        }
        queue.clear();
        try {
          TimeUnit.MILLISECONDS.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    private ClientCallStreamObserver<PeerEnvelope> open(CountDownLatch broken) {
      // Reconnect at once when the peer is back, not after gRPC's exponential backoff: raft
      // probes every heartbeat and a member that rejoins late disrupts elections.
      channel.resetConnectBackoff();
      @SuppressWarnings("unchecked")
      ClientCallStreamObserver<PeerEnvelope>[] holder = new ClientCallStreamObserver[1];
      PeerGrpc.newStub(channel).stream(
          new ClientResponseObserver<PeerEnvelope, PeerAck>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<PeerEnvelope> requestStream) {
              holder[0] = requestStream;
            }

            @Override
            public void onNext(PeerAck ack) {
              EtcdServer s = server;
              if (s != null && ack.getError().equals(REMOVED)) {
                s.peerSaysRemoved();
              }
            }

            @Override
            public void onError(Throwable t) {
              broken.countDown();
            }

            @Override
            public void onCompleted() {
              broken.countDown();
            }
          });
      return holder[0];
    }
  }

  private void unreachable(long peer) {
    EtcdServer s = server;
    if (s != null) {
      s.reportUnreachable(peer);
    }
  }

  @Override
  public void send(long to, byte[] message) {
    Peer p;
    synchronized (peers) {
      p = peers.get(to);
    }
    if (p != null) {
      p.offer(message);
    }
  }

  @Override
  public void sendSnapshot(long to, byte[] message, SnapshotSource data) {
    Peer p;
    synchronized (peers) {
      p = peers.get(to);
    }
    if (p == null) {
      return;
    }
    senders.execute(() -> streamSnapshot(p, message, data));
  }

  private void streamSnapshot(Peer p, byte[] message, SnapshotSource data) {
    long started = System.nanoTime();
    CountDownLatch done = new CountDownLatch(1);
    boolean[] ok = {false};
    StreamObserver<SnapshotChunk> out =
        PeerGrpc.newStub(p.channel)
            .snapshot(
                new StreamObserver<>() {
                  @Override
                  public void onNext(PeerAck ack) {
                    ok[0] = ack.getError().isEmpty();
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.countDown();
                  }

                  @Override
                  public void onCompleted() {
                    done.countDown();
                  }
                });
    try {
      out.onNext(
          SnapshotChunk.newBuilder()
              .setClusterId(clusterId)
              .setFrom(self)
              .setTo(p.id)
              .setMessage(ByteString.copyFrom(message))
              .build());
      data.writeTo(
          new OutputStream() {
            private final byte[] buf = new byte[SNAPSHOT_CHUNK];
            private int n;

            @Override
            public void write(int b) {
              buf[n++] = (byte) b;
              if (n == buf.length) {
                flush();
              }
            }

            @Override
            public void write(byte[] b, int off, int len) {
              while (len > 0) {
                int k = Math.min(len, buf.length - n);
                System.arraycopy(b, off, buf, n, k);
                n += k;
                off += k;
                len -= k;
                if (n == buf.length) {
                  flush();
                }
              }
            }

            @Override
            public void flush() {
              if (n > 0) {
                out.onNext(
                    SnapshotChunk.newBuilder().setData(ByteString.copyFrom(buf, 0, n)).build());
                n = 0;
              }
            }
          });
      out.onNext(SnapshotChunk.newBuilder().setLast(true).build());
      out.onCompleted();
      done.await(10, TimeUnit.MINUTES);
    } catch (IOException | RuntimeException e) {
      out.onError(e);
    } catch (InterruptedException e) {
      out.onError(e);
      return;
    }
    if (ok[0]) {
      metrics.snapshotSendSuccess.add(p.id, 1);
      metrics.snapshotSend.observeNanos(p.id, System.nanoTime() - started);
    } else {
      metrics.snapshotSendFailures.add(p.id, 1);
    }
    EtcdServer s = server;
    if (s != null) {
      s.reportSnapshot(p.id, ok[0]);
    }
  }

  @Override
  public List<CompletableFuture<Long>> renewOnLeader(long leader, long[] leaseIds) {
    LeaseRenewBatch.Builder batch = LeaseRenewBatch.newBuilder().setClusterId(clusterId);
    for (long id : leaseIds) {
      batch.addIds(id);
    }
    List<CompletableFuture<Long>> out = new ArrayList<>(leaseIds.length);
    for (int i = 0; i < leaseIds.length; i++) {
      out.add(new CompletableFuture<>());
    }
    // The leader cannot be reached: the client should try another member.
    callLeader(
            leader,
            stub -> stub.withDeadlineAfter(5, TimeUnit.SECONDS).renew(batch.build()),
            LeaseRenewResults::getError,
            EtcdError.NOT_PRIMARY_LESSOR)
        .whenComplete(
            (r, err) -> {
              for (int i = 0; i < out.size(); i++) {
                if (err != null) {
                  out.get(i).completeExceptionally(err);
                } else if (i >= r.getResultsCount()) {
                  out.get(i).completeExceptionally(EtcdError.NOT_PRIMARY_LESSOR.exception());
                } else if (!r.getResults(i).getError().isEmpty()) {
                  out.get(i).completeExceptionally(errorNamed(r.getResults(i).getError()));
                } else {
                  out.get(i).complete(r.getResults(i).getTTL());
                }
              }
            });
    return out;
  }

  @Override
  public CompletableFuture<LeaseTimeToLiveResponse> timeToLiveOnLeader(
      long leader, LeaseTimeToLiveRequest request) {
    LeaseForward forward =
        LeaseForward.newBuilder().setClusterId(clusterId).setRequest(request).build();
    // The leader cannot be reached: the client should try another member.
    return callLeader(
            leader,
            stub -> stub.withDeadlineAfter(5, TimeUnit.SECONDS).lease(forward),
            LeaseForwardResult::getError,
            EtcdError.NOT_PRIMARY_LESSOR)
        .thenApply(LeaseForwardResult::getTimeToLive);
  }

  /**
   * A unary call to the leader: completes with its answer, fails with the etcd error it names
   * ({@code error} non-empty), or with {@code unreachable} when the call fails.
   */
  private <R> CompletableFuture<R> callLeader(
      long leader,
      java.util.function.Function<PeerGrpc.PeerFutureStub, ListenableFuture<R>> call,
      java.util.function.Function<R, String> error,
      EtcdError unreachable) {
    Peer p;
    synchronized (peers) {
      p = peers.get(leader);
    }
    if (p == null) {
      return CompletableFuture.failedFuture(EtcdError.NO_LEADER.exception());
    }
    CompletableFuture<R> out = new CompletableFuture<>();
    Futures.addCallback(
        call.apply(PeerGrpc.newFutureStub(p.channel)),
        new FutureCallback<R>() {
          @Override
          public void onSuccess(R r) {
            String refused = error.apply(r);
            if (refused.isEmpty()) {
              out.complete(r);
            } else {
              out.completeExceptionally(errorNamed(refused));
            }
          }

          @Override
          public void onFailure(Throwable t) {
            out.completeExceptionally(unreachable.exception());
          }
        },
        MoreExecutors.directExecutor());
    return out;
  }

  private static RuntimeException errorNamed(String message) {
    for (EtcdError e : EtcdError.values()) {
      if (e.message().equals(message)) {
        return e.exception();
      }
    }
    return new IllegalStateException(message);
  }

  @Override
  public void updatePeers(Map<Long, List<String>> peerUrls) {
    synchronized (peers) {
      peers
          .entrySet()
          .removeIf(
              e -> {
                List<String> urls = peerUrls.get(e.getKey());
                if (urls == null || urls.isEmpty() || !urls.get(0).equals(e.getValue().url)) {
                  metrics.forget(e.getKey());
                  e.getValue().dropped = true;
                  e.getValue().channel.shutdownNow();
                  return true;
                }
                return false;
              });
      for (Map.Entry<Long, List<String>> e : peerUrls.entrySet()) {
        if (e.getKey() == self || e.getValue().isEmpty() || peers.containsKey(e.getKey())) {
          continue;
        }
        peers.put(e.getKey(), new Peer(e.getKey(), e.getValue().get(0)));
      }
    }
  }

  @Override
  public long activeNanos(long peer) {
    Peer p;
    synchronized (peers) {
      p = peers.get(peer);
    }
    if (p == null || p.activeSince == 0 || p.channel.getState(false) != ConnectivityState.READY) {
      return 0;
    }
    return Math.max(1, System.nanoTime() - p.activeSince);
  }

  @Override
  public CompletableFuture<MemberPromoteResponse> promoteOnLeader(long leader, long member) {
    PromoteForward forward =
        PromoteForward.newBuilder().setClusterId(clusterId).setMemberId(member).build();
    return callLeader(
            leader,
            stub -> stub.withDeadlineAfter(10, TimeUnit.SECONDS).promote(forward),
            PromoteResult::getError,
            EtcdError.TIMEOUT)
        .thenApply(PromoteResult::getResponse);
  }

  /**
   * Asks each URL in turn for its cluster (on a channel of its own, before this transport has a
   * member attached).
   */
  @Override
  public CompletableFuture<RemoteCluster> fetchCluster(List<String> peerUrls) {
    return CompletableFuture.supplyAsync(
        () -> {
          List<String> failures = new ArrayList<>();
          for (String url : peerUrls) {
            URI uri = URI.create(url);
            ManagedChannel ch =
                NettyChannelBuilder.forAddress(uri.getHost(), uri.getPort()).usePlaintext().build();
            try {
              MembersResponse r =
                  PeerGrpc.newBlockingStub(ch)
                      .withDeadlineAfter(5, TimeUnit.SECONDS)
                      .members(MembersRequest.getDefaultInstance());
              return new RemoteCluster(r.getClusterId(), r.getMembersList());
            } catch (RuntimeException e) {
              failures.add(url + ": " + e.getMessage());
            } finally {
              ch.shutdownNow();
            }
          }
          throw new IllegalStateException(String.join("; ", failures));
        },
        senders);
  }

  @Override
  public void close() {
    closed = true;
    synchronized (peers) {
      peers.values().forEach(p -> p.channel.shutdownNow());
      peers.clear();
    }
    senders.shutdownNow();
  }
}
