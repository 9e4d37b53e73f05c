package io.etcdj.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class GoDurationTest {
  @Test
  void parsesEveryUnitGoAccepts() {
    assertThat(GoDuration.parse("100ms")).isEqualTo(Duration.ofMillis(100));
    assertThat(GoDuration.parse("5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(GoDuration.parse("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(GoDuration.parse("10m")).isEqualTo(Duration.ofMinutes(10));
    assertThat(GoDuration.parse("300us")).isEqualTo(Duration.ofNanos(300_000));
    assertThat(GoDuration.parse("300µs")).isEqualTo(Duration.ofNanos(300_000));
    assertThat(GoDuration.parse("7ns")).isEqualTo(Duration.ofNanos(7));
  }

  @Test
  void parsesCompoundFractionalSignedAndZero() {
    assertThat(GoDuration.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(GoDuration.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(GoDuration.parse("-2s")).isEqualTo(Duration.ofSeconds(-2));
    assertThat(GoDuration.parse("0")).isEqualTo(Duration.ZERO);
    assertThat(GoDuration.parse("0s")).isEqualTo(Duration.ZERO);
  }

  @Test
  void refusesWhatGoRefuses() {
    for (String bad : new String[] {"", "5", "s", "1.2.3s", "5sec", "1h-30m", ".s", "+"}) {
      assertThatThrownBy(() -> GoDuration.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("time: invalid duration \"" + bad + "\"");
    }
  }
}
