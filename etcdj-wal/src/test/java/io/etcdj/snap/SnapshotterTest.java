package io.etcdj.snap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdj.raft.Bytes;
import io.etcdj.raft.ConfState;
import io.etcdj.raft.Snapshot;
import io.etcdj.raft.SnapshotMetadata;
import io.etcdj.wal.NioFileSystem;
import io.etcdj.wal.SimulatedDisk;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotterTest {
  static final Path DIR = Path.of("/data/member/snap");
  private final SimulatedDisk disk = new SimulatedDisk(new SplittableRandom(3));

  static Snapshot snapshot(long term, long index) {
    ConfState conf = new ConfState(List.of(3L, 1L, 2L), List.of(4L), List.of(), List.of(), false);
    return new Snapshot(new SnapshotMetadata(index, term, conf), Bytes.ofUtf8("state at " + index));
  }

  @Test
  void loadsTheNewestSnapshotWithItsMembershipAndData() throws IOException {
    Snapshotter snapshotter = new Snapshotter(disk, DIR);
    assertThat(snapshotter.loadNewest().snapshot()).isEmpty();
    snapshotter.save(snapshot(2, 100));
    snapshotter.save(snapshot(3, 250));
    snapshotter.save(snapshot(3, 200));
    Snapshotter.Loaded loaded = new Snapshotter(disk, DIR).loadNewest();
    assertThat(loaded.snapshot()).contains(snapshot(3, 250));
    assertThat(loaded.snapshot().orElseThrow().metadata().confState().voters())
        .containsExactly(1L, 2L, 3L);
    assertThat(loaded.broken()).isEmpty();
    assertThat(disk.list(DIR)).contains("0000000000000003-00000000000000fa.snap");
  }

  @Test
  void aCorruptSnapshotIsReportedRenamedAndNeverUsed() throws IOException {
    Snapshotter snapshotter = new Snapshotter(disk, DIR);
    snapshotter.save(snapshot(2, 100));
    snapshotter.save(snapshot(2, 200));
    Path newest = DIR.resolve("0000000000000002-00000000000000c8.snap");
    byte[] bytes = disk.contents(newest);
    bytes[bytes.length - 1] ^= 1;
    disk.replaceDurably(newest, bytes);
    Snapshotter.Loaded loaded = snapshotter.loadNewest();
    assertThat(loaded.snapshot()).contains(snapshot(2, 100));
    assertThat(loaded.broken()).containsExactly("0000000000000002-00000000000000c8.snap");
    assertThat(disk.list(DIR)).contains("0000000000000002-00000000000000c8.snap.broken");
  }

  @Test
  void everySingleBitFlipOfASnapshotFileIsDetected() {
    byte[] encoded = Snapshotter.encode(snapshot(7, 9000));
    assertThat(Snapshotter.decode(encoded)).contains(snapshot(7, 9000));
    for (int i = 0; i < encoded.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] damaged = encoded.clone();
        damaged[i] ^= (byte) (1 << bit);
        assertThat(Snapshotter.decode(damaged)).as("flip at %d bit %d", i, bit).isEmpty();
      }
    }
    for (int length = 0; length < encoded.length; length++) {
      assertThat(Snapshotter.decode(java.util.Arrays.copyOf(encoded, length))).isEmpty();
    }
  }

  @Test
  void aCrashDuringSaveLeavesTheSnapshotWholeOrAbsent() throws IOException {
    SplittableRandom random = new SplittableRandom(11);
    for (int round = 0; round < 200; round++) {
      SimulatedDisk crashing = new SimulatedDisk(random.split());
      Snapshotter snapshotter = new Snapshotter(crashing, DIR);
      snapshotter.save(snapshot(1, 10));
      crashing.failSyncs(random.nextInt(2) == 0 ? 1.0 : 0.0);
      try {
        snapshotter.save(snapshot(1, 20));
      } catch (IOException expected) {
        // the sync failed: the snapshot is not durable
      }
      crashing.failSyncs(0);
      crashing.crash();
      Snapshotter.Loaded loaded = new Snapshotter(crashing, DIR).loadNewest();
      assertThat(loaded.snapshot()).isPresent();
      assertThat(loaded.snapshot().get()).isIn(snapshot(1, 10), snapshot(1, 20));
      assertThat(loaded.broken()).isEmpty();
    }
  }

  @Test
  void purgeKeepsTheNewest() throws IOException {
    Snapshotter snapshotter = new Snapshotter(disk, DIR);
    for (long i = 1; i <= 7; i++) {
      snapshotter.save(snapshot(1, i * 10));
    }
    assertThat(snapshotter.purge(0)).isEmpty();
    assertThat(snapshotter.purge(5)).hasSize(2);
    assertThat(disk.list(DIR))
        .hasSize(5)
        .first()
        .isEqualTo("0000000000000001-000000000000001e.snap");
    assertThat(snapshotter.loadNewest().snapshot()).contains(snapshot(1, 70));
  }

  @Test
  void anEmptySnapshotIsRefused() throws IOException {
    assertThatThrownBy(() -> new Snapshotter(disk, DIR).save(Snapshot.EMPTY))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void worksOnRealFiles(@TempDir Path tmp) throws IOException {
    Snapshotter snapshotter = new Snapshotter(new NioFileSystem(), tmp.resolve("snap"));
    snapshotter.save(snapshot(4, 44));
    assertThat(new Snapshotter(new NioFileSystem(), tmp.resolve("snap")).loadNewest().snapshot())
        .contains(snapshot(4, 44));
  }
}
