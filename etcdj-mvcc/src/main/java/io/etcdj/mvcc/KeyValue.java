package io.etcdj.mvcc;

import io.etcdj.backend.ByteSequence;
import java.util.Arrays;

/**
 * One version of a key, as etcd's {@code mvccpb.KeyValue}: what the {@code key} bucket stores and
 * what ranges and watch events return.
 *
 * <p>{@link #encode()} writes the protobuf wire form byte for byte as etcd does (proto3: zero and
 * empty fields are left out; fields in number order): 1 {@code key} bytes, 2 {@code
 * create_revision}, 3 {@code mod_revision}, 4 {@code version}, 6 {@code lease} as int64 varints, 5
 * {@code value} bytes. mvcc does not depend on protobuf; this is the whole codec.
 */
public record KeyValue(
    ByteSequence key,
    long createRevision,
    long modRevision,
    long version,
    ByteSequence value,
    long lease) {

  /** A tombstone's stored value: only the key. */
  public static KeyValue tombstone(ByteSequence key) {
    return new KeyValue(key, 0, 0, 0, ByteSequence.EMPTY, 0);
  }

  /** This key-value without its value (for keys-only ranges). */
  public KeyValue withoutValue() {
    return new KeyValue(key, createRevision, modRevision, version, ByteSequence.EMPTY, lease);
  }

  /** The protobuf encoding. */
  public byte[] encode() {
    byte[] k = key.unsafeArray();
    byte[] v = value.unsafeArray();
    byte[] out = new byte[k.length + v.length + 4 * 11 + 2 * 6];
    int p = 0;
    if (k.length > 0) {
      out[p++] = 0x0a;
      p = putVarint(out, p, k.length);
      System.arraycopy(k, 0, out, p, k.length);
      p += k.length;
    }
    p = putInt64Field(out, p, 0x10, createRevision);
    p = putInt64Field(out, p, 0x18, modRevision);
    p = putInt64Field(out, p, 0x20, version);
    if (v.length > 0) {
      out[p++] = 0x2a;
      p = putVarint(out, p, v.length);
      System.arraycopy(v, 0, out, p, v.length);
      p += v.length;
    }
    p = putInt64Field(out, p, 0x30, lease);
    return Arrays.copyOf(out, p);
  }

  private static int putInt64Field(byte[] out, int p, int tag, long value) {
    if (value == 0) {
      return p;
    }
    out[p++] = (byte) tag;
    return putVarint(out, p, value);
  }

  private static int putVarint(byte[] out, int p, long value) {
    long v = value;
    while ((v & ~0x7fL) != 0) {
      out[p++] = (byte) ((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out[p++] = (byte) v;
    return p;
  }

  /**
   * Decodes the protobuf encoding; unknown fields are skipped, as protobuf requires.
   *
   * @throws IllegalArgumentException if the bytes are not a well-formed message
   */
  public static KeyValue decode(byte[] data) {
    return decode(data, true);
  }

  /** Decodes all but the value (left empty), saving its copy: what restoring the index needs. */
  static KeyValue decodeWithoutValue(byte[] data) {
    return decode(data, false);
  }

  private static KeyValue decode(byte[] data, boolean withValue) {
    ByteSequence key = ByteSequence.EMPTY;
    ByteSequence value = ByteSequence.EMPTY;
    long create = 0;
    long mod = 0;
    long version = 0;
    long lease = 0;
    int[] pos = {0};
    while (pos[0] < data.length) {
      long tag = readVarint(data, pos);
      int field = (int) (tag >>> 3);
      int wire = (int) (tag & 7);
      switch (wire) {
        case 0 -> {
          long x = readVarint(data, pos);
          switch (field) {
            case 2 -> create = x;
            case 3 -> mod = x;
            case 4 -> version = x;
            case 6 -> lease = x;
            default -> {}
          }
        }
        case 2 -> {
          long len = readVarint(data, pos);
          if (len < 0 || len > data.length - pos[0]) {
            throw new IllegalArgumentException("truncated KeyValue");
          }
          int start = pos[0];
          pos[0] += (int) len;
          if (field == 1) {
            key = ByteSequence.wrap(Arrays.copyOfRange(data, start, pos[0]));
          } else if (field == 5 && withValue) {
            value = ByteSequence.wrap(Arrays.copyOfRange(data, start, pos[0]));
          }
        }
        case 1 -> pos[0] += 8;
        case 5 -> pos[0] += 4;
        default -> throw new IllegalArgumentException("bad wire type " + wire);
      }
      if (pos[0] > data.length) {
        throw new IllegalArgumentException("truncated KeyValue");
      }
    }
    return new KeyValue(key, create, mod, version, value, lease);
  }

  private static long readVarint(byte[] data, int[] pos) {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos[0] >= data.length) {
        throw new IllegalArgumentException("truncated varint");
      }
      byte b = data[pos[0]++];
      result |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return result;
      }
    }
    throw new IllegalArgumentException("varint too long");
  }
}
