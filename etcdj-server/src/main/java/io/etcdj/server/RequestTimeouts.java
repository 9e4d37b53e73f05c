package io.etcdj.server;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * Request deadlines on the member's {@link MonotonicClock}, expired by housekeeping (so a
 * simulation on a virtual clock sees them at the same virtual time on every run, which the JDK's
 * timer thread behind {@code orTimeout} would not give). Every request has the same timeout, so
 * deadlines arrive in order: a FIFO, pruned from its head, is all it takes. Thread-safe.
 */
final class RequestTimeouts {
  private record Pending(long deadline, CompletableFuture<?> future) {}

  private final MonotonicClock clock;
  private final long timeoutNanos;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();

  RequestTimeouts(MonotonicClock clock, java.time.Duration timeout) {
    this.clock = clock;
    this.timeoutNanos = timeout.toNanos();
  }

  /** Fails {@code f} with a {@link TimeoutException} if it is not done by the deadline. */
  <T> CompletableFuture<T> within(CompletableFuture<T> f) {
    if (!f.isDone()) {
      Pending p = new Pending(clock.nanoTime() + timeoutNanos, f);
      synchronized (pending) {
        pending.addLast(p);
      }
    }
    return f;
  }

  /** Fails what is overdue at {@code now} and forgets what is done (housekeeping). */
  void expire(long now) {
    while (true) {
      Pending head;
      synchronized (pending) {
        head = pending.peekFirst();
        if (head == null || (!head.future().isDone() && head.deadline() - now > 0)) {
          return;
        }
        pending.pollFirst();
      }
      if (!head.future().isDone()) {
        head.future().completeExceptionally(new TimeoutException("request timed out"));
      }
    }
  }

  int size() {
    synchronized (pending) {
      return pending.size();
    }
  }
}
