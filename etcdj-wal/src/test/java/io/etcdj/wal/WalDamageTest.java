package io.etcdj.wal;

import static io.etcdj.wal.WalTest.DIR;
import static io.etcdj.wal.WalTest.META;
import static io.etcdj.wal.WalTest.NO_SNAPSHOT;
import static io.etcdj.wal.WalTest.SMALL;
import static io.etcdj.wal.WalTest.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.etcdj.raft.Entry;
import io.etcdj.raft.HardState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Damage on disk: every truncation offset and every single bit flip. A truncation is what a crash
 * leaves; it must reopen to the longest fully written prefix. A bit flip is corruption; it must be
 * detected: refused, or — inside the last record of the last segment only — repaired by dropping
 * exactly that record.
 */
class WalDamageTest {

  /**
   * A frame found in a segment: where it ends, where its last non-zero byte ends (zeroing from
   * there on changes nothing), and the log state once it is applied.
   */
  record Boundary(long end, long contentEnd, List<Entry> entries, HardState state) {}

  private final SimulatedDisk disk = new SimulatedDisk(new SplittableRandom(7));

  /** Writes a log of {@code saves} single-entry saves; returns the segment names. */
  private List<String> writeLog(int saves) throws IOException {
    try (Wal wal = Wal.create(disk, DIR, META, SMALL)) {
      for (long i = 1; i <= saves; i++) {
        wal.save(new HardState(1 + i / 10, 1, i - 1), List.of(entry(1 + i / 10, i)), true);
      }
    }
    return disk.list(DIR);
  }

  /** Frame boundaries of the last segment, with the log state after each frame. */
  private List<Boundary> boundariesOfLastSegment(List<String> names) throws IOException {
    OpenedWal whole = Wal.open(disk, DIR, NO_SNAPSHOT, SMALL);
    whole.wal().close();
    List<Entry> before = new ArrayList<>();
    HardState state = HardState.EMPTY;
    int running = 0;
    for (int s = 0; s < names.size(); s++) {
      byte[] bytes = disk.contents(DIR.resolve(names.get(s)));
      SegmentReader reader = new SegmentReader(bytes, running);
      List<Boundary> boundaries = new ArrayList<>();
      long frameStart = 0;
      for (WalRecord r = reader.next(); r != null; r = reader.next()) {
        long contentEnd = reader.goodEnd();
        while (contentEnd > frameStart && bytes[(int) contentEnd - 1] == 0) {
          contentEnd--;
        }
        frameStart = reader.goodEnd();
        if (r instanceof WalRecord.EntryRecord e) {
          before.add(e.entry());
        } else if (r instanceof WalRecord.State st) {
          state = st.state();
        }
        boundaries.add(new Boundary(reader.goodEnd(), contentEnd, List.copyOf(before), state));
      }
      running = reader.runningCrc();
      if (s == names.size() - 1) {
        assertThat(whole.entries()).isEqualTo(before);
        return boundaries;
      }
    }
    throw new AssertionError("no segments");
  }

