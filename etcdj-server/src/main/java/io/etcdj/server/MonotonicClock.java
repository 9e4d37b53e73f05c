package io.etcdj.server;

/** The server's only clock: monotonic nanoseconds (never wall time), injected. */
@FunctionalInterface
public interface MonotonicClock {
  long nanoTime();
}
