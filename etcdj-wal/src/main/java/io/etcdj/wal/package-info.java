/**
 * The write-ahead log: typed, CRC-32C-chained records in preallocated segment files.
 *
 * <p>Owns: saving raft hard state and entries with one write and at most one fsync per batch (group
 * commit), segment cutting, torn-tail repair on open, refusal of any other corruption with the file
 * and offset named, and release of old segments ({@code --max-wals}). All file access goes through
 * {@link io.etcdj.wal.WalFileSystem}: {@link io.etcdj.wal.NioFileSystem} in production, {@link
 * io.etcdj.wal.SimulatedDisk} (lost unsynced writes, torn writes, failed writes and fsyncs) in
 * tests and the simulation.
 *
 * <p>Must not depend on: mvcc, the server, gRPC. Uses etcdj-raft's record types.
 *
 * <p>Start reading at {@link io.etcdj.wal.Wal}; the byte format is in {@code RecordCodec}.
 */
@NullMarked
package io.etcdj.wal;

import org.jspecify.annotations.NullMarked;
