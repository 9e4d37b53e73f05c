package io.etcdj.mvcc;

import org.jspecify.annotations.Nullable;

/**
 * One change: a put (the new key-value) or a delete ({@code kv} holds only the key and the delete
 * revision as {@code mod_revision}). {@code prevKv} is the version before, when known: always for
 * deletes made by a write transaction (it carries the lease the server detaches), for watch events
 * only when the watcher asked for it and it is not compacted.
 */
public record Event(EventType type, KeyValue kv, @Nullable KeyValue prevKv) {
  /** Whether this put created the key (a new generation). */
  public boolean isCreate() {
    return type == EventType.PUT && kv.createRevision() == kv.modRevision();
  }

  public long revision() {
    return kv.modRevision();
  }

  Event withPrevKv(@Nullable KeyValue prev) {
    return new Event(type, kv, prev);
  }
}
