package io.etcdj.mvcc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdj.backend.ByteSequence;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The protobuf encoding of {@code mvccpb.KeyValue}, checked against hand-computed bytes. */
class KeyValueTest {
  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  @Test
  void aFullKeyValueEncodesAsEtcdDoes() {
    // key "foo" (0a 03 66 6f 6f), create 2 (10 02), mod 3 (18 03), version 1 (20 01),
    // value "bar" (2a 03 62 61 72), lease 300 = 0xac 0x02 (30 ac 02)
    KeyValue kv =
        new KeyValue(ByteSequence.ofUtf8("foo"), 2, 3, 1, ByteSequence.ofUtf8("bar"), 300);
    assertThat(hex(kv.encode())).isEqualTo("0a03666f6f1002180320012a036261723" + "0ac02");
  }

  @Test
  void zeroAndEmptyFieldsAreLeftOut() {
    assertThat(hex(KeyValue.tombstone(ByteSequence.ofUtf8("k")).encode())).isEqualTo("0a016b");
    KeyValue noValue = new KeyValue(ByteSequence.ofUtf8("k"), 5, 5, 1, ByteSequence.EMPTY, 0);
    assertThat(hex(noValue.encode())).isEqualTo("0a016b100518052001");
  }

  @Test
  void negativeLeasesAreTenByteVarints() {
    KeyValue kv = new KeyValue(ByteSequence.EMPTY, 0, 0, 0, ByteSequence.EMPTY, -1);
    assertThat(hex(kv.encode())).isEqualTo("30ffffffffffffffffff01");
  }

  @Test
  void largeRevisionsUseMultiByteVarints() {
    // 1_000_000 = 0x0f4240 -> c0 84 3d
    KeyValue kv = new KeyValue(ByteSequence.EMPTY, 1_000_000, 0, 0, ByteSequence.EMPTY, 0);
    assertThat(hex(kv.encode())).isEqualTo("10c0843d");
  }

  @Test
  void decodeSkipsUnknownFieldsAndRejectsTruncation() {
    byte[] withUnknown = HexFormat.of().parseHex("0a016b" + "3a0378797a" + "1007");
    KeyValue kv = KeyValue.decode(withUnknown);
    assertThat(kv.key().toUtf8()).isEqualTo("k");
    assertThat(kv.createRevision()).isEqualTo(7);
    assertThatThrownBy(() -> KeyValue.decode(HexFormat.of().parseHex("0a056b")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void randomKeyValuesRoundTrip() {
    long seed = new SplittableRandom().nextLong();
    System.out.println("randomKeyValuesRoundTrip seed=" + seed);
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < 2000; i++) {
      byte[] key = new byte[r.nextInt(20)];
      byte[] value = new byte[r.nextInt(300)];
      for (int j = 0; j < key.length; j++) {
        key[j] = (byte) r.nextInt(256);
      }
      for (int j = 0; j < value.length; j++) {
        value[j] = (byte) r.nextInt(256);
      }
      KeyValue kv =
          new KeyValue(
              ByteSequence.wrap(key),
              r.nextLong(),
              r.nextInt(3) == 0 ? 0 : r.nextLong(1L << 40),
              r.nextInt(1000),
              ByteSequence.wrap(value),
              r.nextBoolean() ? 0 : r.nextLong());
      assertThat(KeyValue.decode(kv.encode())).as("seed %d case %d", seed, i).isEqualTo(kv);
    }
  }

  @Test
  void revisionsEncodeAsSeventeenOrEighteenBytesInOrder() {
    Revision r = new Revision(0x0102, 3);
    assertThat(hex(r.toBytes())).isEqualTo("0000000000000102" + "5f" + "0000000000000003");
    assertThat(hex(r.toTombstoneBytes())).endsWith("74");
    assertThat(Revision.isTombstone(r.toTombstoneBytes())).isTrue();
    assertThat(Revision.isTombstone(r.toBytes())).isFalse();
    assertThat(Revision.fromBytes(r.toTombstoneBytes())).isEqualTo(r);
    assertThat(
            java.util.Arrays.compareUnsigned(
                new Revision(5, 9).toTombstoneBytes(), new Revision(6, 0).toBytes()))
        .isNegative();
  }
}
