package io.etcdj.wal;

import io.etcdj.raft.Bytes;
import io.etcdj.raft.Entry;
import io.etcdj.raft.EntryType;
import io.etcdj.raft.HardState;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * The byte format of WAL records.
 *
 * <p>A frame is a 16-byte header, the record's data, and zero padding to the next multiple of 8
 * bytes:
 *
 * <pre>
 *   0..3   data length, unsigned 32-bit little-endian
 *   4      record type (1 metadata, 2 entry, 3 state, 4 crc, 5 snapshot)
 *   5..7   zero
 *   8..11  record CRC (little-endian): CRC-32C over (previous record CRC, 4 bytes LE) then data;
 *          for a crc record, the running CRC it carries
 *   12..15 header check: CRC-32C of bytes 0..11
 * </pre>
 *
 * The record CRC chains: each one covers the previous one, so a record cannot be dropped, reordered
 * or spliced in without breaking every CRC after it; the chain continues across segments through
 * the crc record that opens each segment. The header check makes a damaged length detectable on its
 * own, so a bad length can never make the reader skip good records. A header of all zero bytes is
 * the end of the log (segments are preallocated with zeros).
 *
 * <p>Data layouts, all little-endian: metadata = memberId(8) clusterId(8); entry = term(8) index(8)
 * type(1) payload; state = term(8) vote(8) commit(8); snapshot = index(8) term(8).
 *
 * <p>Stateless apart from the running CRC an {@link Encoder} or the reader keeps.
 */
final class RecordCodec {
  static final int HEADER_BYTES = 16;
  static final int MAX_DATA_BYTES = 1 << 30;

  static final byte TYPE_METADATA = 1;
  static final byte TYPE_ENTRY = 2;
  static final byte TYPE_STATE = 3;
  static final byte TYPE_CRC = 4;
  static final byte TYPE_SNAPSHOT = 5;

  private RecordCodec() {}

  static int paddedLength(int dataLength) {
    return (dataLength + 7) & ~7;
  }

  static int frameLength(int dataLength) {
    return HEADER_BYTES + paddedLength(dataLength);
  }

  /**
   * The chained CRC of a record with {@code data} after a record whose CRC was {@code previous}.
   */
  static int chain(int previous, byte[] data, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(previous & 0xff);
    crc.update((previous >>> 8) & 0xff);
    crc.update((previous >>> 16) & 0xff);
    crc.update((previous >>> 24) & 0xff);
    crc.update(data, offset, length);
    return (int) crc.getValue();
  }

  static int headerCheck(byte[] frame, int offset) {
    CRC32C crc = new CRC32C();
    crc.update(frame, offset, 12);
    return (int) crc.getValue();
  }

  static byte typeOf(WalRecord record) {
    return switch (record) {
      case WalRecord.Metadata m -> TYPE_METADATA;
      case WalRecord.EntryRecord e -> TYPE_ENTRY;
      case WalRecord.State s -> TYPE_STATE;
      case WalRecord.Crc c -> TYPE_CRC;
      case WalRecord.SnapshotMarker s -> TYPE_SNAPSHOT;
    };
  }

  static byte[] dataOf(WalRecord record) {
    return switch (record) {
      case WalRecord.Metadata m -> le(16).putLong(m.memberId()).putLong(m.clusterId()).array();
      case WalRecord.EntryRecord e -> {
        Entry entry = e.entry();
        ByteBuffer buffer = le(17 + entry.data().size());
        buffer.putLong(entry.term()).putLong(entry.index()).put((byte) entry.type().ordinal());
        entry.data().writeTo(buffer);
        yield buffer.array();
      }
      case WalRecord.State s ->
          le(24)
              .putLong(s.state().term())
              .putLong(s.state().vote())
              .putLong(s.state().commit())
              .array();
      case WalRecord.Crc c -> new byte[0];
      case WalRecord.SnapshotMarker s -> le(16).putLong(s.index()).putLong(s.term()).array();
    };
  }

  private static ByteBuffer le(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * Decodes a record's data; returns null when the data does not fit the type (which the reader
   * reports as corruption).
   */
  static @Nullable WalRecord decode(byte type, int recordCrc, byte[] data) {
    ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    switch (type) {
      case TYPE_METADATA:
        return data.length == 16 ? new WalRecord.Metadata(in.getLong(), in.getLong()) : null;
      case TYPE_ENTRY:
        {
          if (data.length < 17) {
            return null;
          }
          long term = in.getLong();
          long index = in.getLong();
          int typeOrdinal = in.get();
          EntryType[] types = EntryType.values();
          if (typeOrdinal < 0 || typeOrdinal >= types.length || term < 0 || index < 0) {
            return null;
          }
          return new WalRecord.EntryRecord(
              new Entry(term, index, types[typeOrdinal], Bytes.copyOf(data, 17, data.length - 17)));
        }
      case TYPE_STATE:
        {
          if (data.length != 24) {
            return null;
          }
          long term = in.getLong();
          long vote = in.getLong();
          long commit = in.getLong();
          if (term < 0 || commit < 0) { // vote: an unsigned 64-bit ID
            return null;
          }
          return new WalRecord.State(new HardState(term, vote, commit));
        }
      case TYPE_CRC:
        return data.length == 0 ? new WalRecord.Crc(recordCrc) : null;
      case TYPE_SNAPSHOT:
        return data.length == 16 ? new WalRecord.SnapshotMarker(in.getLong(), in.getLong()) : null;
      default:
        return null;
    }
  }

  /** Appends framed records to a growing buffer, keeping the running CRC. Not thread-safe. */
  static final class Encoder {
    private int runningCrc;
    private byte[] buffer = new byte[4096];
    private int size;

    Encoder(int runningCrc) {
      this.runningCrc = runningCrc;
    }

    int runningCrc() {
      return runningCrc;
    }

    void add(WalRecord record) {
      byte[] data = dataOf(record);
      int recordCrc;
      if (record instanceof WalRecord.Crc c) {
        recordCrc = c.crc();
        runningCrc = c.crc();
      } else {
        recordCrc = chain(runningCrc, data, 0, data.length);
        runningCrc = recordCrc;
      }
      int frame = frameLength(data.length);
      ensure(frame);
      ByteBuffer out = ByteBuffer.wrap(buffer, size, frame).order(ByteOrder.LITTLE_ENDIAN);
      out.putInt(data.length).put(typeOf(record)).put((byte) 0).put((byte) 0).put((byte) 0);
      out.putInt(recordCrc);
      out.putInt(headerCheck(buffer, size));
      out.put(data);
      // Padding: the buffer may hold bytes from an earlier use; zero it explicitly.
      java.util.Arrays.fill(buffer, size + HEADER_BYTES + data.length, size + frame, (byte) 0);
      size += frame;
    }

    private void ensure(int more) {
      if (size + more > buffer.length) {
        buffer = java.util.Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
      }
    }

    byte[] bytes() {
      return buffer;
    }

    int size() {
      return size;
    }

    void clear() {
      size = 0;
    }
  }
}
