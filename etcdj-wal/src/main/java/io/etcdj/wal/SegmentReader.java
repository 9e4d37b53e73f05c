package io.etcdj.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.jspecify.annotations.Nullable;

/**
 * Reads the frames of one segment's bytes in order, checking each header and the CRC chain.
 *
 * <p>{@link #next()} returns the next record, or null at the end of the records, leaving in {@link
 * #stop()} why it stopped: a clean end (end of file or a zero header), or the offset and the
 * problem of the first frame that did not check out. Whether that problem is a torn tail or
 * corruption is the caller's call ({@link #onlyZerosFrom(long)} helps). Not thread-safe.
 */
final class SegmentReader {

  /** Why reading stopped. {@code problem} is null for a clean end. */
  record Stop(long offset, @Nullable String problem, boolean incomplete) {}

  private final byte[] bytes;
  private final int length;
  private int position;
  private int runningCrc;
  private @Nullable Stop stop;
  private long lastFrameEnd;

  SegmentReader(byte[] bytes, int runningCrc) {
    this.bytes = bytes;
    this.length = bytes.length;
    this.runningCrc = runningCrc;
  }

  int runningCrc() {
    return runningCrc;
  }

  /** The offset just after the last good frame. */
  long goodEnd() {
    return lastFrameEnd;
  }

  Stop stop() {
    if (stop == null) {
      throw new IllegalStateException("reading has not stopped");
    }
    return stop;
  }

  /** Whether every byte from {@code offset} to the end of the segment is zero. */
  boolean onlyZerosFrom(long offset) {
    for (int i = (int) Math.max(0, offset); i < length; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return true;
  }

  @Nullable WalRecord next() {
    if (stop != null) {
      return null;
    }
    int at = position;
    if (at == length) {
      return stopWith(new Stop(at, null, false));
    }
    if (length - at < RecordCodec.HEADER_BYTES) {
      return onlyZerosFrom(at)
          ? stopWith(new Stop(at, null, false))
          : stopWith(new Stop(at, "incomplete record header", true));
    }
    ByteBuffer header =
        ByteBuffer.wrap(bytes, at, RecordCodec.HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    long dataLength = Integer.toUnsignedLong(header.getInt());
    byte type = header.get();
    byte r1 = header.get();
    byte r2 = header.get();
    byte r3 = header.get();
    int recordCrc = header.getInt();
    int check = header.getInt();
    if (dataLength == 0
        && type == 0
        && r1 == 0
        && r2 == 0
        && r3 == 0
        && recordCrc == 0
        && check == 0) {
      return stopWith(new Stop(at, null, false));
    }
    if (check != RecordCodec.headerCheck(bytes, at)) {
      return stopWith(new Stop(at, "record header check failed", false));
    }
    if (r1 != 0 || r2 != 0 || r3 != 0 || dataLength > RecordCodec.MAX_DATA_BYTES) {
      return stopWith(new Stop(at, "malformed record header", false));
    }
    long frameEnd = at + (long) RecordCodec.frameLength((int) dataLength);
    if (frameEnd > length) {
      return stopWith(new Stop(at, "incomplete record (" + dataLength + " data bytes)", true));
    }
    int dataStart = at + RecordCodec.HEADER_BYTES;
    int dataEnd = dataStart + (int) dataLength;
    for (int i = dataEnd; i < frameEnd; i++) {
      if (bytes[i] != 0) {
        return stopWith(new Stop(at, "non-zero record padding", false));
      }
    }
    byte[] data = java.util.Arrays.copyOfRange(bytes, dataStart, dataEnd);
    if (type != RecordCodec.TYPE_CRC) {
      int expected = RecordCodec.chain(runningCrc, data, 0, data.length);
      if (expected != recordCrc) {
        return stopWith(new Stop(at, "record CRC mismatch", false));
      }
    }
    WalRecord record = RecordCodec.decode(type, recordCrc, data);
    if (record == null) {
      return stopWith(new Stop(at, "malformed record of type " + type, false));
    }
    runningCrc = recordCrc;
    position = (int) frameEnd;
    lastFrameEnd = frameEnd;
    return record;
  }

  private @Nullable WalRecord stopWith(Stop reason) {
    stop = reason;
    return null;
  }
}
