package io.etcdj.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.etcdj.api.mvccpb.Event;
import io.etcdj.api.mvccpb.KeyValue;
import io.etcdj.backend.ByteSequence;
import org.jspecify.annotations.Nullable;

/** Between mvcc's types and the wire types. mvcc's arrays are never mutated, so they are shared. */
final class Convert {
  private Convert() {}

  static ByteSequence bytes(ByteString s) {
    return s.isEmpty() ? ByteSequence.EMPTY : ByteSequence.wrap(s.toByteArray());
  }

  static @Nullable ByteSequence end(ByteString s) {
    return s.isEmpty() ? null : ByteSequence.wrap(s.toByteArray());
  }

  static ByteString wire(ByteSequence s) {
    return s.isEmpty() ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(s.unsafeArray());
  }

  static KeyValue kv(io.etcdj.mvcc.KeyValue kv) {
    KeyValue.Builder b =
        KeyValue.newBuilder()
            .setKey(wire(kv.key()))
            .setCreateRevision(kv.createRevision())
            .setModRevision(kv.modRevision())
            .setVersion(kv.version())
            .setLease(kv.lease());
    if (!kv.value().isEmpty()) {
      b.setValue(wire(kv.value()));
    }
    return b.build();
  }

  static Event event(io.etcdj.mvcc.Event e) {
    Event.Builder b =
        Event.newBuilder()
            .setType(
                e.type() == io.etcdj.mvcc.EventType.PUT
                    ? Event.EventType.PUT
                    : Event.EventType.DELETE)
            .setKv(kv(e.kv()));
    io.etcdj.mvcc.KeyValue prev = e.prevKv();
    if (prev != null) {
      b.setPrevKv(kv(prev));
    }
    return b.build();
  }

  static EtcdException error(io.etcdj.mvcc.MvccError error) {
    return switch (error) {
      case COMPACTED -> EtcdError.COMPACTED.exception();
      case FUTURE_REVISION -> EtcdError.FUTURE_REVISION.exception();
      case WATCHER_RANGE_EMPTY, DUPLICATE_WATCH_ID ->
          throw new IllegalArgumentException("not a request error: " + error);
    };
  }
}
