package io.etcdj.raft;

/** What an entry's data holds. */
public enum EntryType {
  /** Application data; empty data is the no-op a new leader appends at the start of its term. */
  NORMAL,
  /** An encoded membership change (single-step or joint); raft decodes it. */
  CONF_CHANGE
}
