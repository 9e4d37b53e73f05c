package io.etcdj.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Futures that complete once the applied index reaches theirs (linearizable reads wait here for
 * their read index). Thread-safe; futures complete on the thread that advances the index, so
 * callers continue elsewhere with an {@code ...Async} stage.
 */
final class IndexWaiter {
  private final TreeMap<Long, List<CompletableFuture<Void>>> waiting = new TreeMap<>();
  private volatile long index;

  IndexWaiter(long start) {
    this.index = start;
  }

  long index() {
    return index;
  }

  CompletableFuture<Void> await(long target) {
    if (target <= index) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> f = new CompletableFuture<>();
    synchronized (this) {
      if (target <= index) {
        return CompletableFuture.completedFuture(null);
      }
      waiting.computeIfAbsent(target, t -> new ArrayList<>()).add(f);
    }
    return f;
  }

  void advance(long to) {
    List<CompletableFuture<Void>> ready = new ArrayList<>();
    synchronized (this) {
      if (to <= index) {
        return;
      }
      index = to;
      Map<Long, List<CompletableFuture<Void>>> head = waiting.headMap(to, true);
      head.values().forEach(ready::addAll);
      head.clear();
    }
    for (CompletableFuture<Void> f : ready) {
      f.complete(null);
    }
  }

  void failAll(Throwable t) {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    synchronized (this) {
      waiting.values().forEach(all::addAll);
      waiting.clear();
    }
    all.forEach(f -> f.completeExceptionally(t));
  }
}
