package io.etcdj.wal;

import static io.etcdj.wal.WalTest.DIR;
import static io.etcdj.wal.WalTest.META;
import static io.etcdj.wal.WalTest.SMALL;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcdj.raft.Bytes;
import io.etcdj.raft.Entry;
import io.etcdj.raft.EntryType;
import io.etcdj.raft.HardState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random sequences of saves (with and without sync, with overwritten suffixes), cuts, snapshots,
 * purges, clean reopens and crashes, against a plain list model.
 *
 * <p>A clean reopen must give exactly what was saved. A crash must give the model as it was at one
 * of the record boundaries since the last sync: everything synced is kept, and what was not is
 * either there in order or gone, never half there. Replay one seed with {@code ./test -pl etcdj-wal
 * -Dtest=WalPropertyTest -Dwal.seed=N}.
 */
class WalPropertyTest {

  /** The log as the WAL should hold it: entries from index 1 on, and the hard state. */
  record State(List<Entry> entries, HardState hardState) {
    List<Entry> after(long index) {
      return entries.stream().filter(e -> e.index() > index).toList();
    }
  }

  @Test
  void randomHistoriesReopenAsSavedAndCrashesLoseOnlyWhatWasNotSynced() throws IOException {
    String only = System.getProperty("wal.seed");
    long first = only != null ? Long.parseLong(only) : 1;
    long last = only != null ? first : 300;
    long crashes = 0;
    for (long seed = first; seed <= last; seed++) {
      try {
        crashes += run(seed, 250);
      } catch (AssertionError | RuntimeException | IOException e) {
        throw new AssertionError(
            "seed "
                + seed
                + " failed; replay: ./test -pl etcdj-wal -Dtest=WalPropertyTest -Dwal.seed="
                + seed,
            e);
      }
    }
    if (only == null) {
      assertThat(crashes).isGreaterThan(1000);
    }
  }

  private static final boolean TRACE = Boolean.getBoolean("wal.trace");

  private static String describe(List<Entry> entries) {
    return entries.isEmpty()
        ? "[]"
        : "["
            + entries.getFirst().index()
            + ".."
            + entries.getLast().index()
            + " last term "
            + entries.getLast().term()
            + "]";
  }

  private static long run(long seed, int steps) throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    SimulatedDisk disk = new SimulatedDisk(random.split());
    Wal wal = Wal.create(disk, DIR, META, SMALL);
    List<Entry> entries = new ArrayList<>();
    HardState hardState = HardState.EMPTY;
    WalRecord.SnapshotMarker snapshot = new WalRecord.SnapshotMarker(0, 0);
    // Model states at each record boundary since the last sync; the first is the synced one.
    List<State> sinceSync = new ArrayList<>(List.of(new State(List.of(), HardState.EMPTY)));
    long term = 1;
    long crashes = 0;
    for (int step = 0; step < steps; step++) {
      int action = random.nextInt(100);
      if (TRACE) {
        System.out.println(
            "step "
                + step
                + " action "
                + action
                + " segments "
                + disk.list(DIR)
                + " model "
                + describe(entries)
                + " "
                + hardState
                + " sinceSync "
                + sinceSync.size());
      }
      if (action < 70) {
        long lastIndex = entries.isEmpty() ? snapshot.index() : entries.getLast().index();
        long start = lastIndex + 1;
        if (lastIndex > snapshot.index() && random.nextInt(5) == 0) {
          start = Math.max(snapshot.index() + 1, lastIndex - random.nextInt(4));
          term++;
        }
        int count = random.nextInt(6);
        List<Entry> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
          byte[] data = new byte[random.nextInt(80)];
          random.nextBytes(data);
          batch.add(new Entry(term, start + i, EntryType.NORMAL, Bytes.copyOf(data)));
        }
        HardState next =
            random.nextInt(3) == 0
                ? HardState.EMPTY
                : new HardState(term, random.nextInt(4), Math.max(0, start - 1));
        boolean sync = random.nextInt(10) < 7;
        int segmentsBefore = wal.segments().size();
        wal.save(next, batch, sync);
        if (TRACE) {
          System.out.println(
              "  save "
                  + describe(batch)
                  + " "
                  + next
                  + " sync="
                  + sync
                  + " syncs="
                  + disk.syncs());
        }
        for (Entry e : batch) {
          while (!entries.isEmpty() && entries.getLast().index() >= e.index()) {
            entries.removeLast();
          }
          entries.add(e);
          sinceSync.add(new State(List.copyOf(entries), hardState));
        }
        if (!next.isEmpty()) {
          hardState = next;
          sinceSync.add(new State(List.copyOf(entries), hardState));
        }
        if (sync || wal.segments().size() != segmentsBefore) {
          sinceSync = new ArrayList<>(List.of(new State(List.copyOf(entries), hardState)));
        }
      } else if (action < 76
          && !entries.isEmpty()
          && entries.getLast().index() > snapshot.index()) {
        long lastIndex = entries.getLast().index();
        long index = snapshot.index() + 1 + random.nextLong(lastIndex - snapshot.index());
        long indexTerm =
            entries.stream().filter(e -> e.index() == index).findFirst().orElseThrow().term();
        snapshot = new WalRecord.SnapshotMarker(index, indexTerm);
        wal.saveSnapshot(snapshot);
        sinceSync = new ArrayList<>(List.of(new State(List.copyOf(entries), hardState)));
      } else if (action < 80) {
        wal.purge(snapshot.index(), 1 + random.nextInt(3));
      } else if (action < 88) {
        wal.close();
        OpenedWal opened = Wal.open(disk, DIR, snapshot, SMALL);
        State now = new State(List.copyOf(entries), hardState);
        assertThat(opened.entries()).isEqualTo(now.after(snapshot.index()));
        assertThat(opened.state()).isEqualTo(hardState);
        assertThat(opened.repairs()).isEmpty();
        sinceSync = new ArrayList<>(List.of(now)); // close() syncs
        wal = opened.wal();
      } else {
        crashes++;
        disk.crash();
        OpenedWal opened = Wal.open(disk, DIR, snapshot, SMALL);
        long snapshotIndex = snapshot.index();
        State found = null;
        for (State candidate : sinceSync) {
          if (candidate.after(snapshot.index()).equals(opened.entries())
              && candidate.hardState().equals(opened.state())) {
            found = candidate;
          }
        }
        assertThat(found)
            .as(
                "after a crash the log must be a record boundary since the last sync; got %s, %s;"
                    + " candidates %s",
                describe(opened.entries()),
                opened.state(),
                sinceSync.stream()
                    .map(c -> describe(c.after(snapshotIndex)) + "/" + c.hardState())
                    .toList())
            .isNotNull();
        State matched = java.util.Objects.requireNonNull(found);
        entries = new ArrayList<>(matched.entries());
        hardState = matched.hardState();
        sinceSync = new ArrayList<>(List.of(matched));
        wal = opened.wal();
      }
    }
    wal.close();
    return crashes;
  }
}
