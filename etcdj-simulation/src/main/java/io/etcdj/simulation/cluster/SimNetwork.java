package io.etcdj.simulation.cluster;

import io.etcdj.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.etcdj.api.etcdserverpb.MemberPromoteResponse;
import io.etcdj.server.EtcdError;
import io.etcdj.server.EtcdException;
import io.etcdj.server.EtcdServer;
import io.etcdj.server.PeerTransport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * The simulated network between members: every message is delivered after a seeded delay, or
 * dropped, or duplicated, unless its link is cut. Links are directed ({@code cut[from][to]}), so
 * partitions can be asymmetric. Delivery happens when the simulation calls {@link #deliver}, on its
 * thread, in (time, sequence) order: the same seed gives the same deliveries.
 */
final class SimNetwork {
  /** One message in flight; {@code snapshot} is the backend data of a snapshot message. */
  record Packet(
      long deliverAt, long seq, int from, int to, byte[] message, byte @Nullable [] snapshot) {}

  private final RandomGenerator random;
  private final int size;
  private final boolean[][] cut;
  private final PriorityQueue<Packet> inFlight =
      new PriorityQueue<>(
          (a, b) ->
              a.deliverAt() != b.deliverAt()
                  ? Long.compare(a.deliverAt(), b.deliverAt())
                  : Long.compare(a.seq(), b.seq()));
  private final Map<Long, Integer> slotById = new HashMap<>();
  private long seq;
  private long now;
  double dropRate;
  double duplicateRate;
  long maxDelayNanos = 5_000_000;
  long messages;
  long dropped;
  long duplicated;

  SimNetwork(RandomGenerator random, int size) {
    this.random = random;
    this.size = size;
    this.cut = new boolean[size][size];
  }

  void register(long memberId, int slot) {
    slotById.put(memberId, slot);
  }

  void setTime(long nanos) {
    now = nanos;
  }

  /** Cuts (or heals) the link from {@code from} to {@code to}. */
  void setCut(int from, int to, boolean isCut) {
    cut[from][to] = isCut;
  }

  /** Isolates {@code slot} from every other member, both ways. */
  void isolate(int slot) {
    for (int i = 0; i < size; i++) {
      if (i != slot) {
        cut[slot][i] = true;
        cut[i][slot] = true;
      }
    }
  }

  void healAll() {
    for (boolean[] row : cut) {
      java.util.Arrays.fill(row, false);
    }
  }

  boolean linked(int from, int to) {
    return !cut[from][to];
  }

  /** Hands every packet due at {@link #setTime now} to {@code sink}, in order. */
  void deliver(PacketSink sink) {
    while (!inFlight.isEmpty() && inFlight.peek().deliverAt() <= now) {
      Packet p = inFlight.poll();
      if (cut[p.from()][p.to()]) {
        dropped++;
        continue;
      }
      sink.accept(p);
    }
  }

  /** Drops what is in flight to or from {@code slot} (a crashed member's sockets). */
  void forget(int slot) {
    inFlight.removeIf(p -> p.to() == slot || p.from() == slot);
  }

  @FunctionalInterface
  interface PacketSink {
    void accept(Packet p);
  }

  private void enqueue(int from, int to, byte[] message, byte @Nullable [] snapshot) {
    messages++;
    if (cut[from][to]) {
      dropped++;
      return;
    }
    if (snapshot == null && random.nextDouble() < dropRate) {
      dropped++;
      return;
    }
    // A forwarded proposal is never duplicated: raft would append it twice (see
    // EtcdServer.isForwardedProposal); the peer transport never resends one.
    boolean mayDuplicate = snapshot == null && !EtcdServer.isForwardedProposal(message);
    int copies = mayDuplicate && random.nextDouble() < duplicateRate ? 2 : 1;
    duplicated += copies - 1;
    for (int i = 0; i < copies; i++) {
      long delay = maxDelayNanos <= 0 ? 0 : random.nextLong(maxDelayNanos + 1);
      inFlight.add(new Packet(now + delay, seq++, from, to, message, snapshot));
    }
  }

  /** The transport of the member in {@code slot}; {@code servers} finds a live member by slot. */
  PeerTransport transport(int slot, IntFunction<@Nullable EtcdServer> servers) {
    return new Link(slot, servers);
  }

  private final class Link implements PeerTransport {
    private final int slot;
    private final IntFunction<@Nullable EtcdServer> servers;

    Link(int slot, IntFunction<@Nullable EtcdServer> servers) {
      this.slot = slot;
      this.servers = servers;
    }

    private int slotOf(long member) {
      Integer to = slotById.get(member);
      return to == null ? -1 : to;
    }

    @Override
    public void send(long to, byte[] message) {
      int t = slotOf(to);
      if (t >= 0) {
        enqueue(slot, t, message, null);
      }
    }

    @Override
    public void sendSnapshot(long to, byte[] message, SnapshotSource data) {
      int t = slotOf(to);
      if (t < 0) {
        return;
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try {
        data.writeTo(out);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      enqueue(slot, t, message, out.toByteArray());
    }

    @Override
    public void updatePeers(Map<Long, List<String>> peerUrls) {}

    @Override
    public long activeNanos(long peer) {
      int t = slotOf(peer);
      return t >= 0 && linked(slot, t) && servers.apply(t) != null ? Long.MAX_VALUE / 2 : 0;
    }

    private @Nullable EtcdServer reachable(long member) {
      int t = slotOf(member);
      return t >= 0 && linked(slot, t) && linked(t, slot) ? servers.apply(t) : null;
    }

    @Override
    public List<CompletableFuture<Long>> renewOnLeader(long leader, long[] leaseIds) {
      EtcdServer s = reachable(leader);
      if (s == null) {
        return PeerTransport.failedRenewals(
            leaseIds.length, EtcdError.NOT_PRIMARY_LESSOR.exception());
      }
      return s.renewLocally(leaseIds);
    }

    @Override
    public CompletableFuture<LeaseTimeToLiveResponse> timeToLiveOnLeader(
        long leader, LeaseTimeToLiveRequest request) {
      EtcdServer s = reachable(leader);
      if (s == null) {
        return CompletableFuture.failedFuture(EtcdError.NOT_PRIMARY_LESSOR.exception());
      }
      try {
        return CompletableFuture.completedFuture(s.timeToLiveLocally(request));
      } catch (EtcdException e) {
        return CompletableFuture.failedFuture(e);
      }
    }

    @Override
    public CompletableFuture<MemberPromoteResponse> promoteOnLeader(long leader, long member) {
      EtcdServer s = reachable(leader);
      return s == null
          ? CompletableFuture.failedFuture(EtcdError.NO_LEADER.exception())
          : s.memberPromote(member);
    }

    @Override
    public CompletableFuture<RemoteCluster> fetchCluster(List<String> peerUrls) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("the simulation bootstraps every member"));
    }
  }

  /** The slots of every registered member (for reports). */
  List<Integer> slots() {
    return new ArrayList<>(slotById.values());
  }
}
