package io.etcdj.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import io.etcdj.api.etcdserverpb.PutResponse;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.it.diff.EtcdctlScenarios;
import io.etcdj.it.diff.OutputMasker;
import io.etcdj.it.diff.Step;
import io.etcdj.it.harness.Etcdctl;
import io.etcdj.it.harness.EtcdjProcess;
import io.etcdj.it.harness.Ports;
import io.etcdj.it.harness.Target;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same etcdctl 3.4 script ({@link EtcdctlScenarios#STEPS}) against a fresh single member of
 * each target (default real etcd 3.4, the oracle, then etcdj; {@code -Ddiff.targets=etcd,etcd}
 * diffs etcd against itself to validate the harness). Transcripts are masked ({@link OutputMasker}:
 * IDs, terms, sizes, times, ports only) and must be equal step by step: revisions, values, errors
 * (with the gRPC codes the Go client logs) and exit codes. The masked transcripts are written to
 * {@code target/differential-etcdctl/} for reading. {@link DifferentialQuotaEtcdctlIT} runs a
 * second script the same way, with a small backend quota.
 */
class DifferentialEtcdctlIT {
  @TempDir Path tmp;

  /** One step's masked result, and a note for the transcript file that is not compared. */
  record Entry(Step step, String text, String note) {}

  @Test
  void everyTargetAnswersTheEtcdctlScriptLikeRealEtcd() throws Exception {
    assertSameTranscripts("script", "", EtcdctlScenarios.STEPS, List.of(), tmp);
  }

  /**
   * Runs {@code steps} (called {@code script} in messages) against a fresh single member of each
   * {@code -Ddiff.targets} target started with {@code extraFlags}, writes the masked transcripts to
   * {@code target/differential-etcdctl/<prefix><n>-<target>.txt} and fails unless all equal the
   * first target's.
   */
  static void assertSameTranscripts(
      String script, String prefix, List<Step> steps, List<String> extraFlags, Path tmp)
      throws IOException, InterruptedException {
    List<Target> targets = Target.fromProperty("diff.targets", "etcd,etcdj");
    assertThat(targets).as("-Ddiff.targets needs two or more targets").hasSizeGreaterThan(1);
    List<List<Entry>> transcripts = new ArrayList<>();
    for (int i = 0; i < targets.size(); i++) {
      Target target = targets.get(i);
      String name = prefix + i + "-" + target.label();
      List<Entry> transcript = runScript(target, steps, extraFlags, tmp.resolve(name));
      write(name, transcript);
      transcripts.add(transcript);
    }
    List<Entry> oracle = transcripts.get(0);
    for (int t = 1; t < transcripts.size(); t++) {
      List<Entry> other = transcripts.get(t);
      List<Integer> differing = new ArrayList<>();
      for (int s = 0; s < Math.min(oracle.size(), other.size()); s++) {
        if (!oracle.get(s).text().equals(other.get(s).text())) {
          differing.add(s);
        }
      }
      if (!differing.isEmpty()) {
        int s = differing.get(0);
        StringBuilder others = new StringBuilder();
        for (int d : differing.subList(1, differing.size())) {
          others.append("\n  ").append(d + 1).append(". ").append(oracle.get(d).step().name());
        }
        fail(
            "%d of %d steps differ between %s and %s; the first is step %d (%s)\n=== %s\n%s\n=== %s\n%s"
                + "\nthe other differing steps:%s",
            differing.size(),
            oracle.size(),
            targets.get(0).label(),
            targets.get(t).label(),
            s + 1,
            oracle.get(s).step().name(),
            targets.get(0).label(),
            oracle.get(s).text(),
            targets.get(t).label(),
            other.get(s).text(),
            others.length() == 0 ? " none" : others);
      }
      assertThat(other).hasSameSizeAs(oracle);
    }
    System.out.printf(
        "differential etcdctl %s: %d steps equal across %s%n", script, oracle.size(), targets);
  }

  /** Bound on all the runs of one {@link Step#repeatUntilFailure} step together. */
  static final Duration REPEAT_BOUND = Duration.ofSeconds(120);

  static List<Entry> runScript(Target target, List<Step> steps, List<String> extraFlags, Path root)
      throws IOException, InterruptedException {
    Path workDir = Files.createDirectories(root.resolve("work"));
    List<Integer> ports = Ports.free(2);
    EtcdjProcess.Config config =
        EtcdjProcess.singleMember(
            target,
            "default",
            root.resolve("default.etcd"),
            ports.get(0),
            ports.get(1),
            extraFlags);
    try (EtcdjProcess member = EtcdjProcess.start(config)) {
      Etcdctl etcdctl = new Etcdctl(member.endpoint(), workDir);
      Etcdctl.Result probe = etcdctl.run("endpoint", "status", "-w", "json");
      assertThat(probe.exitCode()).as("probe of %s: %s", member, probe).isZero();
      long memberId = idField(probe.stdout(), "member_id");
      OutputMasker masker =
          new OutputMasker(workDir.toString())
              .id(memberId, "MEMBER_ID")
              .id(idField(probe.stdout(), "cluster_id"), "CLUSTER_ID")
              .port(ports.get(0), "CLIENT_PORT")
              .port(ports.get(1), "PEER_PORT")
              .lease(Long.parseLong(EtcdctlScenarios.UNKNOWN_LEASE, 16), "UNKNOWN_LEASE")
              .placeholder("MEMBER_ID", Long.toHexString(memberId))
              .placeholder("ENDPOINT", member.endpoint())
              .placeholder("ETCDCTL", Etcdctl.binary());
      List<Entry> transcript = new ArrayList<>();
      for (Step step : steps) {
        if (!step.pauseBefore().isZero()) {
          LockSupport.parkNanos(step.pauseBefore().toNanos());
        }
        List<String> args = step.args().stream().map(masker::resolve).toList();
        String note = "";
        String text;
        if (step.repeatUntilFailure() > 0) {
          long deadline = System.nanoTime() + REPEAT_BOUND.toNanos();
          int runs = 0;
          Etcdctl.Result result;
          boolean failed;
          do {
            result = etcdctl.run(args, step.stdin(), step.stopAfterLines(), step.timeout());
            runs++;
            failed = result.timedOut() || result.stopped() || result.exitCode() != 0;
          } while (!failed && runs < step.repeatUntilFailure() && System.nanoTime() < deadline);
          int successes = failed ? runs - 1 : runs;
          String outcome =
              !failed
                  ? "never failed (" + runs + " runs)"
                  : successes == 0 ? "failed at the first run" : "failed after successful runs";
          note = successes + " successful runs before this";
          text = render(step, result, masker, outcome);
        } else {
          Etcdctl.Result result =
              etcdctl.run(args, step.stdin(), step.stopAfterLines(), step.timeout());
          text = render(step, result, masker, null);
        }
        String mark = step.marksRevision();
        if (mark != null) {
          Etcdctl.Result status = etcdctl.run("endpoint", "status", "-w", "json");
          assertThat(status.exitCode()).as("revision after %s: %s", step.name(), status).isZero();
          long revision = revisionField(status.stdout());
          masker.revisionsFrom(revision, mark);
          note = (note.isEmpty() ? "" : note + "; ") + mark + " = " + revision;
        }
        transcript.add(new Entry(step, text, note));
      }
      return transcript;
    }
  }

  static long revisionField(String json) {
    Matcher m = Pattern.compile("\"revision\":(\\d+)").matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("no revision in " + json);
    }
    return Long.parseLong(m.group(1));
  }

  static String render(
      Step step, Etcdctl.Result result, OutputMasker masker, @Nullable String outcome) {
    String end =
        result.stopped()
            ? "stopped (SIGTERM) once "
                + step.stopAfterLines()
                + " lines had come, then exit "
                + result.exitCode()
            : result.timedOut()
                ? "TIMED OUT after " + step.timeout() + " (SIGTERM), then exit " + result.exitCode()
                : "exit " + result.exitCode();
    String stdout =
        switch (step.stdoutFormat()) {
          case TEXT -> result.stdout();
          case PUT_PROTOBUF -> protobuf(result.stdoutBytes(), PutResponse.parser()::parseFrom);
          case RANGE_PROTOBUF -> protobuf(result.stdoutBytes(), RangeResponse.parser()::parseFrom);
        };
    StringBuilder text = new StringBuilder();
    text.append(step.commandLine()).append('\n');
    if (outcome != null) {
      text.append(outcome).append("; the last run:\n");
    }
    text.append(end).append('\n');
    text.append("--- stdout\n").append(masker.mask(stdout));
    if (step.compare() == Step.Compare.ALL) {
      text.append("--- stderr\n").append(masker.mask(result.stderr()));
    }
    return text.toString();
  }

  interface Parser {
    Message parse(byte[] bytes) throws InvalidProtocolBufferException;
  }

  /**
   * A {@code -w protobuf} response: whether the bytes are the canonical encoding of what they
   * decode to, and that message with its header's IDs and term zeroed, as hex and as text.
   */
  static String protobuf(byte[] raw, Parser parser) {
    try {
      Message message = parser.parse(raw);
      boolean canonical = Arrays.equals(message.toByteArray(), raw);
      Message.Builder builder = message.toBuilder();
      var headerField = message.getDescriptorForType().findFieldByName("header");
      if (headerField != null && message.hasField(headerField)) {
        ResponseHeader header = (ResponseHeader) message.getField(headerField);
        builder.setField(
            headerField, header.toBuilder().setClusterId(0).setMemberId(0).setRaftTerm(0).build());
      }
      Message masked = builder.build();
      return "protobuf "
          + (canonical ? "canonical" : "NOT canonical")
          + ", IDs/term zeroed: "
          + HexFormat.of().formatHex(masked.toByteArray())
          + "\n"
          + TextFormat.printer().emittingSingleLine(true).printToString(masked)
          + "\n";
    } catch (InvalidProtocolBufferException e) {
      return "protobuf unparseable (" + e.getMessage() + "): " + HexFormat.of().formatHex(raw);
    }
  }

  static long idField(String json, String field) {
    Matcher m = Pattern.compile("\"" + field + "\":(\\d+)").matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("no " + field + " in " + json);
    }
    return Long.parseUnsignedLong(m.group(1));
  }

  static void write(String name, List<Entry> transcript) throws IOException {
    Path dir = Files.createDirectories(Path.of("target", "differential-etcdctl"));
    StringBuilder text = new StringBuilder();
    int n = 1;
    for (Entry entry : transcript) {
      text.append("### ").append(n++).append(". ").append(entry.step().name()).append('\n');
      if (!entry.note().isEmpty()) {
        text.append("(not compared: ").append(entry.note()).append(")\n");
      }
      text.append(entry.text()).append('\n');
    }
    Files.writeString(dir.resolve(name + ".txt"), text, StandardCharsets.UTF_8);
  }
}
