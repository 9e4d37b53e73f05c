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
    List<Compare.Workload> workloads = Compare.workloads();
    assertThat(workloads)
        .extracting(Compare.Workload::name)
        .contains("put, 1 client", "put, 256 clients", "lease-keepalive, 64 clients");
    assertThat(Compare.rowName(workloads.get(0), 3)).isEqualTo("put, 1 client, 3 members");
    Compare.Results results = new Compare.Results();
    results.add("put, 1 client", "etcd", new Compare.Sample(100, 0.010, 0.008, 0));
    results.add("put, 1 client", "etcd", new Compare.Sample(300, 0.030, 0.004, 2));
    results.add("put, 1 client", "etcdj", new Compare.Sample(500, 0.005, 0.002, 0));
    results.add("put, 1 client", "etcdj", new Compare.Sample(300, 0.004, 0.003, 0));
    results.add("put, 1 client", "etcdj", new Compare.Sample(400, 0.006, 0.004, 0));
    assertThat(Compare.table(List.of("put, 1 client"), results))
        .contains("| put, 1 client (2 errors) | 200 | 20.0 | 400 | 5.0 | 2.00× | 0.25× |");
    String fsync =
        Compare.fsyncTable(
            List.of(
                new Compare.Sample(1000, 0.004, 0.001, 0),
                new Compare.Sample(500, 0.006, 0.002, 0)),
            results);
    assertThat(fsync)
        .contains("mean 1.500 ms, p99 5.000 ms (median of 2 runs)")
        .contains("| mean latency, ms | 6.000 | 3.000 |")
        .contains("| mean latency / fsync (target ≤ 1.3×) | 4.00× | 2.00× |");
  }

  @Test
  void theStorageTableHasEveryFigureInOrderWithRatios() {
    Map<String, Map<String, List<Double>>> storage = new java.util.LinkedHashMap<>();
    storage.put(
        "RSS after the load, MiB",
        Map.of("etcd", List.of(400.0, 500.0, 600.0), "etcdj", List.of(250.0)));
    String table = Compare.storageTable(storage, 1_000_000);
    assertThat(table)
        .startsWith("| storage, 1,000,000 keys of 256 B, single member |")
        .contains("| RSS after the load, MiB | 500 | 250 | 0.50× |")
        .contains("| restart to serving, s | NaN | NaN | NaN× |");
    assertThat(table.lines().count()).isEqualTo(2 + Compare.STORAGE_ROWS.size());
  }

  @Test
  void aWatchRowIsRatedByTheEventsItsWatchersReceived() {
    Compare.Workload watch =
        Compare.workloads().stream().filter(w -> w.args().get(0).equals("watch")).findFirst().get();
    assertThat(watch.rateField()).isEqualTo("eventsPerSecond");
    String json =
        "{\"name\":\"watch\",\"errors\":0,\"requestsPerSecond\":100.0,\"averageSeconds\":0.01,"
            + "\"p99Seconds\":0.02,\"eventsPerSecond\":10000.0}";
    assertThat(Compare.Sample.of(json, watch.rateField()).requestsPerSecond()).isEqualTo(10000);
    assertThat(Compare.Sample.of(json).requestsPerSecond()).isEqualTo(100);
    String lost =
        "{\"errors\":1,\"requestsPerSecond\":100.0,\"averageSeconds\":0.01,\"p99Seconds\":0.02,"
            + "\"eventsExpected\":500.0,\"eventsReceived\":480.0,\"eventsPerSecond\":9.0}";
    assertThat(Compare.Sample.of(lost, "eventsPerSecond").errors())
        .as("events that never arrived count as errors")
        .isEqualTo(21);
  }

  @Test
  void readsTheClientsJson() {
    String json =
        "{\"name\":\"put\",\"errors\":0,\"requestsPerSecond\":1234.5,\"p99Seconds\":0.0125}";
    assertThat(Compare.number(json, "requestsPerSecond")).isEqualTo(1234.5);
    assertThat(Compare.number(json, "p99Seconds")).isEqualTo(0.0125);
  }
}
