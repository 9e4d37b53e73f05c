package io.etcdj.mvcc;

import java.util.List;

/**
 * What a range read: key-values in key order, the number of keys in range at the revision (ignoring
 * the limit), and the store's current revision (not the one asked for, as etcd).
 */
public record RangeResult(List<KeyValue> kvs, long count, long revision) {
  public RangeResult {
    kvs = List.copyOf(kvs);
  }
}
