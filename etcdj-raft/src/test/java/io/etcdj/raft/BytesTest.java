package io.etcdj.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BytesTest {
  @Test
  void isImmutableAgainstItsSourceAndItsCopies() {
    byte[] source = {1, 2, 3};
    Bytes bytes = Bytes.copyOf(source);
    source[0] = 9;
    bytes.toByteArray()[1] = 9;
    assertThat(bytes.toByteArray()).containsExactly(1, 2, 3);
  }

  @Test
  void comparesByContent() {
    assertThat(Bytes.ofUtf8("abc")).isEqualTo(Bytes.copyOf(new byte[] {'a', 'b', 'c'}));
    assertThat(Bytes.ofUtf8("abc")).hasSameHashCodeAs(Bytes.ofUtf8("abc"));
    assertThat(Bytes.copyOf(new byte[0])).isSameAs(Bytes.EMPTY);
    assertThat(Bytes.copyOf(ByteBuffer.wrap(new byte[] {5, 6, 7}, 1, 2)))
        .isEqualTo(Bytes.copyOf(new byte[] {6, 7}));
  }

  @Test
  void ordersUnsignedLexicographicallyLikeAReferenceModel() {
    SplittableRandom random = new SplittableRandom(20261201);
    List<byte[]> arrays = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      byte[] array = new byte[random.nextInt(4)];
      for (int j = 0; j < array.length; j++) {
        array[j] = (byte) random.nextInt(256);
      }
      arrays.add(array);
    }
    for (byte[] a : arrays) {
      for (byte[] b : arrays.subList(0, 50)) {
        assertThat(Integer.signum(Bytes.copyOf(a).compareTo(Bytes.copyOf(b))))
            .isEqualTo(Integer.signum(naiveCompare(a, b)));
      }
    }
    assertThat(Bytes.copyOf(new byte[] {(byte) 0xff})).isGreaterThan(Bytes.ofUtf8("a"));
  }

  private static int naiveCompare(byte[] a, byte[] b) {
    for (int i = 0; i < Math.min(a.length, b.length); i++) {
      int x = a[i] & 0xff;
      int y = b[i] & 0xff;
      if (x != y) {
        return x - y;
      }
    }
    return a.length - b.length;
  }

  @Test
  void printsAsHex() {
    assertThat(Bytes.copyOf(new byte[] {0x0a, (byte) 0xff}).toString()).isEqualTo("0aff");
    byte[] large = new byte[100];
    Arrays.fill(large, (byte) 1);
    assertThat(Bytes.copyOf(large).toString()).endsWith("...(100 bytes)");
  }
}
