package io.etcdj.bench;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Collects per-request latencies and errors from many workers.
 *
 * <p>Each worker gets its own {@link Worker} (no sharing on the hot path); {@link #merge()} joins
 * them when the run is over. Latencies are kept exactly (8 bytes each), so percentiles are exact
 * rather than bucketed.
 */
final class LatencyRecorder {
  private final ConcurrentLinkedQueue<Worker> workers = new ConcurrentLinkedQueue<>();
  private final AtomicLong completed = new AtomicLong();

  /** One worker's samples; confined to that worker's thread until the run ends. */
  final class Worker {
    private long[] nanos = new long[1024];
    private int count;
    private final Map<String, Long> errors = new TreeMap<>();

    void success(long latencyNanos) {
      if (count == nanos.length) {
        nanos = Arrays.copyOf(nanos, count * 2);
      }
      nanos[count++] = latencyNanos;
      completed.incrementAndGet();
    }

    void failure(String message) {
      errors.merge(message, 1L, Long::sum);
      completed.incrementAndGet();
    }
  }

  Worker newWorker() {
    Worker worker = new Worker();
    workers.add(worker);
    return worker;
  }

  /** Requests finished so far (successes and failures), for the progress bar. */
  long completed() {
    return completed.get();
  }

  /** All samples, sorted ascending, and the errors by message. */
  record Merged(long[] sortedNanos, Map<String, Long> errors) {}

  Merged merge() {
    int total = 0;
    for (Worker w : workers) {
      total += w.count;
    }
    long[] all = new long[total];
    int at = 0;
    Map<String, Long> errors = new TreeMap<>();
    for (Worker w : workers) {
      System.arraycopy(w.nanos, 0, all, at, w.count);
      at += w.count;
      w.errors.forEach((k, v) -> errors.merge(k, v, Long::sum));
    }
    Arrays.sort(all);
    return new Merged(all, errors);
  }
}
