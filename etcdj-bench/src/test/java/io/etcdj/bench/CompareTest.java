package io.etcdj.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompareTest {
  @Test
  void theMedianOfRepeatsIsTheMiddleOneOrTheMeanOfTheMiddleTwo() {
    assertThat(Compare.median(new double[] {3, 1, 2})).isEqualTo(2);
    assertThat(Compare.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
    assertThat(Compare.median(new double[0])).isNaN();
  }

  @Test
  void theTableHasARowPerWorkloadWithMediansAndRatios() {
    List<Compare.Workload> workloads = Compare.workloads(1);
    assertThat(workloads)
        .extracting(Compare.Workload::name)
        .contains("put, 1 client", "put, 256 clients");
    String table =
        Compare.table(
            workloads.subList(0, 1),
            Map.of(
                "put, 1 client",
                List.of(new Compare.Sample(100, 0.010, 0), new Compare.Sample(300, 0.030, 2))),
            Map.of(
                "put, 1 client",
                List.of(
                    new Compare.Sample(500, 0.005, 0),
                    new Compare.Sample(300, 0.004, 0),
                    new Compare.Sample(400, 0.006, 0))));
    assertThat(table)
        .contains("| put, 1 client (2 errors) | 200 | 20.0 | 400 | 5.0 | 2.00× | 0.25× |");
  }

  @Test
  void readsTheClientsJson() {
    String json =
        "{\"name\":\"put\",\"errors\":0,\"requestsPerSecond\":1234.5,\"p99Seconds\":0.0125}";
    assertThat(Compare.number(json, "requestsPerSecond")).isEqualTo(1234.5);
    assertThat(Compare.number(json, "p99Seconds")).isEqualTo(0.0125);
  }
}
