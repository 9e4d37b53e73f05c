package io.etcdj.bench;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Keys and values of a run: key {@code n} is {@code n} in decimal, zero-padded to {@code keySize}
 * bytes (longer if it needs more digits); values are one random block of {@code valSize} bytes,
 * reused.
 */
final class Keys {
  private final int keySize;
  private final long keySpace;
  private final boolean sequential;
  private final ByteString value;

  Keys(int keySize, long keySpace, boolean sequential, int valSize, long seed) {
    if (keySize < 1 || keySpace < 1 || valSize < 0) {
      throw new IllegalArgumentException("key size and key space must be >= 1, value size >= 0");
    }
    this.keySize = keySize;
    this.keySpace = keySpace;
    this.sequential = sequential;
    byte[] bytes = new byte[valSize];
    new SplittableRandom(seed).nextBytes(bytes);
    this.value = ByteString.copyFrom(bytes);
  }

  static ByteString key(long n, int keySize) {
    String digits = Long.toString(n);
    String padded =
        digits.length() >= keySize ? digits : "0".repeat(keySize - digits.length()) + digits;
    return ByteString.copyFrom(padded, StandardCharsets.US_ASCII);
  }

  /** The key of request {@code sequence}: sequential, or random in the key space. */
  ByteString keyFor(long sequence, SplittableRandom random) {
    long n = sequential ? sequence % keySpace : random.nextLong(keySpace);
    return key(n, keySize);
  }

  ByteString value() {
    return value;
  }
}
