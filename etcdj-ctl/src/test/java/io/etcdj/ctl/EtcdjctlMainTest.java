package io.etcdj.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EtcdjctlMainTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return EtcdjctlMain.run(args, Map.of(), new PrintWriter(out, true), new PrintWriter(err, true));
  }

  @Test
  void versionPrintsEtcdctlsTwoLinesFirst() {
    assertThat(run("version")).isZero();
    assertThat(out.toString())
        .startsWith("etcdctl version: 3.4.23\nAPI version: 3.4\netcdjctl version: ");
  }

  @Test
  void anUnknownFlagIsAUsageErrorWithEtcdctlsExitCode() {
    assertThat(run("--no-such-flag", "version")).isEqualTo(128);
    assertThat(err.toString()).startsWith("Error: ");
  }
}
