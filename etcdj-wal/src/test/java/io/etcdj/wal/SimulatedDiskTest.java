package io.etcdj.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The simulated disk keeps exactly what a real one keeps across power loss. */
class SimulatedDiskTest {
  private static final Path DIR = Path.of("/d");
  private static final byte[] DATA = {1, 2, 3, 4};

  @Test
  void syncedDataAndSyncedNamesSurviveACrash() throws IOException {
    SimulatedDisk disk = new SimulatedDisk(new SplittableRandom(1));
    disk.createDirectories(DIR);
    try (WalFileSystem.WalFile file = disk.create(DIR.resolve("a"))) {
      file.write(0, DATA, 0, 4);
      file.force();
    }
    disk.syncDirectory(DIR);
    disk.crash();
    assertThat(disk.contents(DIR.resolve("a"))).containsExactly(DATA);
  }

  @Test
  void aNameThatWasNeverSyncedIsGoneAfterACrash() throws IOException {
    SimulatedDisk disk = new SimulatedDisk(new SplittableRandom(1));
    disk.createDirectories(DIR);
    try (WalFileSystem.WalFile file = disk.create(DIR.resolve("a"))) {
      file.write(0, DATA, 0, 4);
      file.force();
    }
    disk.crash();
    assertThat(disk.exists(DIR.resolve("a"))).isFalse();
  }

  @Test
  void unsyncedWritesSurviveOnlyAsAPrefixPossiblyTorn() throws IOException {
    boolean sawLoss = false;
    boolean sawTear = false;
    for (long seed = 0; seed < 200; seed++) {
      SimulatedDisk disk = new SimulatedDisk(new SplittableRandom(seed));
      disk.createDirectories(DIR);
      WalFileSystem.WalFile file = disk.create(DIR.resolve("a"));
      file.force();
      disk.syncDirectory(DIR);
      file.write(0, new byte[] {1, 1, 1, 1}, 0, 4);
      file.write(4, new byte[] {2, 2, 2, 2}, 0, 4);
      disk.crash();
      byte[] after = disk.contents(DIR.resolve("a"));
      byte[] full = {1, 1, 1, 1, 2, 2, 2, 2};
      assertThat(after.length).isLessThanOrEqualTo(8);
      assertThat(java.util.Arrays.copyOf(full, after.length)).containsExactly(after);
      sawLoss |= after.length < 8;
      sawTear |= after.length % 4 != 0;
      assertThatThrownBy(() -> file.force()).isInstanceOf(IOException.class);
    }
    assertThat(sawLoss).isTrue();
    assertThat(sawTear).isTrue();
  }

  @Test
  void sameSeedSameCrash() throws IOException {
    byte[][] results = new byte[2][];
    for (int run = 0; run < 2; run++) {
      SimulatedDisk disk = new SimulatedDisk(new SplittableRandom(42));
      disk.createDirectories(DIR);
      WalFileSystem.WalFile file = disk.create(DIR.resolve("a"));
      file.force();
      disk.syncDirectory(DIR);
      for (int i = 0; i < 20; i++) {
        file.write(i * 4L, DATA, 0, 4);
      }
      disk.crash();
      results[run] = disk.contents(DIR.resolve("a"));
    }
    assertThat(results[0]).containsExactly(results[1]);
  }
}
