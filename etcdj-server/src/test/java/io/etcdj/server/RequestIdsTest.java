package io.etcdj.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RequestIdsTest {
  @Test
  void idsCarryTheMemberTheStartTimeAndACounterAsEtcdsDo() {
    long member = 0x8876210cd96651c6L;
    long startMillis = 0x1234_5678_9aL;
    RequestIds ids = new RequestIds(member, startMillis);
    long first = ids.next();
    assertThat(first >>> 48).isEqualTo(0x51c6L);
    assertThat((first >>> 8) & ((1L << 40) - 1)).isEqualTo(startMillis);
    assertThat(first & 0xff).isEqualTo(1);
    assertThat(ids.next()).isEqualTo(first + 1);
  }

  @Test
  void leaseIdsArePositiveAndTwoApartWhenEachGrantAlsoTakesARequestId() {
    RequestIds ids = new RequestIds(0x8876210cd96651c6L, 1_764_600_000_000L);
    ids.next(); // the grant's raft request ID
    long lease = ids.nextLeaseId();
    ids.next();
    long next = ids.nextLeaseId();
    assertThat(lease).isPositive();
    assertThat(next - lease).isEqualTo(2);
    assertThat(Long.toHexString(lease)).startsWith("51c6");
  }

  @Test
  void neverRepeats() {
    RequestIds ids = new RequestIds(7, 1_700_000_000_000L);
    Set<Long> seen = new HashSet<>();
    for (int i = 0; i < 100_000; i++) {
      assertThat(seen.add(ids.next())).isTrue();
    }
  }
}
