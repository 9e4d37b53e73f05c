package io.etcdj.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * A follower's keep-alives on their way to the leader, coalesced: at most one batch per leader is
 * in flight; renewals that arrive meanwhile wait for the next, sent as soon as the one in flight is
 * answered (as {@link ReadIndexBatcher} does with reads). Under load a batch carries every
 * keep-alive that arrived during one round trip, in one peer call; alone, a keep-alive leaves at
 * once. Thread-safe.
 */
final class KeepAliveForwarder {
  /** The most renewals one batch carries; the rest wait for the next. */
  static final int MAX_BATCH = 1000;

  /** Sends a batch: one future per lease ID, in order. */
  @FunctionalInterface
  interface Send {
    List<CompletableFuture<Long>> renewOnLeader(long leader, long[] ids);
  }

  private static final class Pending {
    final List<Long> ids = new ArrayList<>();
    final List<CompletableFuture<Long>> waiters = new ArrayList<>();
  }

  private final Send send;
  private final UnaryOperator<CompletableFuture<Void>> deadline;

  /** The renewals waiting for each leader that has a batch in flight (empty: nothing waits). */
  private final Map<Long, Pending> inflight = new HashMap<>();

  /**
   * @param deadline bounds a batch in flight, so that one the transport never answers cannot hold
   *     back the next
   */
  KeepAliveForwarder(Send send, UnaryOperator<CompletableFuture<Void>> deadline) {
    this.send = send;
    this.deadline = deadline;
  }

  /** Renews {@code id} on {@code leader}: completes with its TTL (0: no such lease). */
  CompletableFuture<Long> renew(long leader, long id) {
    CompletableFuture<Long> f = new CompletableFuture<>();
    Pending now;
    synchronized (this) {
      Pending waiting = inflight.get(leader);
      if (waiting != null) {
        waiting.ids.add(id);
        waiting.waiters.add(f);
        return f;
      }
      inflight.put(leader, new Pending());
      now = new Pending();
      now.ids.add(id);
      now.waiters.add(f);
    }
    dispatch(leader, now);
    return f;
  }

  private void dispatch(long leader, Pending batch) {
    long[] ids = new long[batch.ids.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = batch.ids.get(i);
    }
    List<CompletableFuture<Long>> answers;
    try {
      answers = send.renewOnLeader(leader, ids);
    } catch (RuntimeException e) {
      answers = PeerTransport.failedRenewals(ids.length, e);
    }
    for (int i = 0; i < ids.length; i++) {
      CompletableFuture<Long> waiter = batch.waiters.get(i);
      answers
          .get(i)
          .whenComplete(
              (ttl, err) -> {
                if (err != null) {
                  waiter.completeExceptionally(err);
                } else {
                  waiter.complete(ttl);
                }
              });
    }
    deadline
        .apply(CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)))
        .whenComplete((v, err) -> next(leader));
  }

  /** The batch to {@code leader} was answered: sends what waited for it, if anything did. */
  private void next(long leader) {
    Pending batch;
    synchronized (this) {
      Pending waiting = inflight.get(leader);
      if (waiting == null) {
        return;
      }
      if (waiting.ids.isEmpty()) {
        inflight.remove(leader);
        return;
      }
      if (waiting.ids.size() <= MAX_BATCH) {
        batch = waiting;
        inflight.put(leader, new Pending());
      } else {
        batch = new Pending();
        List<Long> ids = waiting.ids.subList(0, MAX_BATCH);
        List<CompletableFuture<Long>> waiters = waiting.waiters.subList(0, MAX_BATCH);
        batch.ids.addAll(ids);
        batch.waiters.addAll(waiters);
        ids.clear();
        waiters.clear();
      }
    }
    dispatch(leader, batch);
  }
}
