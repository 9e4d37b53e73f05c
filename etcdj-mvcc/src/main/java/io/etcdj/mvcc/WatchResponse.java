package io.etcdj.mvcc;

import java.util.List;

/**
 * What a watcher's sink receives: events (all of one or more whole revisions, in revision order), a
 * compaction cancel ({@code compactRevision > 0}, no events, the watcher is gone), or a progress
 * notification (no events; every later event has a revision above {@code revision}).
 *
 * @param revision the store's revision when the response was made (0 on a compaction cancel)
 */
public record WatchResponse(long watchId, List<Event> events, long revision, long compactRevision) {
  public WatchResponse {
    events = List.copyOf(events);
  }

  public boolean isCompacted() {
    return compactRevision > 0;
  }

  public boolean isProgress() {
    return events.isEmpty() && compactRevision == 0;
  }
}
