package io.etcdj.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.etcdj.api.peer.LeaseRenewBatch;
import io.etcdj.api.peer.LeaseRenewResult;
import io.etcdj.api.peer.LeaseRenewResults;
import io.etcdj.api.peer.PeerGrpc;
import io.etcdj.server.EtcdError;
import io.etcdj.server.EtcdException;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A follower's batch of keep-alives over a real peer connection on loopback, to a leader that
 * answers what each case needs: every keep-alive gets its own answer or its own etcd error.
 */
class PeerRenewTest {
  private static final long LEADER = 0x2a;

  private final AtomicReference<LeaseRenewResults> reply = new AtomicReference<>();
  private final LinkedBlockingQueue<LeaseRenewBatch> received = new LinkedBlockingQueue<>();
  private Server leader;
  private PeerTransportGrpc transport;

  @BeforeEach
  void start() throws Exception {
    leader =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(
                new PeerGrpc.PeerImplBase() {
                  @Override
                  public void renew(
                      LeaseRenewBatch request, StreamObserver<LeaseRenewResults> out) {
                    received.add(request);
                    out.onNext(reply.get());
                    out.onCompleted();
                  }
                })
            .build()
            .start();
    transport = new PeerTransportGrpc();
    transport.updatePeers(Map.of(LEADER, List.of("http://127.0.0.1:" + leader.getPort())));
  }

  @AfterEach
  void stop() throws Exception {
    transport.close();
    leader.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
  }

  @Test
  void eachKeepAliveGetsItsOwnTtlOrItsOwnError() throws Exception {
    reply.set(
        LeaseRenewResults.newBuilder()
            .addResults(LeaseRenewResult.newBuilder().setTTL(30))
            .addResults(LeaseRenewResult.newBuilder().setError(EtcdError.LEASE_NOT_FOUND.message()))
            .addResults(LeaseRenewResult.newBuilder().setTTL(5))
            .build());
    List<CompletableFuture<Long>> out = transport.renewOnLeader(LEADER, new long[] {11, 12, 13});
    assertThat(out.get(0).get(10, TimeUnit.SECONDS)).isEqualTo(30);
    assertThat(errorOf(out.get(1))).isEqualTo(EtcdError.LEASE_NOT_FOUND);
    assertThat(out.get(2).get(10, TimeUnit.SECONDS)).isEqualTo(5);
    assertThat(java.util.Objects.requireNonNull(received.poll(10, TimeUnit.SECONDS)).getIdsList())
        .containsExactly(11L, 12L, 13L);
  }

  @Test
  void aBatchTheLeaderRefusesFailsEveryKeepAliveWithTheErrorItNames() throws Exception {
    reply.set(
        LeaseRenewResults.newBuilder().setError(EtcdError.NOT_PRIMARY_LESSOR.message()).build());
    List<CompletableFuture<Long>> out = transport.renewOnLeader(LEADER, new long[] {11, 12});
    assertThat(errorOf(out.get(0))).isEqualTo(EtcdError.NOT_PRIMARY_LESSOR);
    assertThat(errorOf(out.get(1))).isEqualTo(EtcdError.NOT_PRIMARY_LESSOR);
  }

  @Test
  void keepAlivesMissingFromTheReplyFailAsNotPrimaryNotAsRenewed() throws Exception {
    reply.set(
        LeaseRenewResults.newBuilder()
            .addResults(LeaseRenewResult.newBuilder().setTTL(30))
            .build());
    List<CompletableFuture<Long>> out = transport.renewOnLeader(LEADER, new long[] {11, 12, 13});
    assertThat(out.get(0).get(10, TimeUnit.SECONDS)).isEqualTo(30);
    assertThat(errorOf(out.get(1))).isEqualTo(EtcdError.NOT_PRIMARY_LESSOR);
    assertThat(errorOf(out.get(2))).isEqualTo(EtcdError.NOT_PRIMARY_LESSOR);
  }

  @Test
  void aLeaderThatCannotBeReachedFailsTheBatchSoTheClientTriesAnotherMember() throws Exception {
    leader.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    List<CompletableFuture<Long>> out = transport.renewOnLeader(LEADER, new long[] {11});
    assertThat(errorOf(out.get(0))).isEqualTo(EtcdError.NOT_PRIMARY_LESSOR);
  }

  @Test
  void aLeaderThisMemberDoesNotKnowIsNoLeader() throws Exception {
    List<CompletableFuture<Long>> out = transport.renewOnLeader(LEADER + 1, new long[] {11});
    assertThat(errorOf(out.get(0))).isEqualTo(EtcdError.NO_LEADER);
  }

  private static EtcdError errorOf(CompletableFuture<Long> f) {
    Throwable t = catchThrowable(() -> f.get(10, TimeUnit.SECONDS));
    assertThat(t).isInstanceOf(ExecutionException.class);
    Throwable cause = java.util.Objects.requireNonNull(t.getCause());
    assertThat(cause).isInstanceOf(EtcdException.class);
    return ((EtcdException) cause).error();
  }
}
