package io.etcdj.it.diff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The masker hides IDs, terms, sizes, times and ports, and nothing that must be compared. */
class OutputMaskerTest {
  static final long MEMBER = 0x8876210cd96651c6L;
  static final long CLUSTER = 0x7e1de051b63089b8L;

  static OutputMasker masker() {
    return new OutputMasker("/tmp/run-1/work")
        .id(MEMBER, "MEMBER_ID")
        .id(CLUSTER, "CLUSTER_ID")
        .port(26379, "CLIENT_PORT")
        .port(26380, "PEER_PORT")
        .lease(0x1234abcdL, "UNKNOWN_LEASE");
  }

  @Test
  void idsAndTermsAreMaskedRevisionsAndValuesAreNot() {
    assertThat(
            masker()
                .mask(
                    "{\"header\":{\"cluster_id\":9087666264657136056,\"member_id\":9833083175480742342,"
                        + "\"revision\":4,\"raft_term\":2},\"kvs\":[{\"key\":\"Zm9v\",\"version\":6}]}"))
        .isEqualTo(
            "{\"header\":{\"cluster_id\":CLUSTER_ID,\"member_id\":MEMBER_ID,"
                + "\"revision\":4,\"raft_term\":TERM},\"kvs\":[{\"key\":\"Zm9v\",\"version\":6}]}");
    assertThat(
            masker()
                .mask("\"ClusterID\" : 9087666264657136056\n\"RaftTerm\" : 2\n\"Revision\" : 7"))
        .isEqualTo("\"ClusterID\" : CLUSTER_ID\n\"RaftTerm\" : TERM\n\"Revision\" : 7");
    assertThat(
            masker()
                .mask(
                    "8876210cd96651c6, started, n1, http://127.0.0.1:26380, http://127.0.0.1:26379,"
                        + " false"))
        .isEqualTo(
            "MEMBER_ID, started, n1, http://127.0.0.1:PEER_PORT, http://127.0.0.1:CLIENT_PORT,"
                + " false");
  }

  @Test
  void leasesAreNumberedConsistentlyInHexAndDecimal() {
    OutputMasker masker = masker();
    assertThat(masker.mask("lease 51c6a209f787743c granted with TTL(100s)"))
        .isEqualTo("lease LEASE1 granted with TTL(100s)");
    assertThat(masker.mask("{\"ID\":5892575326152127550,\"TTL\":100}"))
        .isEqualTo("{\"ID\":LEASE2,\"TTL\":100}");
    assertThat(masker.mask("\"lease\":5892575326152127548 \"Lease\" : 0"))
        .isEqualTo("\"lease\":LEASE1 \"Lease\" : 0");
    assertThat(masker.mask("lease 000000001234abcd already expired"))
        .isEqualTo("lease UNKNOWN_LEASE already expired");
    assertThat(masker.resolve("--lease=${LEASE2}")).isEqualTo("--lease=51c6a209f787743e");
    assertThatThrownBy(() -> masker.resolve("${LEASE3}")).isInstanceOf(IllegalStateException.class);
    // A lock key carries its session lease as %x: 15 digits when the first hex digit is 0.
    assertThat(masker.mask("key=mylock/6c6a209f787743f rev=40"))
        .isEqualTo("key=mylock/LEASE3 rev=40");
    assertThat(masker.resolve("${LEASE3}")).isEqualTo("06c6a209f787743f");
  }

  @Test
  void sizesTimesAndClientNoiseAreMasked() {
    assertThat(
            masker()
                .mask("127.0.0.1:26379, 8876210cd96651c6, 3.4.23, 33 kB, true, false, 2, 55, 55, "))
        .isEqualTo(
            "127.0.0.1:CLIENT_PORT, MEMBER_ID, 3.4.23, SIZE, true, false, TERM, INDEX, INDEX, ");
    assertThat(
            masker()
                .mask("127.0.0.1:26379 is healthy: successfully committed proposal: took = 1.9ms"))
        .isEqualTo(
            "127.0.0.1:CLIENT_PORT is healthy: successfully committed proposal: took = DURATION");
    assertThat(
            masker()
                .mask(
                    "{\"level\":\"warn\",\"ts\":\"2024-01-01T00:00:00.000Z\",\"target\":"
                        + "\"endpoint://client-0f8c2a4e-1b2c-4d5e-8f90-123456789abc/127.0.0.1:26379\","
                        + "\"error\":\"rpc error: code = OutOfRange desc = x\"}"))
        .isEqualTo(
            "{\"level\":\"warn\",\"ts\":\"TS\",\"target\":"
                + "\"endpoint://client-UUID/127.0.0.1:CLIENT_PORT\","
                + "\"error\":\"rpc error: code = OutOfRange desc = x\"}");
    assertThat(masker().mask("remaining(99s) \"ttl\":99,\"granted-ttl\":100 \"ttl\":-1"))
        .isEqualTo("remaining(REMAINING) \"ttl\":REMAINING,\"granted-ttl\":100 \"ttl\":-1");
    assertThat(masker().mask("Snapshot saved at /tmp/run-1/work/snap.db"))
        .isEqualTo("Snapshot saved at WORKDIR/snap.db");
    assertThat(masker().mask("127.0.0.1:CLIENT, 3154213581")).endsWith("3154213581");
  }

  @Test
  void placeholdersAreFilledAndUnknownOnesRejected() {
    OutputMasker masker =
        masker().placeholder("MEMBER_ID", "8876210cd96651c6").placeholder("ENDPOINT", "e:1");
    assertThat(masker.resolve("--endpoints=${ENDPOINT}")).isEqualTo("--endpoints=e:1");
    assertThat(masker.resolve("${MEMBER_ID}")).isEqualTo("8876210cd96651c6");
    assertThat(masker.resolve("echo $ETCD_LOCK_KEY")).isEqualTo("echo $ETCD_LOCK_KEY");
    assertThatThrownBy(() -> masker.resolve("${FILLED}")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void revisionsAreRelativeOnlyFromTheMarkedOne() {
    OutputMasker masker = masker();
    String out =
        "{\"header\":{\"revision\":30},\"kvs\":[{\"create_revision\":2,\"mod_revision\":31}]}";
    assertThat(masker.mask(out)).isEqualTo(out);
    masker.revisionsFrom(30, "FILLED");
    assertThat(masker.mask(out))
        .isEqualTo(
            "{\"header\":{\"revision\":FILLED},\"kvs\":[{\"create_revision\":2,\"mod_revision\":FILLED+1}]}");
    assertThat(masker.mask("compacted revision 30\n\"Revision\" : 32\n\"Version\" : 30"))
        .isEqualTo("compacted revision FILLED\n\"Revision\" : FILLED+2\n\"Version\" : 30");
    assertThat(masker.resolve("${FILLED}")).isEqualTo("30");
  }
}
