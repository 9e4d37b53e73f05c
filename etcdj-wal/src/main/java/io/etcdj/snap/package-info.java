/**
 * Raft snapshot files: metadata and data in a file named by term and index, with a CRC.
 *
 * <p>Owns: saving, loading the newest valid snapshot (reporting, never using, corrupt ones) and
 * retention like etcd's {@code --max-snapshots}.
 *
 * <p>Must not depend on: mvcc, the server, gRPC.
 *
 * <p>Arrives with issue #4.
 */
@NullMarked
package io.etcdj.snap;

import org.jspecify.annotations.NullMarked;
