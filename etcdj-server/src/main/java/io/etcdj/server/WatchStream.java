package io.etcdj.server;

import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.api.etcdserverpb.WatchCreateRequest;
import io.etcdj.api.etcdserverpb.WatchResponse;
import io.etcdj.backend.ByteSequence;
import io.etcdj.mvcc.MvccError;
import io.etcdj.mvcc.Outcome;
import io.etcdj.mvcc.WatchRequest;
import io.etcdj.mvcc.WatchableStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One client watch stream (etcd's {@code serverWatchStream}): watch IDs chosen per stream from 0,
 * create/cancel/progress requests, and the responses of its watchers, in etcd's shapes.
 *
 * <p>A watcher's created response is sent before it is registered, and its start revision is fixed
 * at that moment, so no event can overtake it and none is missed.
 *
 * <p>Thread-safety: requests come from the stream's reader; events arrive on the apply thread or
 * the watch sync thread through each watcher's sink, which does not take this stream's lock (the
 * store's lock is held then).
 */
public final class WatchStream implements AutoCloseable {
  /** Where the stream's responses go; must not block (false = full, offer again later). */
  @FunctionalInterface
  public interface Sink {
    boolean offer(WatchResponse response);
  }

  private final EtcdServer server;
  private final WatchableStore store;
  private final Sink sink;
  private final ConcurrentHashMap<Long, WatchableStore.Watcher> watchers =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, Boolean> fragmenting = new ConcurrentHashMap<>();
  // Watchers that asked for progress_notify: whether they got events since the last notify tick.
  private final ConcurrentHashMap<Long, Boolean> progressNotify = new ConcurrentHashMap<>();
  private long nextId;
  private boolean closed;

  WatchStream(EtcdServer server, WatchableStore store, Sink sink) {
    this.server = server;
    this.store = store;
    this.sink = sink;
  }

  /** Handles a create request. */
  public synchronized void create(WatchCreateRequest r) {
    if (closed) {
      return;
    }
    ByteSequence key =
        r.getKey().isEmpty() ? ByteSequence.copyOf(new byte[] {0}) : Convert.bytes(r.getKey());
    ByteSequence end = Convert.end(r.getRangeEnd());
    long current = server.currentRevision();
    long id = r.getWatchId();
    if (id != 0 && watchers.containsKey(id)) {
      sendFailedCreate(MvccError.DUPLICATE_WATCH_ID, current);
      return;
    }
    if (end != null && !(end.size() == 1 && end.byteAt(0) == 0) && key.compareTo(end) >= 0) {
      sendFailedCreate(MvccError.WATCHER_RANGE_EMPTY, current);
      return;
    }
    if (id == 0) {
      while (watchers.containsKey(nextId)) {
        nextId++;
      }
      id = nextId++;
    }
    boolean noPut = false;
    boolean noDelete = false;
    for (var f : r.getFiltersList()) {
      switch (f) {
        case NOPUT -> noPut = true;
        case NODELETE -> noDelete = true;
        default -> {}
      }
    }
    long start = r.getStartRevision() <= 0 ? current + 1 : r.getStartRevision();
    WatchRequest request = new WatchRequest(key, end, start, r.getPrevKv(), noPut, noDelete);
    sink.offer(
        WatchResponse.newBuilder()
            .setHeader(server.header(current))
            .setWatchId(id)
            .setCreated(true)
            .build());
    long watchId = id;
    if (r.getFragment()) {
      fragmenting.put(watchId, Boolean.TRUE);
    }
    if (r.getProgressNotify()) {
      progressNotify.put(watchId, Boolean.FALSE);
    }
    Outcome<WatchableStore.Watcher> w =
        store.watch(request, response -> deliver(watchId, response));
    switch (w) {
      case Outcome.Ok<WatchableStore.Watcher> ok -> watchers.put(watchId, ok.value());
      case Outcome.Failed<WatchableStore.Watcher> failed -> {
        fragmenting.remove(watchId);
        progressNotify.remove(watchId);
        sendFailedCreate(failed.error(), current);
      }
    }
  }

  private void sendFailedCreate(MvccError error, long revision) {
    sink.offer(
        WatchResponse.newBuilder()
            .setHeader(server.header(revision))
            .setWatchId(-1)
            .setCreated(true)
            .setCanceled(true)
            .setCancelReason(error.etcdText())
            .build());
  }

  /** Handles a cancel request; an unknown ID gets no answer, as etcd. */
  public synchronized void cancel(long id) {
    WatchableStore.Watcher w = watchers.remove(id);
    fragmenting.remove(id);
    progressNotify.remove(id);
    if (w == null) {
      return;
    }
    store.cancel(w);
    sink.offer(
        WatchResponse.newBuilder()
            .setHeader(server.header(server.currentRevision()))
            .setWatchId(id)
            .setCanceled(true)
            .build());
  }

  /** Handles a progress request: etcd 3.4 answers at once with watch ID -1. */
  public synchronized void progress() {
    sink.offer(
        WatchResponse.newBuilder()
            .setHeader(server.header(server.currentRevision()))
            .setWatchId(-1)
            .build());
  }

  private boolean deliver(long watchId, io.etcdj.mvcc.WatchResponse r) {
    if (r.isCompacted()) {
      watchers.remove(watchId);
      fragmenting.remove(watchId);
      progressNotify.remove(watchId);
      return sink.offer(
          WatchResponse.newBuilder()
              .setHeader(server.header(0))
              .setWatchId(watchId)
              .setCanceled(true)
              .setCompactRevision(r.compactRevision())
              .build());
    }
    ResponseHeader header = server.header(r.revision());
    if (r.events().isEmpty()) {
      return sink.offer(WatchResponse.newBuilder().setHeader(header).setWatchId(watchId).build());
    }
    progressNotify.replace(watchId, Boolean.FALSE, Boolean.TRUE);
    List<io.etcdj.api.mvccpb.Event> events = new ArrayList<>(r.events().size());
    for (io.etcdj.mvcc.Event e : r.events()) {
      events.add(Convert.event(e));
    }
    WatchResponse whole =
        WatchResponse.newBuilder()
            .setHeader(header)
            .setWatchId(watchId)
            .addAllEvents(events)
            .build();
    long limit = server.maxResponseBytes();
    if (!fragmenting.containsKey(watchId)
        || events.size() < 2
        || whole.getSerializedSize() < limit) {
      return sink.offer(whole);
    }
    List<WatchResponse> parts = new ArrayList<>();
    WatchResponse.Builder part = WatchResponse.newBuilder().setHeader(header).setWatchId(watchId);
    long size = 0;
    for (io.etcdj.api.mvccpb.Event e : events) {
      int s = e.getSerializedSize() + 8;
      if (part.getEventsCount() > 0 && size + s >= limit) {
        parts.add(part.setFragment(true).build());
        part = WatchResponse.newBuilder().setHeader(header).setWatchId(watchId);
        size = 0;
      }
      part.addEvents(e);
      size += s;
    }
    parts.add(part.build());
    for (WatchResponse p : parts) {
      sink.offer(p);
    }
    return true;
  }

  /**
   * The periodic progress notification (etcd's {@code --experimental-watch-progress-notify-
   * interval}): each watcher that asked for it and got no events since the last tick, if it is
   * synced, receives {@code {watch_id, header.revision = current}}.
   */
  void notifyProgress() {
    for (var e : progressNotify.entrySet()) {
      long id = e.getKey();
      if (e.getValue()) {
        e.setValue(Boolean.FALSE);
        continue;
      }
      WatchableStore.Watcher w = watchers.get(id);
      if (w != null) {
        store.requestProgress(w);
      }
    }
  }

  /** Cancels every watcher (the client went away). */
  @Override
  public synchronized void close() {
    closed = true;
    for (WatchableStore.Watcher w : watchers.values()) {
      store.cancel(w);
    }
    watchers.clear();
    progressNotify.clear();
    server.watchStreamClosed(this);
  }

  public int watcherCount() {
    return watchers.size();
  }
}
