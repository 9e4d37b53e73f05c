package io.etcdj.backend;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The backend snapshot stream: a logical copy of every bucket, the same for every store, sent to
 * followers and written by {@code snapshot save}.
 *
 * <p>Format: the 8 ASCII bytes {@code ETCDJBK1}; then per entry, in bucket-name order and key
 * order, {@code 0x01}, a one-byte bucket name length, the name, a 4-byte big-endian key length, the
 * key, a 4-byte big-endian value length, the value; then {@code 0x00}; then the CRC-32C of all
 * bytes before it, 4 bytes big-endian. A stream that is cut short or altered fails {@link #restore}
 * before the caller trusts the result.
 */
public final class BackendSnapshot {
  private static final byte[] MAGIC = "ETCDJBK1".getBytes(StandardCharsets.US_ASCII);
  private static final int RESTORE_BATCH_ENTRIES = 10_000;

  private BackendSnapshot() {}

  /** Writes every bucket of {@code view} to {@code out} (not closed). */
  public static void write(ReadView view, OutputStream out) throws IOException {
    CRC32C crc = new CRC32C();
    DataOutputStream data =
        new DataOutputStream(new CheckedOutputStream(new BufferedOutputStream(out, 1 << 16), crc));
    data.write(MAGIC);
    IOException[] failure = {null};
    for (Bucket b : Bucket.byName()) {
      byte[] name = b.nameBytes().toByteArray();
      view.forEach(
          b,
          new byte[0],
          null,
          (k, v) -> {
            try {
              data.writeByte(1);
              data.writeByte(name.length);
              data.write(name);
              data.writeInt(k.length);
              data.write(k);
              data.writeInt(v.length);
              data.write(v);
              return true;
            } catch (IOException e) {
              failure[0] = e;
              return false;
            }
          });
      if (failure[0] != null) {
        throw failure[0];
      }
    }
    data.writeByte(0);
    data.flush();
    int sum = (int) crc.getValue();
    DataOutputStream tail = new DataOutputStream(out);
    tail.writeInt(sum);
    tail.flush();
  }

  /**
   * Reads a snapshot stream into {@code target} (which should be empty) through write transactions
   * of {@value #RESTORE_BATCH_ENTRIES} entries, then force-commits. Throws {@link IOException} on a
   * bad magic, a truncated stream or a checksum mismatch; the caller must then discard {@code
   * target}.
   *
   * @return the number of entries restored
   */
  public static long restore(InputStream in, Backend target) throws IOException {
    CRC32C crc = new CRC32C();
    DataInputStream data =
        new DataInputStream(new CheckedInputStream(new BufferedInputStream(in, 1 << 16), crc));
    byte[] magic = new byte[MAGIC.length];
    data.readFully(magic);
    if (!Arrays.equals(magic, MAGIC)) {
      throw new IOException("not a backend snapshot: bad magic");
    }
    long entries = 0;
    WriteTxn txn = target.beginWrite();
    try {
      while (true) {
        int tag = data.readUnsignedByte();
        if (tag == 0) {
          break;
        }
        if (tag != 1) {
          throw new IOException("corrupt backend snapshot: tag " + tag);
        }
        byte[] name = new byte[data.readUnsignedByte()];
        data.readFully(name);
        Bucket bucket;
        try {
          bucket = Bucket.named(new String(name, StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
          throw new IOException("corrupt backend snapshot: " + e.getMessage(), e);
        }
        byte[] key = readBlock(data);
        byte[] value = readBlock(data);
        txn.put(bucket, key, value);
        entries++;
        if (txn.operations() >= RESTORE_BATCH_ENTRIES) {
          txn.end();
          txn = target.beginWrite();
        }
      }
      int expected = (int) crc.getValue();
      int actual = data.readInt();
      if (expected != actual) {
        throw new IOException("corrupt backend snapshot: checksum mismatch");
      }
    } finally {
      txn.end();
    }
    target.forceCommit();
    return entries;
  }

  private static byte[] readBlock(DataInputStream data) throws IOException {
    int length = data.readInt();
    if (length < 0 || length > (1 << 30)) {
      throw new IOException("corrupt backend snapshot: length " + length);
    }
    byte[] b = new byte[length];
    data.readFully(b);
    return b;
  }
}
