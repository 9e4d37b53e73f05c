package io.etcdj.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdj.raft.ConfChange.Change;
import io.etcdj.raft.ConfChange.ChangeType;
import io.etcdj.raft.ConfChange.Transition;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The conf change encoding and the membership rules of Raft §6 / thesis §4. */
class ConfChangeTest {
  @Test
  void encodingRoundTripsEveryShapeOfChange() {
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 2_000; i++) {
      List<Change> changes = new ArrayList<>();
      int n = random.nextInt(4);
      for (int j = 0; j < n; j++) {
        changes.add(
            new Change(ChangeType.values()[random.nextInt(3)], 1 + random.nextLong(1L << 40)));
      }
      byte[] context = new byte[random.nextInt(5)];
      random.nextBytes(context);
      ConfChange change =
          new ConfChange(Transition.values()[random.nextInt(3)], changes, Bytes.copyOf(context));
      assertThat(ConfChange.decode(change.encode())).isEqualTo(change);
    }
  }

  @Test
  void decodingRejectsTruncatedOrForeignData() {
    Bytes encoded =
        ConfChange.joint(
                Transition.AUTO,
                List.of(new Change(ChangeType.ADD_VOTER, 4), new Change(ChangeType.REMOVE, 1)))
            .encode();
    for (int length = 0; length < encoded.size(); length++) {
      Bytes truncated = Bytes.copyOf(encoded.toByteArray(), 0, length);
      assertThatThrownBy(() -> ConfChange.decode(truncated))
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> ConfChange.decode(Bytes.ofUtf8("hello")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static Membership voters(Long... ids) {
    return Membership.of(new ConfState(List.of(ids), List.of(), List.of(), List.of(), false));
  }

  @Test
  void aSingleStepChangeMayChangeAtMostOneVoter() {
    Membership three = voters(1L, 2L, 3L);
    assertThat(three.apply(ConfChange.addVoter(4)).incoming()).containsExactly(1L, 2L, 3L, 4L);
    assertThat(three.apply(ConfChange.remove(2)).incoming()).containsExactly(1L, 3L);
    ConfChange two =
        new ConfChange(Transition.AUTO, List.of(new Change(ChangeType.ADD_VOTER, 4)), Bytes.EMPTY);
    assertThat(three.apply(two).isJoint()).isFalse();
    assertThatThrownBy(() -> voters(1L).apply(ConfChange.remove(1)))
        .hasMessageContaining("removed all voters");
  }

  @Test
  void enteringJointKeepsTheOldVotersAsOutgoingAndLeavingDropsThem() {
    Membership joint =
        voters(1L, 2L, 3L)
            .apply(
                ConfChange.joint(
                    Transition.AUTO,
                    List.of(
                        new Change(ChangeType.ADD_VOTER, 4), new Change(ChangeType.REMOVE, 1))));
    assertThat(joint.incoming()).containsExactly(2L, 3L, 4L);
    assertThat(joint.outgoing()).containsExactly(1L, 2L, 3L);
    assertThat(joint.autoLeave()).isTrue();
    assertThatThrownBy(() -> joint.apply(ConfChange.addVoter(5)))
        .hasMessageContaining("already in a joint");
    Membership left = joint.apply(ConfChange.leaveJoint());
    assertThat(left.incoming()).containsExactly(2L, 3L, 4L);
    assertThat(left.isJoint()).isFalse();
    assertThatThrownBy(() -> left.apply(ConfChange.leaveJoint()))
        .hasMessageContaining("not in a joint");
  }

  @Test
  void demotingAVoterThroughJointConsensusMakesItALearnerOnlyWhenLeaving() {
    Membership joint =
        voters(1L, 2L, 3L)
            .apply(
                ConfChange.joint(
                    Transition.JOINT_EXPLICIT,
                    List.of(
                        new Change(ChangeType.ADD_LEARNER, 3),
                        new Change(ChangeType.ADD_VOTER, 4))));
    assertThat(joint.learnersNext()).containsExactly(3L);
    assertThat(joint.learners()).isEmpty();
    assertThat(joint.isVoter(3)).isTrue();
    assertThat(joint.autoLeave()).isFalse();
    Membership left = joint.apply(ConfChange.leaveJoint());
    assertThat(left.learners()).containsExactly(3L);
    assertThat(left.isVoter(3)).isFalse();
  }

  @Test
  void promotingALearnerMovesItToTheVoters() {
    Membership withLearner = voters(1L, 2L, 3L).apply(ConfChange.addLearner(4));
    assertThat(withLearner.learners()).containsExactly(4L);
    assertThat(withLearner.isVoter(4)).isFalse();
    Membership promoted = withLearner.apply(ConfChange.addVoter(4));
    assertThat(promoted.learners()).isEmpty();
    assertThat(promoted.incoming()).containsExactly(1L, 2L, 3L, 4L);
    assertThat(Membership.of(promoted.toConfState())).isEqualTo(promoted);
  }
}
