package io.etcdj.raft;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * An immutable sequence of bytes: entry payloads, snapshot data, read-index contexts.
 *
 * <p>Records hold this instead of {@code byte[]}, so their {@code equals} compares content.
 * Construction copies; {@link #toByteArray()} copies; nothing else exposes the array. Ordering is
 * unsigned lexicographic, as etcd orders keys.
 */
public final class Bytes implements Comparable<Bytes> {
  public static final Bytes EMPTY = new Bytes(new byte[0]);

  private final byte[] data;

  private Bytes(byte[] data) {
    this.data = data;
  }

  /** A copy of {@code data}. */
  public static Bytes copyOf(byte[] data) {
    return data.length == 0 ? EMPTY : new Bytes(data.clone());
  }

  /** A copy of {@code length} bytes of {@code data} from {@code offset}. */
  public static Bytes copyOf(byte[] data, int offset, int length) {
    return length == 0 ? EMPTY : new Bytes(Arrays.copyOfRange(data, offset, offset + length));
  }

  /** The remaining bytes of {@code buffer}, copied; the buffer's position is not moved. */
  public static Bytes copyOf(ByteBuffer buffer) {
    byte[] copy = new byte[buffer.remaining()];
    buffer.duplicate().get(copy);
    return copy.length == 0 ? EMPTY : new Bytes(copy);
  }

  /** The UTF-8 encoding of {@code text}. */
  public static Bytes ofUtf8(String text) {
    return copyOf(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
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

  /** A read-only view; cheap, shares the bytes. */
  public ByteBuffer asReadOnlyBuffer() {
    return ByteBuffer.wrap(data).asReadOnlyBuffer();
  }

  /** Copies the bytes into {@code target} at its position, advancing it. */
  public void writeTo(ByteBuffer target) {
    target.put(data);
  }

  public String toUtf8() {
    return new String(data, java.nio.charset.StandardCharsets.UTF_8);
  }

  @Override
  public int compareTo(Bytes other) {
    return Arrays.compareUnsigned(data, other.data);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Bytes that && Arrays.equals(data, that.data);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(data);
  }

  /** Hex, for logs and test output. */
  @Override
  public String toString() {
    return data.length <= 64
        ? HexFormat.of().formatHex(data)
        : HexFormat.of().formatHex(data, 0, 64) + "...(" + data.length + " bytes)";
  }
}
