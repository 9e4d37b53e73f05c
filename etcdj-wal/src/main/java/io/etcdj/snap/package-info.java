/**
 * Raft snapshot files: metadata, membership and data in a file named by term and index, with a
 * CRC-32C.
 *
 * <p>Owns: durable saving (temporary file, fsync, rename, directory fsync), loading the newest
 * valid snapshot while reporting — never using — corrupt ones, and retention like etcd's {@code
 * --max-snapshots}.
 *
 * <p>Must not depend on: mvcc, the server, gRPC. Start reading at {@link
 * io.etcdj.snap.Snapshotter}.
 */
@NullMarked
package io.etcdj.snap;

import org.jspecify.annotations.NullMarked;
