package io.etcdj.server;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Batches linearizable reads onto ReadIndex requests, as etcd's {@code linearizableReadLoop}: at
 * most one ReadIndex is in flight; every read that arrives meanwhile waits for the next one, which
 * is sent as soon as the one in flight returns. A ReadIndex that raft dropped (no leader, leader
 * change) is sent again after the retry interval. Thread-safe.
 */
final class ReadIndexBatcher {
  private final Consumer<RaftLoop.Event> raft;
  private final MonotonicClock clock;
  private final Map<Long, CompletableFuture<Long>> inflight = new HashMap<>();
  private @Nullable CompletableFuture<Long> next;
  private long inflightContext;
  private long sentAt;
  private long sequence;

  ReadIndexBatcher(Consumer<RaftLoop.Event> raft, MonotonicClock clock) {
    this.raft = raft;
    this.clock = clock;
  }

  /** A future of the read index that a read arriving now may use. */
  CompletableFuture<Long> read() {
    CompletableFuture<Long> f;
    boolean send;
    synchronized (this) {
      if (next == null) {
        next = new CompletableFuture<>();
      }
      f = next;
      send = inflight.isEmpty();
      if (send) {
        issue();
      }
    }
    if (send) {
      raft.accept(new RaftLoop.ReadIndex(inflightContext));
    }
    return f;
  }

  private void issue() {
    CompletableFuture<Long> batch = next;
    next = null;
    inflightContext = ++sequence;
    sentAt = clock.nanoTime();
    if (batch != null) {
      inflight.put(inflightContext, batch);
    }
  }

  /** Raft released a read state. */
  void released(long context, long index) {
    CompletableFuture<Long> done;
    boolean send = false;
    long ctx = 0;
    synchronized (this) {
      done = inflight.remove(context);
      if (done == null) {
        return; // a duplicate answer to a retried request
      }
      if (next != null) {
        issue();
        send = true;
        ctx = inflightContext;
      }
    }
    if (send) {
      raft.accept(new RaftLoop.ReadIndex(ctx));
    }
    done.complete(index);
  }

  /** Sends the ReadIndex in flight again if it has gone unanswered too long. */
  void retryIfStale(long nowNanos, long afterNanos) {
    long ctx;
    synchronized (this) {
      if (inflight.isEmpty() || nowNanos - sentAt < afterNanos) {
        return;
      }
      sentAt = nowNanos;
      ctx = inflightContext;
    }
    raft.accept(new RaftLoop.ReadIndex(ctx));
  }
}