  private void truncateEverywhere(int saves) throws IOException {
    List<String> names = writeLog(saves);
    Path last = DIR.resolve(names.get(names.size() - 1));
    byte[] original = disk.contents(last);
    List<Boundary> boundaries = boundariesOfLastSegment(names);
    // The opening records (crc, metadata and, after a cut, state) are durable before the
    // segment gets its name, so a crash cannot cut into them.
    int opening = 3;
    long openingEnd = boundaries.get(opening - 1).end();
    long goodEnd = boundaries.get(boundaries.size() - 1).end();
    int checked = 0;
    for (long cut = openingEnd; cut <= goodEnd + 16; cut++) {
      for (boolean zeroed : new boolean[] {false, true}) {
        // Shortened, a frame survives if it ends before the cut; zeroed from the cut on, also
        // if only zeros it already had are lost.
        Boundary expected = boundaries.get(opening - 1);
        for (Boundary b : boundaries) {
          if ((zeroed ? b.contentEnd() : b.end()) <= cut) {
            expected = b;
          }
        }
        byte[] damaged =
            zeroed
                ? zeroFrom(original, (int) cut)
                : Arrays.copyOf(original, (int) Math.min(cut, original.length));
        disk.replaceDurably(last, damaged);
        OpenedWal opened = Wal.open(disk, DIR, NO_SNAPSHOT, SMALL);
        assertThat(opened.entries())
            .as("cut at %d zeroed=%s", cut, zeroed)
            .isEqualTo(expected.entries());
        assertThat(opened.state()).as("cut at %d", cut).isEqualTo(expected.state());
        // The repaired log takes new writes and reopens with them.
        long next = opened.wal().lastIndex() + 1;
        opened.wal().save(new HardState(9, 1, next - 1), List.of(entry(9, next)), true);
        opened.wal().close();
        OpenedWal again = Wal.open(disk, DIR, NO_SNAPSHOT, SMALL);
        assertThat(again.entries()).hasSize(expected.entries().size() + 1).endsWith(entry(9, next));
        assertThat(again.repairs()).isEmpty();
        again.wal().close();
        checked++;
      }
    }
    disk.replaceDurably(last, original);
    assertThat(checked).isGreaterThan(100);
  }

  private static byte[] zeroFrom(byte[] bytes, int from) {
    byte[] copy = bytes.clone();
    Arrays.fill(copy, Math.min(from, copy.length), copy.length, (byte) 0);
    return copy;
  }

  @Test
  void everyTruncationOfASingleSegmentReopensToTheLongestWrittenPrefix() throws IOException {
    truncateEverywhere(20);
  }

  @Test
  void everyTruncationOfTheLastOfSeveralSegmentsReopensToTheLongestWrittenPrefix()
      throws IOException {
    truncateEverywhere(130);
    assertThat(disk.list(DIR)).hasSizeGreaterThan(1);
  }

  @Test
  void everySingleBitFlipInEverySegmentIsDetected() throws IOException {
    List<String> names = writeLog(130);
    assertThat(names).hasSizeGreaterThan(1);
    List<Entry> all = Wal.open(disk, DIR, NO_SNAPSHOT, SMALL).entries();
    int refused = 0;
    int repaired = 0;
    for (int s = 0; s < names.size(); s++) {
      Path file = DIR.resolve(names.get(s));
      byte[] original = disk.contents(file);
      boolean lastSegment = s == names.size() - 1;
      List<Boundary> boundaries = lastSegment ? boundariesOfLastSegment(names) : List.of();
      long recordsEnd = lastSegment ? boundaries.getLast().end() : original.length;
      long lastFrameStart = lastSegment ? boundaries.get(boundaries.size() - 2).end() : -1;
      for (int offset = 0; offset < recordsEnd; offset++) {
        for (int bit = 0; bit < 8; bit++) {
          byte[] damaged = original.clone();
          damaged[offset] ^= (byte) (1 << bit);
          disk.replaceDurably(file, damaged);
          try {
            OpenedWal opened = Wal.open(disk, DIR, NO_SNAPSHOT, SMALL);
            opened.wal().close();
            if (!(lastSegment && offset >= lastFrameStart)) {
              fail("flip of bit %d at %s:%d was not detected", bit, file.getFileName(), offset);
            }
            assertThat(opened.repairs()).as("flip at %d", offset).hasSize(1);
            // Only the damaged last record may go: here that is the last state record.
            assertThat(opened.entries()).isEqualTo(all);
            repaired++;
          } catch (WalCorruptException e) {
            assertThat(e.getMessage()).contains(file.getFileName().toString());
            refused++;
          }
        }
      }
      disk.replaceDurably(file, original);
    }
    assertThat(refused).isGreaterThan(1000);
    assertThat(repaired).isGreaterThan(0);
  }
}
