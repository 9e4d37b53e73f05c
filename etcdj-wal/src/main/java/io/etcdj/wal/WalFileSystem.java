package io.etcdj.wal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The file operations the WAL and the snapshot files need, and nothing more, so that tests and the
 * simulation can run them on a disk that loses unsynced data and injects faults.
 *
 * <p>Durability contract (what a real file system guarantees and {@link SimulatedDisk} models):
 * data written to a file survives a crash only after {@link WalFile#force()}; a file's existence, a
 * rename and a delete survive a crash only after {@link #syncDirectory(Path)} of the directory
 * holding the name. Any {@link IOException} from a write or a sync is fatal to the caller: the WAL
 * never retries it (a failed fsync may have dropped the data it covered).
 */
public interface WalFileSystem {

  /** Creates {@code dir} and missing parents; no error if it exists. */
  void createDirectories(Path dir) throws IOException;

  boolean exists(Path path);

  /** The names (not paths) of the entries of {@code dir}, sorted. */
  List<String> list(Path dir) throws IOException;

  /** Creates a new empty file; fails if it exists. */
  WalFile create(Path file) throws IOException;

  /** Opens an existing file for reading and writing. */
  WalFile open(Path file) throws IOException;

  /** Renames {@code from} to {@code to} atomically, replacing {@code to} if it exists. */
  void rename(Path from, Path to) throws IOException;

  /** Deletes a file or an empty directory; no error if it does not exist. */
  void delete(Path path) throws IOException;

  /** Makes the entries of {@code dir} (creations, renames, deletions) durable. */
  void syncDirectory(Path dir) throws IOException;

  /** An open file. Confined to one thread at a time. */
  interface WalFile extends AutoCloseable {
    /** Reads up to {@code length} bytes at {@code position}; fewer only at end of file. */
    byte[] read(long position, int length) throws IOException;

    /** Writes all of {@code data} at {@code position}, extending the file if needed. */
    void write(long position, byte[] data, int offset, int length) throws IOException;

    long size() throws IOException;

    /** Shortens the file to {@code size} bytes. */
    void truncate(long size) throws IOException;

    /** Makes everything written so far durable (fdatasync). */
    void force() throws IOException;

    @Override
    void close() throws IOException;
  }
}
