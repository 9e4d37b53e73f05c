package io.etcdj.grpc;

import com.google.common.util.concurrent.MoreExecutors;
import io.etcdj.api.peer.LeaseForward;
import io.etcdj.api.peer.LeaseForwardResult;
import io.etcdj.api.peer.LeaseRenewBatch;
import io.etcdj.api.peer.LeaseRenewResult;
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
import io.etcdj.server.EtcdException;
import io.etcdj.server.EtcdServer;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The peer port: receives raft messages and snapshots from the other members (plain grpc-java).
 * Envelopes from another cluster or for another member are refused; malformed messages are dropped
 * with a log line, never passed to raft.
 */
public final class PeerServer implements AutoCloseable {
  private final Server server;

  private PeerServer(Server server) {
    this.server = server;
  }

  /**
   * @param member the server, once it exists (messages before that are dropped)
   * @param snapshotDir where received backends are staged
   * @param log where refusals are reported
   */
  public static PeerServer start(
      String host,
      int port,
      Supplier<@Nullable EtcdServer> member,
      Path snapshotDir,
      java.util.function.Consumer<String> log)
      throws IOException {
    return start(host, port, member, snapshotDir, log, new PeerMetrics());
  }

  /** As {@link #start(String, int, Supplier, Path, java.util.function.Consumer)}, counting. */
  public static PeerServer start(
      String host,
      int port,
      Supplier<@Nullable EtcdServer> member,
      Path snapshotDir,
      java.util.function.Consumer<String> log,
      PeerMetrics metrics)
      throws IOException {
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
            .maxInboundMessageSize(64 << 20)
            .permitKeepAliveTime(5, TimeUnit.SECONDS)
            .callExecutor(PeerServer::executorFor)
            .addService(new Service(member, snapshotDir, log, metrics))
            .build()
            .start();
    return new PeerServer(server);
  }

  public int port() {
    return server.getPort();
  }

  /**
   * Raft messages and probes are handled on the transport's own thread: they only decode and hand
   * over to the raft loop, so one thread hop less per message (and a probe measures the network,
   * not a pool). Everything else (snapshots write files, forwarded calls wait) runs on gRPC's pool.
   */
  private static @Nullable Executor executorFor(ServerCall<?, ?> call, Metadata headers) {
    String method = call.getMethodDescriptor().getFullMethodName();
    return method.equals(PeerGrpc.getStreamMethod().getFullMethodName())
            || method.equals(PeerGrpc.getProbeMethod().getFullMethodName())
        ? MoreExecutors.directExecutor()
        : null;
  }

  private static final class Service extends PeerGrpc.PeerImplBase {
    private final Supplier<@Nullable EtcdServer> member;
    private final Path snapshotDir;
    private final java.util.function.Consumer<String> log;
    private final PeerMetrics metrics;

    Service(
        Supplier<@Nullable EtcdServer> member,
        Path snapshotDir,
        java.util.function.Consumer<String> log,
        PeerMetrics metrics) {
      this.metrics = metrics;
      this.member = member;
      this.snapshotDir = snapshotDir;
      this.log = log;
    }

    private @Nullable String refuse(long cluster, long from, long to) {
      EtcdServer s = member.get();
      if (s == null) {
        return "not serving yet";
      }
      if (cluster != s.clusterId()) {
        return "cluster ID mismatch: " + Long.toHexString(cluster);
      }
      if (s.isRemovedMember(from)) {
        return PeerTransportGrpc.REMOVED;
      }
      if (to != s.memberId()) {
        return "not member " + Long.toHexString(to);
      }
      return null;
    }

    @Override
    public StreamObserver<PeerEnvelope> stream(StreamObserver<PeerAck> out) {
      return new StreamObserver<>() {
        private boolean refused;

        @Override
        public void onNext(PeerEnvelope env) {
          if (refused) {
            return;
          }
          String why = refuse(env.getClusterId(), env.getFrom(), env.getTo());
          if (why != null) {
            refused = true;
            metrics.receivedFailures.add(env.getFrom(), 1);
            log.accept(
                "refused a peer stream from " + Long.toHexString(env.getFrom()) + ": " + why);
            out.onNext(PeerAck.newBuilder().setError(why).build());
            out.onCompleted();
            return;
          }
          EtcdServer s = member.get();
          if (s == null) {
            return;
          }
          metrics.receivedBytes.add(env.getFrom(), env.getSerializedSize());
          for (var m : env.getMessagesList()) {
            try {
              s.receive(m.toByteArray());
            } catch (IllegalArgumentException e) {
              log.accept("dropped a malformed peer message: " + e.getMessage());
            }
          }
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          if (!refused) {
            out.onNext(PeerAck.getDefaultInstance());
            out.onCompleted();
          }
        }
      };
    }

    /** A follower's lease TTL query: answered if this member leads. */
    @Override
    public void lease(LeaseForward request, StreamObserver<LeaseForwardResult> out) {
      EtcdServer s = member.get();
      LeaseForwardResult.Builder r = LeaseForwardResult.newBuilder();
      if (s == null || request.getClusterId() != s.clusterId()) {
        r.setError(EtcdError.NOT_PRIMARY_LESSOR.message());
      } else {
        try {
          r.setTimeToLive(s.timeToLiveLocally(request.getRequest()));
        } catch (EtcdException e) {
          r.setError(e.getMessage());
        }
      }
      out.onNext(r.build());
      out.onCompleted();
    }

