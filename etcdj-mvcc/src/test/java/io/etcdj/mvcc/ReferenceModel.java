package io.etcdj.mvcc;

import io.etcdj.backend.ByteSequence;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * A deliberately naive model of the store: a full copy of the key space for every revision. No
 * index, no generations, no compaction of its own beyond forgetting old copies.
 */
final class ReferenceModel {
  long current = 1;
  long compact = -1;
  TreeMap<Long, TreeMap<ByteSequence, KeyValue>> states = new TreeMap<>();

  ReferenceModel() {
    states.put(1L, new TreeMap<>());
  }

  ReferenceModel copy() {
    ReferenceModel m = new ReferenceModel();
    m.current = current;
    m.compact = compact;
    m.states = new TreeMap<>(states);
    return m;
  }

  /** A write transaction of the model. */
  final class Txn {
    final TreeMap<ByteSequence, KeyValue> working = new TreeMap<>(stateAt(current));
    int changes;

    long rev() {
      return current + 1;
    }

    KeyValue put(ByteSequence key, ByteSequence value, long lease) {
      KeyValue prev = working.get(key);
      KeyValue kv =
          new KeyValue(
              key,
              prev == null ? rev() : prev.createRevision(),
              rev(),
              prev == null ? 1 : prev.version() + 1,
              value,
              lease);
      working.put(key, kv);
      changes++;
      return kv;
    }

    List<KeyValue> deleteRange(ByteSequence key, @Nullable ByteSequence end) {
      List<KeyValue> deleted = new ArrayList<>(select(working, key, end).values());
      for (KeyValue kv : deleted) {
        working.remove(kv.key());
        changes++;
      }
      return deleted;
    }

    Outcome<RangeResult> range(ByteSequence key, @Nullable ByteSequence end, RangeOptions o) {
      long readRev = changes == 0 ? current : current + 1;
      long at = o.revision() <= 0 ? readRev : o.revision();
      if (at > readRev) {
        return Outcome.failed(MvccError.FUTURE_REVISION);
      }
      if (at < compact) {
        return Outcome.failed(MvccError.COMPACTED);
      }
      TreeMap<ByteSequence, KeyValue> state = at == readRev ? working : stateAt(at);
      return Outcome.ok(result(state, key, end, o, readRev));
    }

    long end() {
      if (changes > 0) {
        current++;
        states.put(current, working);
      }
      return current;
    }
  }

  Outcome<RangeResult> range(ByteSequence key, @Nullable ByteSequence end, RangeOptions o) {
    long at = o.revision() <= 0 ? current : o.revision();
    if (at > current) {
      return Outcome.failed(MvccError.FUTURE_REVISION);
    }
    if (at < compact) {
      return Outcome.failed(MvccError.COMPACTED);
    }
    return Outcome.ok(result(stateAt(at), key, end, o, current));
  }

  TreeMap<ByteSequence, KeyValue> stateAt(long rev) {
    return java.util.Objects.requireNonNull(states.floorEntry(rev), "no state at " + rev)
        .getValue();
  }

  Outcome<Long> compact(long rev) {
    if (rev <= compact) {
      return Outcome.failed(MvccError.COMPACTED);
    }
    if (rev > current) {
      return Outcome.failed(MvccError.FUTURE_REVISION);
    }
    compact = rev;
    Long floor = states.floorKey(rev);
    if (floor != null) {
      states.headMap(floor, false).clear();
    }
    return Outcome.ok(current);
  }

  private static RangeResult result(
      TreeMap<ByteSequence, KeyValue> state,
      ByteSequence key,
      @Nullable ByteSequence end,
      RangeOptions o,
      long reported) {
    List<KeyValue> all = new ArrayList<>(select(state, key, end).values());
    List<KeyValue> kvs = new ArrayList<>();
    if (!o.countOnly()) {
      for (KeyValue kv : all) {
        if (o.limit() > 0 && kvs.size() >= o.limit()) {
          break;
        }
        kvs.add(o.keysOnly() ? kv.withoutValue() : kv);
      }
    }
    return new RangeResult(kvs, all.size(), reported);
  }

  static Map<ByteSequence, KeyValue> select(
      TreeMap<ByteSequence, KeyValue> state, ByteSequence key, @Nullable ByteSequence end) {
    if (end == null || end.isEmpty()) {
      KeyValue kv = state.get(key);
      return kv == null ? Map.of() : Map.of(key, kv);
    }
    if (end.size() == 1 && end.byteAt(0) == 0) {
      return state.tailMap(key, true);
    }
    if (key.compareTo(end) >= 0) {
      return Map.of();
    }
    return state.subMap(key, true, end, false);
  }
}
