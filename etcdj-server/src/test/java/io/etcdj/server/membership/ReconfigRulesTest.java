package io.etcdj.server.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReconfigRulesTest {
  @Test
  void peerUrlsAreSortedAndMustBeHttpHostAndPortWithoutPath() {
    assertThat(ReconfigRules.peerUrls(List.of("http://10.0.0.2:2380", "https://10.0.0.1:2380")))
        .containsExactly("http://10.0.0.2:2380", "https://10.0.0.1:2380");
    for (String bad :
        List.of("foo", "ftp://h:1", "http://h", "http://h:1/path", "http://:1", "http://h:x")) {
      assertThatThrownBy(() -> ReconfigRules.peerUrls(List.of(bad)))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> ReconfigRules.peerUrls(List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void addingAVoterKeepsTheStartedVotersAQuorum() {
    assertThat(ReconfigRules.readyToAddVoter(1, 1)).as("one to two").isTrue();
    assertThat(ReconfigRules.readyToAddVoter(2, 1)).as("2 of 3 needed, 1 started").isFalse();
    assertThat(ReconfigRules.readyToAddVoter(2, 2)).isTrue();
    assertThat(ReconfigRules.readyToAddVoter(3, 2)).as("3 of 4 needed").isFalse();
    assertThat(ReconfigRules.readyToAddVoter(3, 3)).isTrue();
  }

  @Test
  void removingAVoterKeepsTheRemainingStartedVotersAQuorum() {
    assertThat(ReconfigRules.readyToRemoveVoter(3, 3, true)).isTrue();
    assertThat(ReconfigRules.readyToRemoveVoter(3, 2, false)).as("the unstarted one").isTrue();
    assertThat(ReconfigRules.readyToRemoveVoter(3, 2, true)).as("1 of 2 left started").isFalse();
    assertThat(ReconfigRules.readyToRemoveVoter(2, 2, true)).isTrue();
  }

  @Test
  void promotingCountsTheLearnerAsStarted() {
    assertThat(ReconfigRules.readyToPromote(1, 1)).isTrue();
    assertThat(ReconfigRules.readyToPromote(2, 1)).as("2 of 3 with the learner").isTrue();
    assertThat(ReconfigRules.readyToPromote(3, 1)).as("3 of 4 needed, 2 started").isFalse();
  }
}
