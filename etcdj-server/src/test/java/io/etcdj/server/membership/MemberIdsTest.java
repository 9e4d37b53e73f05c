package io.etcdj.server.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MemberIdsTest {
  @Test
  void aBootstrappedMemberGetsTheIdEtcdGivesIt() {
    // Observed on etcd 3.4.23: --initial-advertise-peer-urls http://127.0.0.1:26380.
    long id = MemberIds.bootstrapMemberId(List.of("http://127.0.0.1:26380"), "etcd-cluster");
    assertThat(MemberIds.toHex(id)).isEqualTo("8876210cd96651c6");
    assertThat(MemberIds.toHex(MemberIds.clusterId(List.of(id)))).isEqualTo("7e1de051b63089b8");
  }

  @Test
  void peerUrlOrderDoesNotChangeTheIdButTheTokenDoes() {
    long a = MemberIds.bootstrapMemberId(List.of("http://a:1", "http://b:2"), "t");
    long b = MemberIds.bootstrapMemberId(List.of("http://b:2", "http://a:1"), "t");
    assertThat(a).isEqualTo(b);
    assertThat(MemberIds.bootstrapMemberId(List.of("http://a:1", "http://b:2"), "u"))
        .isNotEqualTo(a);
    assertThat(MemberIds.addedMemberId(List.of("http://a:1"), 1000))
        .isNotEqualTo(MemberIds.addedMemberId(List.of("http://a:1"), 1001));
  }

  @Test
  void theClusterIdSortsMemberIdsAsUnsignedNumbers() {
    long high = 0x8876210cd96651c6L; // negative as a Java long
    long low = 0x1234L;
    assertThat(MemberIds.clusterId(List.of(high, low)))
        .isEqualTo(MemberIds.clusterId(List.of(low, high)));
  }

  @Test
  void parsesTheInitialClusterFlagWithRepeatedNames() {
    InitialCluster cluster =
        InitialCluster.parse(
            "n1=http://127.0.0.1:2380,n2=http://127.0.0.1:2381,n1=http://127.0.0.2:2380");
    assertThat(cluster.peerUrlsByName())
        .isEqualTo(
            Map.of(
                "n1", List.of("http://127.0.0.1:2380", "http://127.0.0.2:2380"),
                "n2", List.of("http://127.0.0.1:2381")));
    assertThat(cluster.memberIds("etcd-cluster")).containsOnlyKeys("n1", "n2");
    assertThat(InitialCluster.parse("default=http://127.0.0.1:26380").clusterId("etcd-cluster"))
        .isEqualTo(0x7e1de051b63089b8L);
  }

  @Test
  void refusesMalformedInitialClusters() {
    for (String bad :
        List.of("", "n1", "=http://a:1", "n1=", "n1=not a url", "n1=http://nohostport")) {
      assertThatThrownBy(() -> InitialCluster.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
