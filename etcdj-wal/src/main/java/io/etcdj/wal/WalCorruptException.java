package io.etcdj.wal;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The WAL refused to open because it is damaged in a way that is not a torn tail: a bad CRC or
 * malformed record before the end of the log, a missing segment, a sequence gap, or a snapshot the
 * log does not reach back to. Names the file and, where it applies, the byte offset.
 */
public final class WalCorruptException extends IOException {
  private static final long serialVersionUID = 1L;

  public WalCorruptException(Path file, long offset, String problem) {
    super(file + " at offset " + offset + ": " + problem);
  }

  public WalCorruptException(Path dir, String problem) {
    super(dir + ": " + problem);
  }
}
