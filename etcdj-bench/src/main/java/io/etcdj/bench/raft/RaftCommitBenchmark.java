package io.etcdj.bench.raft;

import io.etcdj.raft.Bytes;
import io.etcdj.raft.ConfState;
import io.etcdj.raft.Entry;
import io.etcdj.raft.EntryType;
import io.etcdj.raft.HardState;
import io.etcdj.raft.MemoryStorage;
import io.etcdj.raft.Message;
import io.etcdj.raft.ProposalResult;
import io.etcdj.raft.RaftConfig;
import io.etcdj.raft.RaftNode;
import io.etcdj.raft.Ready;
import io.etcdj.raft.SoftState;
import java.util.ArrayDeque;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Commits per second through a 3-node in-memory raft cluster on one thread: propose at the leader,
 * then persist (to {@link MemoryStorage}), deliver and apply until the leader has applied the
 * entries. One operation is one committed 128-byte entry; run with {@code -prof gc} for the
 * allocation per entry ({@code gc.alloc.rate.norm}).
 *
 * <ul>
 *   <li>{@code oneEntryPerRound}: a proposal waits for its commit before the next (latency-bound).
 *   <li>{@code batchOf64}: 64 proposals are appended together and committed in one round.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RaftCommitBenchmark {
  private static final int BATCH = 64;
  private static final long COMPACT_EVERY = 10_000;

  private final RaftNode[] nodes = new RaftNode[3];
  private final MemoryStorage[] storages = new MemoryStorage[3];
  private final long[] applied = new long[3];
  private final ArrayDeque<Message> network = new ArrayDeque<>();
  private final Bytes payload = Bytes.copyOf(new byte[128]);
  private ConfState confState = ConfState.EMPTY;

  @Setup(Level.Trial)
  public void setUp() {
    confState = new ConfState(List.of(1L, 2L, 3L), List.of(), List.of(), List.of(), false);
    for (int i = 0; i < 3; i++) {
      storages[i] = new MemoryStorage(confState);
      nodes[i] =
          new RaftNode(
              RaftConfig.defaults(i + 1).withFlowControl(1 << 20, 256, 0),
              storages[i],
              new SplittableRandom(i));
      applied[i] = 0;
    }
    nodes[0].campaign();
    drive(1);
    if (nodes[0].softState().role() != SoftState.Role.LEADER) {
      throw new IllegalStateException("node 1 did not become leader");
    }
  }

  @Benchmark
  public long oneEntryPerRound() {
    long index = propose();
    drive(index);
    return index;
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public long batchOf64() {
    long index = 0;
    for (int i = 0; i < BATCH; i++) {
      index = propose();
    }
    drive(index);
    return index;
  }

  private long propose() {
    ProposalResult result = nodes[0].propose(payload);
    if (result instanceof ProposalResult.Accepted accepted) {
      return accepted.index();
    }
    throw new IllegalStateException("proposal not accepted: " + result);
  }

  /** Runs the cluster until the leader has applied {@code index}. */
  private void drive(long index) {
    while (applied[0] < index || !network.isEmpty()) {
      for (int i = 0; i < 3; i++) {
        while (nodes[i].hasReady()) {
          handle(i, nodes[i].ready());
        }
      }
      Message message;
      while ((message = network.poll()) != null) {
        nodes[(int) message.to() - 1].step(message);
      }
    }
  }

  private void handle(int i, Ready ready) {
    MemoryStorage storage = storages[i];
    storage.append(ready.entries());
    HardState hard = ready.hardState();
    if (hard != null) {
      storage.setHardState(hard);
    }
    network.addAll(ready.messages());
    List<Entry> committed = ready.committedEntries();
    if (!committed.isEmpty()) {
      Entry last = committed.get(committed.size() - 1);
      for (Entry entry : committed) {
        if (entry.type() == EntryType.CONF_CHANGE) {
          throw new IllegalStateException("no conf changes in this benchmark");
        }
      }
      applied[i] = last.index();
    }
    nodes[i].advance();
    if (applied[i] - storage.snapshot().metadata().index() >= COMPACT_EVERY) {
      storage.createSnapshot(applied[i], confState, Bytes.EMPTY);
      storage.compact(applied[i] - 100);
    }
  }
}
