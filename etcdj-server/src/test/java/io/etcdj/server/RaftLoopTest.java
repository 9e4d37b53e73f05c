package io.etcdj.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdj.raft.Bytes;
import io.etcdj.raft.Entry;
import io.etcdj.raft.EntryType;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class RaftLoopTest {
  private static List<Entry> entries(long from, long to) {
    return LongStream.rangeClosed(from, to)
        .mapToObj(i -> new Entry(1, i, EntryType.NORMAL, Bytes.EMPTY))
        .toList();
  }

  @Test
  void onlyCommittedEntriesBelowTheReadysNewOnesMayBeAppliedBeforeTheSave() {
    // A leader under load: it commits 5..7 (persisted by the last Ready) and appends 8..9.
    assertThat(RaftLoop.durableCount(entries(5, 7), entries(8, 9))).isEqualTo(3);
    // A follower told to append 7..9 with the commit at 8: 5 and 6 are durable, 7 and 8 are not.
    assertThat(RaftLoop.durableCount(entries(5, 8), entries(7, 9))).isEqualTo(2);
    // Nothing new to save: every committed entry is durable.
    assertThat(RaftLoop.durableCount(entries(5, 8), List.of())).isEqualTo(4);
    assertThat(RaftLoop.durableCount(List.of(), entries(1, 2))).isZero();
  }
}
