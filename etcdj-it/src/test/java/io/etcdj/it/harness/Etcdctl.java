package io.etcdj.it.harness;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The real {@code etcdctl} (Debian's etcd-client 3.4, {@code ETCDCTL_API=3}) against given
 * endpoints: each call is one process, bounded in time and destroyed (by its handle) on timeout.
 */
public final class Etcdctl {
  /** Default bound on one etcdctl run. */
  public static final Duration TIMEOUT = Duration.ofSeconds(20);

  /** How long a run with {@code stopAfterLines} goes on after the expected lines arrived. */
  public static final Duration STOP_GRACE = Duration.ofMillis(300);

  /** What one run printed and how it ended. */
  public record Result(
      byte[] stdoutBytes, byte[] stderrBytes, int exitCode, boolean timedOut, boolean stopped) {
    public String stdout() {
      return new String(stdoutBytes, StandardCharsets.UTF_8);
    }

    public String stderr() {
      return new String(stderrBytes, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return "exit "
          + exitCode
          + (timedOut ? " (timed out)" : "")
          + (stopped ? " (stopped)" : "")
          + "\n--- stdout\n"
          + stdout()
          + "\n--- stderr\n"
          + stderr();
    }
  }

  private final String endpoints;
  private final Path workDir;

  /**
   * @param endpoints comma list for {@code --endpoints}
   * @param workDir the working directory of every run (relative paths resolve there)
   */
  public Etcdctl(String endpoints, Path workDir) {
    this.endpoints = endpoints;
    this.workDir = workDir;
  }

  /** The etcdctl binary: {@code $ETCDCTL_BINARY}, else {@code /usr/bin/etcdctl}. */
  public static String binary() {
    String binary = System.getenv().getOrDefault("ETCDCTL_BINARY", "/usr/bin/etcdctl");
    if (!new File(binary).canExecute()) {
      throw new IllegalStateException(
          binary + " not found: install etcdctl 3.4 (apt-get install etcd-client; ./test does it)");
    }
    return binary;
  }

  public String endpoints() {
    return endpoints;
  }

  public Result run(String... args) throws IOException, InterruptedException {
    return run(List.of(args), null, TIMEOUT);
  }

  public Result run(List<String> args, @Nullable String stdin, Duration timeout)
      throws IOException, InterruptedException {
    return run(args, stdin, 0, timeout);
  }

  /**
   * Runs {@code etcdctl --endpoints=<endpoints> args...}, feeding {@code stdin} (or nothing: stdin
   * is closed at once). If {@code stopAfterLines > 0} the process is stopped as soon as its stdout
   * holds that many lines, plus {@link #STOP_GRACE} (for {@code watch}, which never ends by
   * itself). Bounded by {@code timeout}, after which the process is destroyed and the result marked
   * timed out. A stopped or timed-out process gets SIGTERM (SIGKILL 5 s later); the result holds
   * what it printed until it exited, and its exit code (143 if the signal killed it).
   */
  public Result run(List<String> args, @Nullable String stdin, int stopAfterLines, Duration timeout)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(binary());
    command.add("--endpoints=" + endpoints);
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(k -> k.startsWith("ETCDCTL_"));
    env.put("ETCDCTL_API", "3");
    Process process = builder.start();
    Capture out = new Capture(process.getInputStream());
    Capture err = new Capture(process.getErrorStream());
    Thread outReader = Thread.ofVirtual().start(out);
    Thread errReader = Thread.ofVirtual().start(err);
    try (OutputStream in = process.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException closedEarly) {
      // etcdctl may exit before reading all of stdin; what it printed is the result.
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean timedOut = false;
    boolean stopped = false;
    while (process.isAlive()) {
      if (stopAfterLines > 0 && out.lines() >= stopAfterLines) {
        // A short grace so that lines beyond the expected ones (extra events) are seen too.
        process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        stopped = true;
        break;
      }
      if (System.nanoTime() > deadline) {
        timedOut = true;
        break;
      }
      process.waitFor(20, TimeUnit.MILLISECONDS);
    }
    if (process.isAlive()) {
      // SIGTERM through the handle: unlike Process.destroy(), it leaves the pipes open, so what
      // etcdctl prints on the signal (lock and elect clean up, then report) and its exit code are
      // part of the result.
      process.toHandle().destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    }
    outReader.join(TimeUnit.SECONDS.toMillis(5));
    errReader.join(TimeUnit.SECONDS.toMillis(5));
    int exit = process.isAlive() ? -1 : process.exitValue();
    return new Result(out.bytes(), err.bytes(), exit, timedOut, stopped);
  }

  /** Drains one stream of the process into memory. */
  private static final class Capture implements Runnable {
    private final InputStream stream;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private int lines;

    Capture(InputStream stream) {
      this.stream = stream;
    }

    @Override
    public void run() {
      byte[] buffer = new byte[8192];
      try (stream) {
        int n;
        while ((n = stream.read(buffer)) >= 0) {
          synchronized (this) {
            bytes.write(buffer, 0, n);
            for (int i = 0; i < n; i++) {
              if (buffer[i] == '\n') {
                lines++;
              }
            }
          }
        }
      } catch (IOException e) {
        if (!"Stream closed".equals(e.getMessage())) {
          throw new UncheckedIOException(e);
        }
      }
    }

    synchronized int lines() {
      return lines;
    }

    synchronized byte[] bytes() {
      return bytes.toByteArray();
    }
  }
}
