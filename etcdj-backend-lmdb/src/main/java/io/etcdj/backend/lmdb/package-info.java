/**
 * The backend over LMDB (lmdbjava): named databases are the buckets, copy-on-write B+tree pages
 * give crash safety, and a rewrite with full pages into a new environment is the defragment.
 *
 * <p>Owns: {@link io.etcdj.backend.lmdb.LmdbStore} (the durable store) and {@link
 * io.etcdj.backend.lmdb.LmdbBackend} (opens a {@link io.etcdj.backend.BatchedBackend} on it).
 * Batching and the read buffer are not here: they are the backend port's, shared with the in-memory
 * store.
 *
 * <p>Must not depend on: mvcc, raft, the server. Write transactions are bound to their OS thread,
 * so the single writer is a platform thread. Starts no threads.
 */
@NullMarked
package io.etcdj.backend.lmdb;

import org.jspecify.annotations.NullMarked;
