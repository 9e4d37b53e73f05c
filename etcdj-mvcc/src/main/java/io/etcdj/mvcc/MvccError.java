package io.etcdj.mvcc;

/**
 * Expected failures of mvcc calls that clients see; the server maps each to etcd's status and text
 * ({@link #etcdText()}).
 */
public enum MvccError {
  /** Revision below the compact revision (Range, Txn ranges, HashKV) or Compact at or below it. */
  COMPACTED("etcdserver: mvcc: required revision has been compacted"),
  /** Revision beyond the current revision. */
  FUTURE_REVISION("etcdserver: mvcc: required revision is a future revision"),
  /** Watch creation with {@code key >= range_end}. */
  WATCHER_RANGE_EMPTY("mvcc: watcher range is empty"),
  /** Watch creation with a watch ID already used on the stream. */
  DUPLICATE_WATCH_ID("mvcc: duplicate watch ID provided on the WatchStream");

  private final String etcdText;

  MvccError(String etcdText) {
    this.etcdText = etcdText;
  }

  /** etcd's message for this error, as clients see it. */
  public String etcdText() {
    return etcdText;
  }
}
