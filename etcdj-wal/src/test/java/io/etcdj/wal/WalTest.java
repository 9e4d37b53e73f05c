package io.etcdj.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdj.raft.Bytes;
import io.etcdj.raft.Entry;
import io.etcdj.raft.EntryType;
import io.etcdj.raft.HardState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalTest {
  static final Path DIR = Path.of("/data/member/wal");
  static final WalRecord.Metadata META =
      new WalRecord.Metadata(0x8876210cd96651c6L, 0x7e1de051b63089b8L);
  static final WalRecord.SnapshotMarker NO_SNAPSHOT = new WalRecord.SnapshotMarker(0, 0);
  static final WalOptions SMALL = new WalOptions(4096, true);

  static Entry entry(long term, long index) {
    return new Entry(term, index, EntryType.NORMAL, Bytes.ofUtf8("value-" + term + "-" + index));
  }

  static List<Entry> entries(long term, long from, long to) {
    List<Entry> list = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      list.add(entry(term, i));
    }
    return list;
  }

  private final SimulatedDisk disk = new SimulatedDisk(new SplittableRandom(1));

  @Test
  void aNewLogOpensEmptyWithItsMetadata() throws IOException {
    Wal.create(disk, DIR, META, SMALL).close();
    OpenedWal opened = Wal.open(disk, DIR, NO_SNAPSHOT, SMALL);
    assertThat(opened.metadata()).isEqualTo(META);
    assertThat(opened.state()).isEqualTo(HardState.EMPTY);
    assertThat(opened.entries()).isEmpty();
    assertThat(opened.repairs()).isEmpty();
    assertThat(disk.list(DIR)).containsExactly("0000000000000000-0000000000000000.wal");
  }

  @Test
  void reopenReturnsEverySavedEntryAndTheLastHardState() throws IOException {
    try (Wal wal = Wal.create(disk, DIR, META, SMALL)) {
      wal.save(new HardState(1, 1, 0), entries(1, 1, 3), true);
      wal.save(new HardState(2, 2, 3), entries(2, 4, 5), true);
    }
    OpenedWal opened = Wal.open(disk, DIR, NO_SNAPSHOT, SMALL);
    assertThat(opened.state()).isEqualTo(new HardState(2, 2, 3));
    List<Entry> expected = new ArrayList<>(entries(1, 1, 3));
    expected.addAll(entries(2, 4, 5));
    assertThat(opened.entries()).isEqualTo(expected);
    assertThat(opened.wal().lastIndex()).isEqualTo(5);
  }

  @Test
  void aConflictingSuffixIsReplacedAsRaftOverwritesIt() throws IOException {
    try (Wal wal = Wal.create(disk, DIR, META, SMALL)) {
      wal.save(new HardState(1, 1, 1), entries(1, 1, 5), true);
      wal.save(new HardState(3, 2, 2), entries(3, 3, 4), true);
    }
    OpenedWal opened = Wal.open(disk, DIR, NO_SNAPSHOT, SMALL);
    List<Entry> expected = new ArrayList<>(entries(1, 1, 2));
    expected.addAll(entries(3, 3, 4));
    assertThat(opened.entries()).isEqualTo(expected);
  }

  @Test
  void savingAGapIsRefusedBeforeAnythingIsWritten() throws IOException {
    try (Wal wal = Wal.create(disk, DIR, META, SMALL)) {
      wal.save(HardState.EMPTY, entries(1, 1, 2), true);
      assertThatThrownBy(() -> wal.save(HardState.EMPTY, entries(1, 4, 4), true))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("gap");
      wal.save(HardState.EMPTY, entries(1, 3, 3), true);
    }
    assertThat(Wal.open(disk, DIR, NO_SNAPSHOT, SMALL).entries()).isEqualTo(entries(1, 1, 3));
  }

  @Test
  void fullSegmentsAreCutAndTheLogReadsAcrossThem() throws IOException {
    try (Wal wal = Wal.create(disk, DIR, META, SMALL)) {
      for (long i = 1; i <= 300; i++) {
        wal.save(new HardState(1, 1, i - 1), List.of(entry(1, i)), true);
      }
      assertThat(wal.segments()).hasSizeGreaterThan(3);
    }
    List<String> names = disk.list(DIR);
    assertThat(names.get(0)).isEqualTo("0000000000000000-0000000000000000.wal");
    assertThat(names.get(1)).matches("0000000000000001-[0-9a-f]{16}\\.wal");
    OpenedWal opened = Wal.open(disk, DIR, NO_SNAPSHOT, SMALL);
    assertThat(opened.entries()).isEqualTo(entries(1, 1, 300));
    assertThat(opened.state()).isEqualTo(new HardState(1, 1, 299));
  }

  @Test
  void openingAtASnapshotSkipsTheEntriesItCovers() throws IOException {
    try (Wal wal = Wal.create(disk, DIR, META, SMALL)) {
      wal.save(new HardState(1, 1, 10), entries(1, 1, 10), true);
      wal.saveSnapshot(new WalRecord.SnapshotMarker(6, 1));
      wal.save(new HardState(1, 1, 12), entries(1, 11, 12), true);
    }
    OpenedWal opened = Wal.open(disk, DIR, new WalRecord.SnapshotMarker(6, 1), SMALL);
    assertThat(opened.entries()).isEqualTo(entries(1, 7, 12));
    assertThat(opened.state()).isEqualTo(new HardState(1, 1, 12));
  }

  @Test
  void aSnapshotTheLogDoesNotRecordIsRefused() throws IOException {
    try (Wal wal = Wal.create(disk, DIR, META, SMALL)) {
      wal.save(new HardState(1, 1, 10), entries(1, 1, 10), true);
      wal.saveSnapshot(new WalRecord.SnapshotMarker(6, 1));
    }
    assertThatThrownBy(() -> Wal.open(disk, DIR, new WalRecord.SnapshotMarker(7, 1), SMALL))
        .isInstanceOf(WalCorruptException.class)
        .hasMessageContaining("no snapshot marker for index 7");
    assertThatThrownBy(() -> Wal.open(disk, DIR, new WalRecord.SnapshotMarker(6, 2), SMALL))
        .isInstanceOf(WalCorruptException.class)
        .hasMessageContaining("has term 1, expected 2");
  }

  @Test
  void purgeKeepsTheSegmentOfTheSnapshotAndTheLogStaysOpenableThere() throws IOException {
    long snapshotIndex;
    try (Wal wal = Wal.create(disk, DIR, META, SMALL)) {
      for (long i = 1; i <= 400; i++) {
        wal.save(new HardState(1, 1, i), List.of(entry(1, i)), true);
      }
      snapshotIndex = 350;
      wal.saveSnapshot(new WalRecord.SnapshotMarker(snapshotIndex, 1));
      int before = wal.segments().size();
      List<String> deleted = wal.purge(snapshotIndex, 2);
      assertThat(deleted).isNotEmpty();
      assertThat(wal.segments().size()).isEqualTo(before - deleted.size());
      assertThat(wal.segments().size()).isGreaterThanOrEqualTo(2);
      assertThat(wal.purge(snapshotIndex, 0)).isEmpty();
    }
    OpenedWal opened = Wal.open(disk, DIR, new WalRecord.SnapshotMarker(snapshotIndex, 1), SMALL);
    assertThat(opened.entries()).isEqualTo(entries(1, 351, 400));
    assertThatThrownBy(() -> Wal.open(disk, DIR, NO_SNAPSHOT, SMALL))
        .isInstanceOf(WalCorruptException.class)
        .hasMessageContaining("does not reach back to the snapshot at index 0");
  }

  @Test
  void aMissingSegmentIsASequenceGap() throws IOException {
    try (Wal wal = Wal.create(disk, DIR, META, SMALL)) {
      for (long i = 1; i <= 300; i++) {
        wal.save(new HardState(1, 1, i), List.of(entry(1, i)), true);
      }
    }
    String second = disk.list(DIR).get(1);
    disk.delete(DIR.resolve(second));
    assertThatThrownBy(() -> Wal.open(disk, DIR, NO_SNAPSHOT, SMALL))
        .isInstanceOf(WalCorruptException.class)
        .hasMessageContaining("sequence gap")
        .hasMessageContaining("a segment is missing");
  }

  @Test
  void aReplacedSegmentBreaksTheCrcChain() throws IOException {
    SimulatedDisk other = new SimulatedDisk(new SplittableRandom(2));
    for (SimulatedDisk d : List.of(disk, other)) {
      try (Wal wal = Wal.create(d, DIR, META, SMALL)) {
        for (long i = 1; i <= 300; i++) {
          wal.save(new HardState(1, 1, i), List.of(entry(d == disk ? 1 : 2, i)), true);
        }
      }
    }
    // The same segment name from another log with other entries: every CRC differs.
    String second = disk.list(DIR).get(1);
    assertThat(other.list(DIR)).contains(second);
    disk.replaceDurably(DIR.resolve(second), other.contents(DIR.resolve(second)));
    assertThatThrownBy(() -> Wal.open(disk, DIR, NO_SNAPSHOT, SMALL))
        .isInstanceOf(WalCorruptException.class)
        .hasMessageContaining(second);
  }

  @Test
  void aFailedFsyncIsFatalAndNeverRetried() throws IOException {
    Wal wal = Wal.create(disk, DIR, META, SMALL);
    wal.save(new HardState(1, 1, 1), entries(1, 1, 1), true);
    disk.failSyncs(1.0);
    assertThatThrownBy(() -> wal.save(new HardState(1, 1, 2), entries(1, 2, 2), true))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("simulated disk fault");
    disk.failSyncs(0);
    assertThatThrownBy(() -> wal.save(new HardState(1, 1, 2), entries(1, 2, 2), true))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("failed earlier");
    disk.crash();
    OpenedWal reopened = Wal.open(disk, DIR, NO_SNAPSHOT, SMALL);
    assertThat(reopened.entries()).startsWith(entry(1, 1));
  }

  @Test
  void aFailedWriteIsFatalToo() throws IOException {
    Wal wal = Wal.create(disk, DIR, META, SMALL);
    disk.failWrites(1.0);
    assertThatThrownBy(() -> wal.save(new HardState(1, 1, 0), entries(1, 1, 1), true))
        .isInstanceOf(IOException.class);
    disk.failWrites(0);
    assertThatThrownBy(() -> wal.sync()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void creatingOverAnExistingLogIsRefused() throws IOException {
    Wal.create(disk, DIR, META, SMALL).close();
    assertThatThrownBy(() -> Wal.create(disk, DIR, META, SMALL))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("already exists");
  }

  @Test
  void worksOnRealFilesWithFsync(@TempDir Path tmp) throws IOException {
    NioFileSystem fs = new NioFileSystem();
    Path dir = tmp.resolve("member").resolve("wal");
    Files.createDirectories(dir.getParent());
    try (Wal wal = Wal.create(fs, dir, META, SMALL)) {
      for (long i = 1; i <= 200; i++) {
        wal.save(new HardState(1, 1, i), List.of(entry(1, i)), true);
      }
    }
    assertThat(fs.list(dir)).hasSizeGreaterThan(1).allMatch(n -> n.endsWith(".wal"));
    assertThat(Files.size(dir.resolve("0000000000000000-0000000000000000.wal")))
        .as("a cut segment is truncated to its records")
        .isLessThan(4096 + 256);
    OpenedWal opened = Wal.open(fs, dir, NO_SNAPSHOT, SMALL);
    assertThat(opened.entries()).isEqualTo(entries(1, 1, 200));
    opened.wal().save(new HardState(1, 1, 201), List.of(entry(1, 201)), true);
    opened.wal().close();
    assertThat(Wal.open(fs, dir, NO_SNAPSHOT, SMALL).entries()).hasSize(201);
  }
}
