/**
 * The multi-version key-value store: revisions, the treeIndex of key generations, read and write
 * transactions, compaction, HashKV and the watchable store.
 *
 * <p>Must not depend on: raft, the lessor, the server, gRPC. A write returns its change set; the
 * caller attaches leases. The caller writes the consistent index into the same backend write
 * transaction.
 *
 * <p>Arrives with issue #5.
 */
@NullMarked
package io.etcdj.mvcc;

import org.jspecify.annotations.NullMarked;
