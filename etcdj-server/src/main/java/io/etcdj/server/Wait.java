package io.etcdj.server;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/** Proposals waiting for their entry to be applied, by request ID. Thread-safe. */
final class Wait {
  private final ConcurrentHashMap<Long, CompletableFuture<Object>> waiting =
      new ConcurrentHashMap<>();

  CompletableFuture<Object> register(long id) {
    CompletableFuture<Object> f = new CompletableFuture<>();
    if (waiting.putIfAbsent(id, f) != null) {
      throw new IllegalStateException("duplicate request ID " + id);
    }
    return f;
  }

  /** Completes the waiter of {@code id}, if this member has one. */
  void trigger(long id, Object result) {
    CompletableFuture<Object> f = waiting.remove(id);
    if (f != null) {
      if (result instanceof EtcdException e) {
        f.completeExceptionally(e);
      } else {
        f.complete(result);
      }
    }
  }

  void forget(long id) {
    waiting.remove(id);
  }

  boolean isWaiting(long id) {
    return waiting.containsKey(id);
  }

  /** Fails every waiter (the server stops). */
  void failAll(EtcdException e) {
    for (Long id : waiting.keySet()) {
      @Nullable CompletableFuture<Object> f = waiting.remove(id);
      if (f != null) {
        f.completeExceptionally(e);
      }
    }
  }

  int size() {
    return waiting.size();
  }
}
