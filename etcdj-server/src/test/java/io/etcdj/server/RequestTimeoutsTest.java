package io.etcdj.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class RequestTimeoutsTest {
  private long now;
  private final RequestTimeouts timeouts = new RequestTimeouts(() -> now, Duration.ofSeconds(7));

  @Test
  void aRequestNotDoneByItsDeadlineFailsWithATimeoutOnTheMembersClock() {
    CompletableFuture<String> late = timeouts.within(new CompletableFuture<>());
    now += Duration.ofSeconds(3).toNanos();
    CompletableFuture<String> later = timeouts.within(new CompletableFuture<>());
    now += Duration.ofSeconds(7).toNanos() - 1;
    timeouts.expire(now);
    assertThat(late).isCompletedExceptionally();
    assertThat(later).isNotDone();
    try {
      late.get();
    } catch (ExecutionException | InterruptedException e) {
      assertThat(e.getCause()).isInstanceOf(TimeoutException.class);
    }
    now += Duration.ofSeconds(3).toNanos();
    timeouts.expire(now);
    assertThat(later).isCompletedExceptionally();
    assertThat(timeouts.size()).isZero();
  }

  @Test
  void doneRequestsAreForgottenAndKeepTheirResult() {
    CompletableFuture<String> f = timeouts.within(new CompletableFuture<>());
    f.complete("ok");
    timeouts.expire(now);
    assertThat(timeouts.size()).isZero();
    now += Duration.ofSeconds(60).toNanos();
    timeouts.expire(now);
    assertThat(f).isCompletedWithValue("ok");
  }
}
