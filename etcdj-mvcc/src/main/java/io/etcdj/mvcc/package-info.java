/**
 * The multi-version key-value store: revisions, the treeIndex of key generations, read and write
 * transactions, compaction in caller-driven steps, HashKV and the watchable store.
 *
 * <p>Start reading at {@link io.etcdj.mvcc.KvStore} (the write and read paths, publish, compaction,
 * restore), then {@link io.etcdj.mvcc.KeyIndex} (generations, with a worked example) and {@link
 * io.etcdj.mvcc.WatchableStore} (synced, unsynced and victim watchers).
 *
 * <p>Must not depend on: raft, the lessor, the server, gRPC, protobuf ({@link
 * io.etcdj.mvcc.KeyValue} hand-writes {@code mvccpb.KeyValue}'s wire form). A write returns its
 * change set ({@link io.etcdj.mvcc.WriteResult}); the caller attaches and detaches leases. The
 * caller owns the backend write transaction and writes the consistent index into it ({@link
 * io.etcdj.backend.ConsistentIndex}). No clock, no threads, no randomness: the caller drives
 * compaction steps, watch sync passes and victim retries. Keys and values are {@link
 * io.etcdj.backend.ByteSequence}, the backend's immutable byte type.
 */
@NullMarked
package io.etcdj.mvcc;

import org.jspecify.annotations.NullMarked;
