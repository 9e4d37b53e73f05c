package io.etcdj.server;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Auto compaction on the leader (etcd's {@code --auto-compaction-mode}): {@code periodic} keeps the
 * retention window of history, sampling the revision every tenth of the interval and compacting to
 * the revision sampled one retention ago; {@code revision} compacts to current minus the retention
 * every five minutes. Confined to the housekeeping loop.
 */
final class Compactor {
  private static final long REVISION_INTERVAL_NANOS = Duration.ofMinutes(5).toNanos();

  private record Sample(long atNanos, long revision) {}

  private final ServerConfig.CompactionMode mode;
  private final long retentionNanos;
  private final long retentionRevisions;
  private final MonotonicClock clock;
  private final LongConsumer compact;
  private final LongSupplier revision;
  private final ArrayDeque<Sample> samples = new ArrayDeque<>();
  private long startedAt = -1;
  private long lastSample;
  private long lastCompaction;
  private long lastCompactedRevision;

  Compactor(
      ServerConfig config, MonotonicClock clock, LongConsumer compact, LongSupplier revision) {
    this.mode = config.autoCompactionMode();
    this.clock = clock;
    this.compact = compact;
    this.revision = revision;
    String retention = config.autoCompactionRetention().trim();
    if (mode == ServerConfig.CompactionMode.REVISION) {
      this.retentionRevisions = retention.isEmpty() ? 0 : Long.parseLong(retention);
      this.retentionNanos = 0;
    } else {
      this.retentionRevisions = 0;
      this.retentionNanos = parseRetention(retention);
    }
  }

  /** etcd's periodic retention: a bare number is hours, else a Go duration. */
  static long parseRetention(String text) {
    if (text.isEmpty() || text.equals("0")) {
      return 0;
    }
    if (text.chars().allMatch(Character::isDigit)) {
      return Duration.ofHours(Long.parseLong(text)).toNanos();
    }
    long total = 0;
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)").matcher(text);
    int consumed = 0;
    while (m.find()) {
      if (m.start() != consumed) {
        throw new IllegalArgumentException("invalid auto compaction retention: " + text);
      }
      consumed = m.end();
      double v = Double.parseDouble(m.group(1));
      long unit =
          switch (m.group(2)) {
            case "ns" -> 1L;
            case "us", "µs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> 3_600_000_000_000L;
          };
      total += (long) (v * unit);
    }
    if (consumed != text.length()) {
      throw new IllegalArgumentException("invalid auto compaction retention: " + text);
    }
    return total;
  }

  boolean enabled() {
    return mode == ServerConfig.CompactionMode.REVISION
        ? retentionRevisions > 0
        : retentionNanos > 0;
  }

  /** Called often while this member leads. */
  void run(long now) {
    if (!enabled()) {
      return;
    }
    if (startedAt < 0) {
      startedAt = now;
      lastSample = now - Long.MAX_VALUE / 4;
      lastCompaction = now;
    }
    if (mode == ServerConfig.CompactionMode.REVISION) {
      if (now - lastCompaction >= REVISION_INTERVAL_NANOS) {
        lastCompaction = now;
        long target = revision.getAsLong() - retentionRevisions;
        if (target > 0 && target != lastCompactedRevision) {
          lastCompactedRevision = target;
          compact.accept(target);
        }
      }
      return;
    }
    long interval = Math.min(retentionNanos, Duration.ofHours(1).toNanos());
    long sampleEvery = Math.max(1, interval / 10);
    if (now - lastSample >= sampleEvery) {
      lastSample = now;
      samples.addLast(new Sample(now, revision.getAsLong()));
      while (samples.size() > retentionNanos / sampleEvery + 1) {
        samples.removeFirst();
      }
    }
    long due = lastCompaction == startedAt ? retentionNanos : interval;
    if (now - lastCompaction >= due && !samples.isEmpty()) {
      Sample oldest = samples.peekFirst();
      if (oldest != null && now - oldest.atNanos() >= retentionNanos - sampleEvery) {
        lastCompaction = now;
        if (oldest.revision() > 0 && oldest.revision() != lastCompactedRevision) {
          lastCompactedRevision = oldest.revision();
          compact.accept(oldest.revision());
        }
      }
    }
  }

  /** Not the leader: start over when leadership returns. */
  void pause() {
    startedAt = -1;
    samples.clear();
  }

  long clockNow() {
    return clock.nanoTime();
  }
}
