package io.etcdj.mvcc;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdj.backend.ByteSequence;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The worked example of {@link KeyIndex}: generations, reads at revisions, compaction. */
class KeyIndexTest {
  private static KeyIndex example() {
    KeyIndex ki = new KeyIndex(ByteSequence.ofUtf8("foo"));
    ki.put(1, 0);
    ki.put(2, 0);
    ki.tombstone(3, 0);
    ki.put(4, 0);
    ki.tombstone(5, 0);
    return ki;
  }

  private static List<List<Revision>> gens(KeyIndex ki) {
    return ki.generations();
  }

  private static Revision r(long main) {
    return new Revision(main, 0);
  }

  @Test
  void aDeleteEndsAGenerationAndOpensAnEmptyOne() {
    assertThat(gens(example()))
        .containsExactly(List.of(r(1), r(2), r(3)), List.of(r(4), r(5)), List.of());
  }

  @Test
  void readsFindTheGenerationLiveAtTheRevision() {
    KeyIndex ki = example();
    assertThat(ki.get(0)).isNull();
    assertThat(ki.get(1)).isEqualTo(new KeyIndex.Found(r(1), r(1), 1));
    assertThat(ki.get(2)).isEqualTo(new KeyIndex.Found(r(2), r(1), 2));
    assertThat(ki.get(3)).isNull();
    assertThat(ki.get(4)).isEqualTo(new KeyIndex.Found(r(4), r(4), 1));
    assertThat(ki.get(5)).isNull();
    assertThat(ki.get(100)).isNull();
  }

  @Test
  void compactionKeepsWhatReadsAtTheCompactRevisionNeed() {
    KeyIndex ki = example();
    Set<Revision> keep = new HashSet<>();
    ki.compact(2, keep);
    assertThat(gens(ki)).containsExactly(List.of(r(2), r(3)), List.of(r(4), r(5)), List.of());
    assertThat(keep).containsExactly(r(2));
    ki.compact(4, keep);
    assertThat(gens(ki)).containsExactly(List.of(r(4), r(5)), List.of());
    keep.clear();
    ki.compact(5, keep);
    assertThat(gens(ki)).containsExactly(List.of(r(5)), List.of());
    assertThat(keep).containsExactly(r(5));
    assertThat(ki.isEmpty()).isFalse();
    ki.compact(6, keep);
    assertThat(ki.isEmpty()).isTrue();
  }

  @Test
  void compactingAtATombstoneKeepsItInTheIndexButNotInTheHashKeepSet() {
    KeyIndex ki = example();
    Set<Revision> hashKeep = new HashSet<>();
    ki.keep(3, hashKeep);
    assertThat(hashKeep).isEmpty();
    Set<Revision> keep = new HashSet<>();
    ki.compact(3, keep);
    assertThat(keep).containsExactly(r(3));
    assertThat(gens(ki)).containsExactly(List.of(r(3)), List.of(r(4), r(5)), List.of());
    assertThat(ki.get(3)).isNull();
    assertThat(ki.get(4)).isEqualTo(new KeyIndex.Found(r(4), r(4), 1));
  }

  @Test
  void versionsCountPutsWithinAGeneration() {
    KeyIndex ki = new KeyIndex(ByteSequence.ofUtf8("k"));
    ki.put(2, 0);
    ki.put(2, 1);
    ki.put(7, 0);
    assertThat(ki.get(7)).isEqualTo(new KeyIndex.Found(r(7), r(2), 3));
    assertThat(ki.get(2)).isEqualTo(new KeyIndex.Found(new Revision(2, 1), r(2), 2));
  }
}
