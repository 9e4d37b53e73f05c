package io.etcdj.mvcc;

import io.etcdj.backend.ByteSequence;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Watchers over a {@link KvStore}: each sees every event from its start revision exactly once, in
 * revision order, whole revisions at a time.
 *
 * <p>Design note (etcd's watchable store). A watcher is in one of three groups. <b>Synced</b>
 * watchers are fed from each {@link KvStore#publish()} (the store calls {@link #notify}); <b>
 * unsynced</b> ones (start revision in the past, or back from being a victim) catch up from the
 * {@code key} bucket in passes of {@link #syncUnsynced()}, each reading at most {@code
 * maxRevisionsPerSync} revisions for at most {@code maxWatchersPerSync} watchers, and move to
 * synced once caught up; <b>victims</b> are watchers whose sink was full: they hold the response
 * that did not fit and get it again in {@link #retryVictims()}. A full sink never blocks the
 * writer. Each watcher keeps {@code minRev}, the next revision it must see; every delivery moves it
 * past what was delivered, and {@link #notify} skips events below it, which is what makes delivery
 * exactly-once across group moves.
 *
 * <p>A watcher whose {@code minRev} fell below the compact revision gets one response with the
 * compact revision and is removed (the server turns it into {@code canceled}).
 *
 * <p>History reads run outside the lock: a pass takes its watchers under the lock, reads the
 * backend without it, and delivers under it again; a compaction that raced with the read is
 * detected by re-reading the compact revision after it (the compact revision is raised before any
 * backend deletion).
 *
 * <p>Confinement: thread-safe; one {@link ReentrantLock}. {@link #notify} runs on the writer
 * thread; the caller runs {@link #syncUnsynced()} (etcd: every 100 ms) and {@link #retryVictims()}
 * (etcd: every 10 ms) on a thread of its choosing; sinks are called with the lock held.
 */
public final class WatchableStore {
  private final KvStore kv;
  private final int maxWatchersPerSync;
  private final int maxRevisionsPerSync;
  private final ReentrantLock lock = new ReentrantLock();

  // Guarded by lock.
  private long nextId;
  private long notifiedRevision;
  private final Map<ByteSequence, Set<Watcher>> syncedByKey = new HashMap<>();
  private final Set<Watcher> syncedRanges = new LinkedHashSet<>();
  private final LinkedHashSet<Watcher> unsynced = new LinkedHashSet<>();
  private final LinkedHashSet<Watcher> victims = new LinkedHashSet<>();

  enum State {
    SYNCED,
    UNSYNCED,
    VICTIM,
    CANCELED
  }

  /** A registered watcher; its methods may be called from any thread. */
  public static final class Watcher {
    private final long id;
    private final WatchRequest request;
    private final WatchSink sink;
    private long minRev;
    private State state;
    private @Nullable WatchResponse pending;

    Watcher(long id, WatchRequest request, WatchSink sink, long minRev, State state) {
      this.id = id;
      this.request = request;
      this.sink = sink;
      this.minRev = minRev;
      this.state = state;
    }

    public long id() {
      return id;
    }

    public WatchRequest request() {
      return request;
    }
  }

  /**
   * Registers on {@code kv}'s publications.
   *
   * @param maxWatchersPerSync unsynced watchers served by one {@link #syncUnsynced()} (etcd: 512)
   * @param maxRevisionsPerSync distinct revisions read by one pass (etcd: 1000 per response)
   */
  public WatchableStore(KvStore kv, int maxWatchersPerSync, int maxRevisionsPerSync) {
    if (maxWatchersPerSync < 1 || maxRevisionsPerSync < 1) {
      throw new IllegalArgumentException("limits must be >= 1");
    }
    this.kv = kv;
    this.maxWatchersPerSync = maxWatchersPerSync;
    this.maxRevisionsPerSync = maxRevisionsPerSync;
    this.notifiedRevision = kv.currentRevision();
    kv.addListener(this::notify);
  }

  /** With etcd's limits: 512 watchers per pass, 1000 revisions per pass. */
  public WatchableStore(KvStore kv) {
    this(kv, 512, 1000);
  }

  /**
   * Creates a watcher: synced from {@code max(current + 1, start)} if the start revision is 0 or in
   * the future, else unsynced from the start revision. Fails with {@link
   * MvccError#WATCHER_RANGE_EMPTY} if {@code key >= end} for a range.
   */
  public Outcome<Watcher> watch(WatchRequest request, WatchSink sink) {
    ByteSequence end = request.end();
    if (request.isRange()
        && end != null
        && !(end.size() == 1 && end.byteAt(0) == 0)
        && request.key().compareTo(end) >= 0) {
      return Outcome.failed(MvccError.WATCHER_RANGE_EMPTY);
    }
    lock.lock();
    try {
      long current = kv.currentRevision();
      long start = request.startRevision();
      Watcher w;
      if (start <= 0 || start > current) {
        w = new Watcher(nextId++, request, sink, Math.max(current + 1, start), State.SYNCED);
        addSynced(w);
      } else {
        w = new Watcher(nextId++, request, sink, start, State.UNSYNCED);
        unsynced.add(w);
      }
      return Outcome.ok(w);
    } finally {
      lock.unlock();
    }
  }

  /** Removes the watcher; nothing more is sent to it. */
  public void cancel(Watcher w) {
    lock.lock();
    try {
      remove(w);
    } finally {
      lock.unlock();
    }
  }

  private void remove(Watcher w) {
    switch (w.state) {
      case SYNCED -> removeSynced(w);
      case UNSYNCED -> unsynced.remove(w);
      case VICTIM -> victims.remove(w);
      case CANCELED -> {}
    }
    w.state = State.CANCELED;
    w.pending = null;
  }

  private void addSynced(Watcher w) {
    w.state = State.SYNCED;
    if (w.request.isRange()) {
      syncedRanges.add(w);
    } else {
      syncedByKey.computeIfAbsent(w.request.key(), k -> new LinkedHashSet<>()).add(w);
    }
  }

  private void removeSynced(Watcher w) {
    if (w.request.isRange()) {
      syncedRanges.remove(w);
    } else {
      Set<Watcher> set = syncedByKey.get(w.request.key());
      if (set != null) {
        set.remove(w);
        if (set.isEmpty()) {
          syncedByKey.remove(w.request.key());
        }
      }
    }
  }

  /** Feeds synced watchers from one publication (registered on the store; writer thread). */
  void notify(KvStore.Published published) {
    lock.lock();
    try {
      IdentityHashMap<Event, Event> withPrev = new IdentityHashMap<>();
      int i = 0;
      List<Event> events = published.events();
      while (i < events.size()) {
        long rev = events.get(i).revision();
        int j = i;
        Map<Watcher, List<Event>> matched = new LinkedHashMap<>();
        while (j < events.size() && events.get(j).revision() == rev) {
          Event e = events.get(j);
          Set<Watcher> exact = syncedByKey.get(e.kv().key());
          if (exact != null) {
            for (Watcher w : exact) {
              matched.computeIfAbsent(w, x -> new ArrayList<>()).add(e);
            }
          }
          for (Watcher w : syncedRanges) {
            if (w.request.matches(e.kv().key())) {
              matched.computeIfAbsent(w, x -> new ArrayList<>()).add(e);
            }
          }
          j++;
        }
        for (Map.Entry<Watcher, List<Event>> m : matched.entrySet()) {
          Watcher w = m.getKey();
          if (w.state != State.SYNCED || rev < w.minRev) {
            continue;
          }
          w.minRev = rev + 1;
          List<Event> out = prepare(w, m.getValue(), withPrev);
          if (!out.isEmpty()) {
            WatchResponse r = new WatchResponse(w.id, out, published.revision(), 0);
            if (!w.sink.offer(r)) {
              removeSynced(w);
              w.state = State.VICTIM;
              w.pending = r;
              victims.add(w);
            }
          }
        }
        i = j;
      }
      notifiedRevision = Math.max(notifiedRevision, published.revision());
    } finally {
      lock.unlock();
    }
  }

  /** Applies the watcher's filters and prev_kv wish. */
  private List<Event> prepare(
      Watcher w, List<Event> events, IdentityHashMap<Event, Event> withPrev) {
    List<Event> out = new ArrayList<>(events.size());
    for (Event e : events) {
      if ((e.type() == EventType.PUT && w.request.noPut())
          || (e.type() == EventType.DELETE && w.request.noDelete())) {
        continue;
      }
      if (!w.request.prevKv()) {
        out.add(e.prevKv() == null ? e : e.withPrevKv(null));
      } else if (e.prevKv() != null || e.isCreate()) {
        out.add(e);
      } else {
        out.add(withPrev.computeIfAbsent(e, this::attachPrevKv));
      }
    }
    return out;
  }

  private Event attachPrevKv(Event e) {
    try (KvReadTxn r = kv.read()) {
      Outcome<RangeResult> prev =
          r.range(e.kv().key(), null, RangeOptions.atRevision(e.revision() - 1));
      if (prev instanceof Outcome.Ok<RangeResult> ok && !ok.value().kvs().isEmpty()) {
        return e.withPrevKv(ok.value().kvs().get(0));
      }
      return e;
    }
  }

  /**
   * One catch-up pass over up to {@code maxWatchersPerSync} unsynced watchers.
   *
   * @return unsynced watchers left
   */
  public int syncUnsynced() {
    List<Watcher> chosen = new ArrayList<>();
    long minRev = Long.MAX_VALUE;
    long current;
    lock.lock();
    try {
      current = kv.currentRevision();
      long compact = kv.compactRevision();
      Iterator<Watcher> it = unsynced.iterator();
      while (it.hasNext() && chosen.size() < maxWatchersPerSync) {
        Watcher w = it.next();
        if (w.minRev < compact) {
          if (w.sink.offer(new WatchResponse(w.id, List.of(), 0, compact))) {
            it.remove();
            w.state = State.CANCELED;
          }
          continue;
        }
        chosen.add(w);
        minRev = Math.min(minRev, w.minRev);
      }
      // Served ones go to the back, so that more than maxWatchersPerSync all get a turn.
      for (Watcher w : chosen) {
        unsynced.remove(w);
        unsynced.add(w);
      }
      if (chosen.isEmpty()) {
        return unsynced.size();
      }
    } finally {
      lock.unlock();
    }
    List<Event> history = kv.history(minRev, current, maxRevisionsPerSync);
    long scannedUpTo = current;
    if (!history.isEmpty()) {
      long distinct = history.stream().mapToLong(Event::revision).distinct().count();
      if (distinct >= maxRevisionsPerSync) {
        scannedUpTo = history.get(history.size() - 1).revision();
      }
    }
    long compactAfterRead = kv.compactRevision();
    lock.lock();
    try {
      long now = kv.currentRevision();
      IdentityHashMap<Event, Event> withPrev = new IdentityHashMap<>();
      for (Watcher w : chosen) {
        if (w.state != State.UNSYNCED) {
          continue;
        }
        if (w.minRev < compactAfterRead) {
          if (w.sink.offer(new WatchResponse(w.id, List.of(), 0, compactAfterRead))) {
            unsynced.remove(w);
            w.state = State.CANCELED;
          }
          continue;
        }
        List<Event> mine = new ArrayList<>();
        for (Event e : history) {
          if (e.revision() >= w.minRev
              && e.revision() <= scannedUpTo
              && w.request.matches(e.kv().key())) {
            mine.add(e);
          }
        }
        List<Event> out = prepare(w, mine, withPrev);
        w.minRev = Math.max(w.minRev, scannedUpTo + 1);
        if (!out.isEmpty()) {
          WatchResponse r = new WatchResponse(w.id, out, now, 0);
          if (!w.sink.offer(r)) {
            unsynced.remove(w);
            w.state = State.VICTIM;
            w.pending = r;
            victims.add(w);
            continue;
          }
        }
        if (w.minRev > now) {
          unsynced.remove(w);
          addSynced(w);
        }
      }
      return unsynced.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Offers every victim its parked response again; those that take it go back to synced (caught up)
   * or unsynced.
   *
   * @return victims left
   */
  public int retryVictims() {
    lock.lock();
    try {
      long current = kv.currentRevision();
      Iterator<Watcher> it = victims.iterator();
      while (it.hasNext()) {
        Watcher w = it.next();
        WatchResponse r = w.pending;
        if (r != null && !w.sink.offer(r)) {
          continue;
        }
        w.pending = null;
        it.remove();
        if (w.minRev > current) {
          addSynced(w);
        } else {
          w.state = State.UNSYNCED;
          unsynced.add(w);
        }
      }
      return victims.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sends a progress notification to {@code w} if it is synced: its revision is one that every
   * event the watcher has not yet received lies above.
   *
   * @return whether one was offered and taken
   */
  public boolean requestProgress(Watcher w) {
    lock.lock();
    try {
      if (w.state != State.SYNCED) {
        return false;
      }
      long rev = Math.max(notifiedRevision, w.minRev - 1);
      return w.sink.offer(new WatchResponse(w.id, List.of(), rev, 0));
    } finally {
      lock.unlock();
    }
  }

  /**
   * After the store was reloaded from a snapshot: every synced watcher becomes unsynced and catches
   * up from the revision it expects next (or is told it was compacted), as etcd's restore does.
   */
  public void resync() {
    lock.lock();
    try {
      List<Watcher> all = new ArrayList<>(syncedRanges);
      syncedByKey.values().forEach(all::addAll);
      syncedRanges.clear();
      syncedByKey.clear();
      for (Watcher w : all) {
        w.state = State.UNSYNCED;
        unsynced.add(w);
      }
      notifiedRevision = kv.currentRevision();
    } finally {
      lock.unlock();
    }
  }

  /** Counts of synced, unsynced and victim watchers, for metrics and tests. */
  public record Counts(int synced, int unsynced, int victims) {}

  public Counts counts() {
    lock.lock();
    try {
      int synced = syncedRanges.size();
      for (Set<Watcher> s : syncedByKey.values()) {
        synced += s.size();
      }
      return new Counts(synced, unsynced.size(), victims.size());
    } finally {
      lock.unlock();
    }
  }
}
