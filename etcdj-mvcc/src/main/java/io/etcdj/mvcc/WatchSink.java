package io.etcdj.mvcc;

/**
 * Where a watcher's responses go (the watch stream's send buffer). Must not block: a full sink
 * returns {@code false}, the watcher is parked as a victim and the response is offered again by
 * {@link WatchableStore#retryVictims()}.
 *
 * <p>Called on the writer thread (for synced watchers) or on the thread that runs {@link
 * WatchableStore#syncUnsynced()} and {@link WatchableStore#retryVictims()}, with the watchable
 * store's lock held: do not call back into the store.
 */
@FunctionalInterface
public interface WatchSink {
  boolean offer(WatchResponse response);
}
