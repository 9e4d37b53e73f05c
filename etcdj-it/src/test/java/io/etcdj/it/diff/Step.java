package io.etcdj.it.diff;

import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One etcdctl invocation of the differential script: its arguments (after {@code etcdctl
 * --endpoints=...}), optional stdin, and how to run and compare it. Arguments may hold placeholders
 * that {@link OutputMasker#resolve} fills per target: {@code ${LEASE1}} (the hex ID of the first
 * lease seen), {@code ${WORKDIR}} (the run's etcdctl working directory).
 *
 * @param name what the step checks, shown when it differs
 * @param stopAfterLines stop etcdctl once stdout has this many lines (watch); 0 = run to its end
 * @param timeout bound on this run
 * @param pauseBefore wait this long before running (lease expiry)
 * @param compare which parts of the result are compared
 * @param stdoutFormat how stdout is rendered before masking
 */
public record Step(
    String name,
    List<String> args,
    @Nullable String stdin,
    int stopAfterLines,
    Duration timeout,
    Duration pauseBefore,
    Compare compare,
    StdoutFormat stdoutFormat) {

  /** The parts of a run compared between targets. */
  public enum Compare {
    /** exit code, stdout and stderr (all masked). */
    ALL,
    /** exit code and stdout only (e.g. snapshot save, whose stderr is client-side logging). */
    EXIT_AND_STDOUT
  }

  /** How stdout is turned into text. */
  public enum StdoutFormat {
    TEXT,
    /** {@code -w protobuf} of a PutResponse: decoded, IDs and term zeroed, re-encoded as hex. */
    PUT_PROTOBUF,
    /** {@code -w protobuf} of a RangeResponse: as {@link #PUT_PROTOBUF}. */
    RANGE_PROTOBUF
  }

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);

  public Step {
    args = List.copyOf(args);
  }

  /** {@code etcdctl args...}: run to completion, everything compared. */
  public static Step of(String name, String... args) {
    return new Step(
        name,
        List.of(args),
        null,
        0,
        DEFAULT_TIMEOUT,
        Duration.ZERO,
        Compare.ALL,
        StdoutFormat.TEXT);
  }

  public Step stdin(String input) {
    return new Step(name, args, input, stopAfterLines, timeout, pauseBefore, compare, stdoutFormat);
  }

  /** Stops etcdctl once stdout holds {@code lines} lines, waiting at most {@code bound}. */
  public Step stopAfter(int lines, Duration bound) {
    return new Step(name, args, stdin, lines, bound, pauseBefore, compare, stdoutFormat);
  }

  public Step pauseBefore(Duration pause) {
    return new Step(name, args, stdin, stopAfterLines, timeout, pause, compare, stdoutFormat);
  }

  public Step compareExitAndStdoutOnly() {
    return new Step(
        name,
        args,
        stdin,
        stopAfterLines,
        timeout,
        pauseBefore,
        Compare.EXIT_AND_STDOUT,
        stdoutFormat);
  }

  public Step stdoutAs(StdoutFormat format) {
    return new Step(name, args, stdin, stopAfterLines, timeout, pauseBefore, compare, format);
  }

  /** The command as shown in transcripts (placeholders unresolved, so equal across targets). */
  public String commandLine() {
    StringBuilder line = new StringBuilder("$ etcdctl");
    for (String arg : args) {
      line.append(' ');
      line.append(arg.isEmpty() || arg.contains(" ") ? "'" + arg + "'" : arg);
    }
    if (stdin != null) {
      line.append(" <<< ").append(stdin.replace("\n", "\\n"));
    }
    return line.toString();
  }
}
