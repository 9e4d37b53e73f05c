/**
 * The backend over LMDB (lmdbjava): named databases are the buckets, copy-on-write B+tree pages
 * give crash safety, and a compacting copy is the defragment.
 *
 * <p>Must not depend on: mvcc, raft, the server. Write transactions are bound to their OS thread,
 * so the single writer is a platform thread.
 *
 * <p>Arrives with issue #5.
 */
@NullMarked
package io.etcdj.backend.lmdb;

import org.jspecify.annotations.NullMarked;
