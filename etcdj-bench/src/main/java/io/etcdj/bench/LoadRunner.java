package io.etcdj.bench;

import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs {@code clients} workers, each issuing one request at a time, until {@code total} requests
 * were issued or {@code duration} is over, optionally paced to {@code rate} requests per second
 * overall; records each request's latency.
 *
 * <p>Workers are virtual threads doing blocking calls, so 256 clients cost 256 small stacks, not
 * 256 platform threads. Pacing is open-loop: request {@code n} may start at {@code start + n /
 * rate}, so a slow server shows up as latency, not as a lower offered rate.
 */
final class LoadRunner {

  /** When a run ends and how fast it may go; {@code total} 0 means no count limit. */
  record Limits(long total, Duration duration, double rate) {
    Limits {
      if (total <= 0 && duration.isZero()) {
        throw new IllegalArgumentException("give --total or --duration");
      }
    }
  }

  /** One request; {@code sequence} numbers requests across all clients from 0. */
  @FunctionalInterface
  interface Operation {
    void run(int client, long sequence) throws Exception;
  }

  private LoadRunner() {}

  static Report run(
      String name,
      int clients,
      Limits limits,
      Operation operation,
      boolean progress,
      PrintStream err)
      throws InterruptedException {
    return run(name, clients, limits, new AtomicBoolean(), operation, progress, err);
  }

  /**
   * As {@link #run(String, int, Limits, Operation, boolean, PrintStream)}, also ending once {@code
   * stop} is set.
   */
  static Report run(
      String name,
      int clients,
      Limits limits,
      AtomicBoolean stop,
      Operation operation,
      boolean progress,
      PrintStream err)
      throws InterruptedException {
    LatencyRecorder recorder = new LatencyRecorder();
    AtomicLong next = new AtomicLong();
    long start = System.nanoTime();
    long deadline =
        limits.duration().isZero() ? Long.MAX_VALUE : start + limits.duration().toNanos();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int client = c;
      LatencyRecorder.Worker worker = recorder.newWorker();
      threads.add(
          Thread.ofVirtual()
              .name("bench-client-" + c)
              .start(
                  () -> {
                    while (true) {
                      long sequence = next.getAndIncrement();
                      if (limits.total() > 0 && sequence >= limits.total()) {
                        return;
                      }
                      if (limits.rate() > 0) {
                        long due = start + (long) (sequence * 1e9 / limits.rate());
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                          LockSupport.parkNanos(wait);
                        }
                      }
                      long begin = System.nanoTime();
                      if (begin >= deadline || stop.get()) {
                        return;
                      }
                      try {
                        operation.run(client, sequence);
                        worker.success(System.nanoTime() - begin);
                      } catch (StatusRuntimeException e) {
                        worker.failure(
                            e.getStatus().getCode()
                                + ": "
                                + String.valueOf(e.getStatus().getDescription()));
                      } catch (Exception e) {
                        worker.failure(e.getClass().getSimpleName() + ": " + e.getMessage());
                      }
                    }
                  }));
    }
    Thread bar = progress ? startProgressBar(recorder, limits, start, err) : null;
    for (Thread t : threads) {
      t.join();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (bar != null) {
      bar.interrupt();
      bar.join();
      err.print("\r" + " ".repeat(70) + "\r");
      err.flush();
    }
    LatencyRecorder.Merged merged = recorder.merge();
    return new Report(name, seconds, merged.sortedNanos(), merged.errors(), new LinkedHashMap<>());
  }

  static Report withExtra(Report report, Map<String, Double> extra) {
    Map<String, Double> all = new LinkedHashMap<>(report.extra());
    all.putAll(extra);
    return new Report(
        report.name(), report.totalSeconds(), report.sortedNanos(), report.errors(), all);
  }

  private static Thread startProgressBar(
      LatencyRecorder recorder, Limits limits, long start, PrintStream err) {
    return Thread.ofPlatform()
        .daemon()
        .name("bench-progress")
        .start(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                long done = recorder.completed();
                double elapsed = (System.nanoTime() - start) / 1e9;
                double fraction =
                    limits.total() > 0
                        ? (double) done / limits.total()
                        : elapsed / Math.max(1e-9, limits.duration().toNanos() / 1e9);
                fraction = Math.min(1, fraction);
                int filled = (int) (fraction * 40);
                err.printf(
                    Locale.ROOT,
                    "\r %d / %s [%s%s] %3.0f%% %.1fs",
                    done,
                    limits.total() > 0 ? Long.toString(limits.total()) : "-",
                    "=".repeat(filled),
                    " ".repeat(40 - filled),
                    fraction * 100,
                    elapsed);
                err.flush();
                LockSupport.parkNanos(200_000_000L); // an interrupt ends the park early
              }
            });
  }
}
