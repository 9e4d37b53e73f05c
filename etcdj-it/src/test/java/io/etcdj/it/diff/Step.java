package io.etcdj.it.diff;

import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One etcdctl invocation of the differential script: its arguments (after {@code etcdctl
 * --endpoints=...}), optional stdin, and how to run and compare it. Arguments may hold placeholders
 * that {@link OutputMasker#resolve} fills per target: {@code ${LEASE1}} (the hex ID of the first
 * lease seen), {@code ${WORKDIR}} (the run's etcdctl working directory), and the named ones the
 * runner registers ({@code ${MEMBER_ID}}, {@code ${ENDPOINT}}, {@code ${ETCDCTL}}, a revision named
 * by {@link #thenMarkRevision}).
 *
 * @param name what the step checks, shown when it differs
 * @param stopAfterLines stop etcdctl once stdout has this many lines (watch); 0 = run to its end
 * @param timeout bound on this run (each run, for a repeated step)
 * @param pauseBefore wait this long before running (lease expiry)
 * @param compare which parts of the result are compared
 * @param stdoutFormat how stdout is rendered before masking
 * @param repeatUntilFailure 0 = run once; n &gt; 0 = run up to n times until a run fails, and
 *     compare only the failing run and whether runs succeeded before it (not how many: that count
 *     may legitimately differ, e.g. puts until the backend quota)
 * @param marksRevision after the step, the member's current revision gets this name: shown as
 *     {@code NAME}, {@code NAME+k} from then on ({@link OutputMasker#revisionsFrom}) and usable as
 *     {@code ${NAME}} in arguments; null = none
 */
public record Step(
    String name,
    List<String> args,
    @Nullable String stdin,
    int stopAfterLines,
    Duration timeout,
    Duration pauseBefore,
    Compare compare,
    StdoutFormat stdoutFormat,
    int repeatUntilFailure,
    @Nullable String marksRevision) {

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

  /** Stdin longer than this is shown in transcripts by its length only. */
  static final int STDIN_SHOWN_MAX = 200;

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
        StdoutFormat.TEXT,
        0,
        null);
  }

  public Step stdin(String input) {
    return new Step(
        name,
        args,
        input,
        stopAfterLines,
        timeout,
        pauseBefore,
        compare,
        stdoutFormat,
        repeatUntilFailure,
        marksRevision);
  }

  /**
   * Stops etcdctl once stdout holds {@code lines} lines, waiting at most {@code bound}; with {@code
   * lines == 0} only the bound applies (a command expected to block: it is shown as timed out).
   */
  public Step stopAfter(int lines, Duration bound) {
    return new Step(
        name,
        args,
        stdin,
        lines,
        bound,
        pauseBefore,
        compare,
        stdoutFormat,
        repeatUntilFailure,
        marksRevision);
  }

  public Step pauseBefore(Duration pause) {
    return new Step(
        name,
        args,
        stdin,
        stopAfterLines,
        timeout,
        pause,
        compare,
        stdoutFormat,
        repeatUntilFailure,
        marksRevision);
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
        stdoutFormat,
        repeatUntilFailure,
        marksRevision);
  }

  public Step stdoutAs(StdoutFormat format) {
    return new Step(
        name,
        args,
        stdin,
        stopAfterLines,
        timeout,
        pauseBefore,
        compare,
        format,
        repeatUntilFailure,
        marksRevision);
  }

  /** Runs the command again and again (at most {@code maxRuns} times) until a run fails. */
  public Step repeatUntilFailure(int maxRuns) {
    if (maxRuns < 1) {
      throw new IllegalArgumentException("maxRuns " + maxRuns);
    }
    return new Step(
        name,
        args,
        stdin,
        stopAfterLines,
        timeout,
        pauseBefore,
        compare,
        stdoutFormat,
        maxRuns,
        marksRevision);
  }

  /** After the step, names the member's current revision {@code revisionName} (upper case). */
  public Step thenMarkRevision(String revisionName) {
    if (!revisionName.matches("[A-Z][A-Z_]*")) {
      throw new IllegalArgumentException("revision name " + revisionName);
    }
    return new Step(
        name,
        args,
        stdin,
        stopAfterLines,
        timeout,
        pauseBefore,
        compare,
        stdoutFormat,
        repeatUntilFailure,
        revisionName);
  }

  /** The command as shown in transcripts (placeholders unresolved, so equal across targets). */
  public String commandLine() {
    StringBuilder line = new StringBuilder("$ etcdctl");
    for (String arg : args) {
      line.append(' ');
      line.append(arg.isEmpty() || arg.contains(" ") ? "'" + arg + "'" : arg);
    }
    if (stdin != null) {
      line.append(" <<< ")
          .append(
              stdin.length() > STDIN_SHOWN_MAX
                  ? "(" + stdin.length() + " characters)"
                  : stdin.replace("\n", "\\n"));
    }
    if (repeatUntilFailure > 0) {
      line.append("   # repeated until it fails, at most ")
          .append(repeatUntilFailure)
          .append(" times");
    }
    return line.toString();
  }
}
