package io.etcdj.backend;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * An immutable sequence of bytes: user keys and values in mvcc's API, bucket names.
 *
 * <p>This is the backend's own copy of the idea behind {@code io.etcdj.raft.Bytes}, so that mvcc
 * need not depend on raft. Records hold it instead of {@code byte[]} so that their {@code equals}
 * compares content. {@link #copyOf(byte[])} and {@link #toByteArray()} copy; {@link #wrap(byte[])}
 * takes ownership of an array the caller promises never to change again (used on hot paths where
 * the array was just decoded). Ordering is unsigned lexicographic, as etcd orders keys.
 */
public final class ByteSequence implements Comparable<ByteSequence> {
  public static final ByteSequence EMPTY = new ByteSequence(new byte[0]);

  private final byte[] data;
  private int hash;

  private ByteSequence(byte[] data) {
    this.data = data;
  }

  /** A copy of {@code data}. */
  public static ByteSequence copyOf(byte[] data) {
    return data.length == 0 ? EMPTY : new ByteSequence(data.clone());
  }

  /**
   * Wraps {@code data} without copying; the caller hands over the array and must not change it
   * afterwards.
   */
  public static ByteSequence wrap(byte[] data) {
    return data.length == 0 ? EMPTY : new ByteSequence(data);
  }

  /** The UTF-8 encoding of {@code text}. */
  public static ByteSequence ofUtf8(String text) {
    return wrap(text.getBytes(StandardCharsets.UTF_8));
  }

  public int size() {
    return data.length;
  }

  public boolean isEmpty() {
    return data.length == 0;
  }

  public byte byteAt(int index) {
    return data[index];
  }

  /** A fresh copy of the bytes. */
  public byte[] toByteArray() {
    return data.clone();
  }

  /**
   * The backing array, not copied: callers must only read it. For encoders on hot paths inside
   * etcdj.
   */
  public byte[] unsafeArray() {
    return data;
  }

  public String toUtf8() {
    return new String(data, StandardCharsets.UTF_8);
  }

  @Override
  public int compareTo(ByteSequence other) {
    return Arrays.compareUnsigned(data, other.data);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof ByteSequence other && Arrays.equals(data, other.data);
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = Arrays.hashCode(data);
      hash = h;
    }
    return h;
  }

  /** Printable text as is; otherwise hex. */
  @Override
  public String toString() {
    for (byte b : data) {
      if (b < 0x20 || b > 0x7e) {
        return "0x" + HexFormat.of().formatHex(data);
      }
    }
    return new String(data, StandardCharsets.US_ASCII);
  }
}