    /** A follower's batch of keep-alives: renewed if this member leads, answered all at once. */
    @Override
    public void renew(LeaseRenewBatch request, StreamObserver<LeaseRenewResults> out) {
      EtcdServer s = member.get();
      if (s == null || request.getClusterId() != s.clusterId()) {
        out.onNext(
            LeaseRenewResults.newBuilder()
                .setError(EtcdError.NOT_PRIMARY_LESSOR.message())
                .build());
        out.onCompleted();
        return;
      }
      long[] ids = new long[request.getIdsCount()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = request.getIds(i);
      }
      List<CompletableFuture<Long>> renewals = s.renewLocally(ids);
      CompletableFuture.allOf(renewals.toArray(CompletableFuture[]::new))
          .whenComplete(
              (v, ignored) -> {
                LeaseRenewResults.Builder r = LeaseRenewResults.newBuilder();
                for (CompletableFuture<Long> f : renewals) {
                  LeaseRenewResult.Builder one = LeaseRenewResult.newBuilder();
                  try {
                    one.setTTL(f.join());
                  } catch (CompletionException | CancellationException err) {
                    Throwable cause = err.getCause() != null ? err.getCause() : err;
                    one.setError(
                        cause instanceof EtcdException e
                            ? e.getMessage()
                            : EtcdError.NOT_PRIMARY_LESSOR.message());
                  }
                  r.addResults(one);
                }
                out.onNext(r.build());
                out.onCompleted();
              });
    }

    @Override
    public void probe(PeerAck request, StreamObserver<PeerAck> out) {
      out.onNext(PeerAck.getDefaultInstance());
      out.onCompleted();
    }

    /** The cluster as this member knows it, for a member that joins. */
    @Override
    public void members(MembersRequest request, StreamObserver<MembersResponse> out) {
      EtcdServer s = member.get();
      if (s == null) {
        out.onError(Status.UNAVAILABLE.withDescription("not serving yet").asException());
        return;
      }
      out.onNext(
          MembersResponse.newBuilder()
              .setClusterId(s.clusterId())
              .addAllMembers(s.memberRecords())
              .build());
      out.onCompleted();
    }

    /** A follower's MemberPromote: answered by the leader, which knows the learner's progress. */
    @Override
    public void promote(PromoteForward request, StreamObserver<PromoteResult> out) {
      EtcdServer s = member.get();
      if (s == null || request.getClusterId() != s.clusterId()) {
        out.onNext(PromoteResult.newBuilder().setError(EtcdError.NOT_LEADER.message()).build());
        out.onCompleted();
        return;
      }
      s.memberPromote(request.getMemberId())
          .whenComplete(
              (resp, err) -> {
                PromoteResult.Builder r = PromoteResult.newBuilder();
                if (err == null) {
                  r.setResponse(resp);
                } else {
                  Throwable cause =
                      err instanceof java.util.concurrent.CompletionException
                              && err.getCause() != null
                          ? err.getCause()
                          : err;
                  r.setError(
                      cause instanceof EtcdException
                          ? String.valueOf(cause.getMessage())
                          : EtcdError.TIMEOUT.message());
                }
                out.onNext(r.build());
                out.onCompleted();
              });
    }

    @Override
    public StreamObserver<SnapshotChunk> snapshot(StreamObserver<PeerAck> out) {
      return new StreamObserver<>() {
        private byte @Nullable [] message;
        private long from;
        private long started;
        private @Nullable Path file;
        private @Nullable OutputStream data;
        private @Nullable String error;

        @Override
        public void onNext(SnapshotChunk c) {
          if (error != null) {
            return;
          }
          try {
            if (message == null) {
              String why = refuse(c.getClusterId(), c.getFrom(), c.getTo());
              if (why != null) {
                error = why;
                return;
              }
              message = c.getMessage().toByteArray();
              from = c.getFrom();
              started = System.nanoTime();
              Files.createDirectories(snapshotDir);
              file = Files.createTempFile(snapshotDir, "incoming", ".snap.db");
              data = Files.newOutputStream(file);
            }
            OutputStream os = data;
            if (os != null && !c.getData().isEmpty()) {
              c.getData().writeTo(os);
            }
          } catch (IOException e) {
            error = "staging the snapshot failed: " + e;
          }
        }

        @Override
        public void onError(Throwable t) {
          cleanup();
        }

        @Override
        public void onCompleted() {
          try {
            OutputStream os = data;
            if (os != null) {
              os.close();
            }
            EtcdServer s = member.get();
            Path f = file;
            byte[] m = message;
            if (error == null && s != null && f != null && m != null) {
              try (InputStream in = Files.newInputStream(f)) {
                s.receiveSnapshot(m, in);
              }
            } else if (error == null) {
              error = "no snapshot received";
            }
          } catch (IOException | RuntimeException e) {
            error = "installing the snapshot failed: " + e;
          } finally {
            cleanup();
          }
          if (error != null) {
            log.accept("refused a snapshot: " + error);
            metrics.snapshotReceiveFailures.add(from, 1);
          } else {
            metrics.snapshotReceiveSuccess.add(from, 1);
            metrics.snapshotReceive.observeNanos(from, System.nanoTime() - started);
          }
          out.onNext(PeerAck.newBuilder().setError(error == null ? "" : error).build());
          out.onCompleted();
        }

        private void cleanup() {
          try {
            OutputStream os = data;
            if (os != null) {
              os.close();
            }
            Path f = file;
            if (f != null) {
              Files.deleteIfExists(f);
            }
          } catch (IOException ignored) {
            // a staging file in the snapshot directory; removed at the next start at the latest
          }
        }
      };
    }
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
