/**
 * The write-ahead log: typed, CRC-32C-chained records in preallocated segment files.
 *
 * <p>Owns: saving raft hard state and entries with one fsync per batch, segment cutting, torn-tail
 * repair on open, refusal of any other corruption, and release of old segments. File access goes
 * through a small port so tests can inject disk faults.
 *
 * <p>Must not depend on: mvcc, the server, gRPC. May depend on etcdj-raft for its record types.
 *
 * <p>Arrives with issue #4.
 */
@NullMarked
package io.etcdj.wal;

import org.jspecify.annotations.NullMarked;
