package io.etcdj.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Golden interaction scripts in the style of etcd-io/raft's datadriven tests: each file in {@code
 * src/test/resources/io/etcdj/raft/interaction/} holds commands, each followed by {@code ----} and
 * the output it must print (Ready batches, dropped messages, states). {@code -Drewrite=true}
 * regenerates the outputs; review the diff.
 *
 * <p>Commands: {@code nodes N [prevote] [checkquorum] [learners=A,B] [max-msg-bytes=B]
 * [inflight=N]}, {@code add-node ID}, {@code campaign ID}, {@code propose ID TEXT}, {@code
 * propose-conf-change ID CHANGE}, {@code transfer ID TARGET}, {@code read-index ID CTX}, {@code
 * tick ID N}, {@code tick-election ID}, {@code tick-heartbeat ID}, {@code isolate ID}, {@code
 * restart ID}, {@code cut A B}, {@code heal}, {@code process-ready}, {@code deliver-msgs}, {@code
 * stabilize}, {@code compact ID}, {@code raft-state}, {@code status ID}, {@code log ID}.
 */
class InteractionTest {
  private static final String DIRECTORY = "io/etcdj/raft/interaction/";

  @ParameterizedTest
  @ValueSource(
      strings = {
        "split_vote",
        "partitioned_old_leader",
        "figure_8",
        "prevote_rejoin",
        "checkquorum_step_down",
        "read_index_leader_change",
        "transfer",
        "learner_promotion",
        "joint_consensus",
        "snapshot_catch_up",
        "demotion"
      })
  void scriptPrintsTheGoldenOutput(String name) throws IOException {
    String script = read(name);
    String actual = run(script);
    if (Boolean.getBoolean("rewrite")) {
      String root = System.getProperty("etcdj.project.root", ".");
      Path file = Path.of(root, "etcdj-raft", "src", "test", "resources", DIRECTORY, name + ".txt");
      Files.writeString(file, actual, StandardCharsets.UTF_8);
      return;
    }
    assertThat(actual)
        .as("%s (rerun with -Drewrite=true and review the diff)", name)
        .isEqualTo(script);
  }

  private static String read(String name) throws IOException {
    try (InputStream in =
        InteractionTest.class.getClassLoader().getResourceAsStream(DIRECTORY + name + ".txt")) {
      Objects.requireNonNull(in, "missing script " + name);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Runs every command of {@code script}; returns the script with regenerated outputs. */
  static String run(String script) {
    Interaction env = new Interaction();
    StringBuilder out = new StringBuilder();
    List<String> lines = script.lines().toList();
    int i = 0;
    while (i < lines.size()) {
      String line = lines.get(i);
      if (line.isBlank() || line.startsWith("#")) {
        out.append(line).append('\n');
        i++;
        continue;
      }
      out.append(line).append('\n').append("----\n");
      i++;
      if (i < lines.size() && lines.get(i).equals("----")) {
        i++;
        while (i < lines.size() && !lines.get(i).isEmpty()) {
          i++;
        }
      }
      String result = env.execute(line.trim());
      out.append(result.isEmpty() ? "ok" : result).append("\n\n");
      while (i < lines.size() && lines.get(i).isEmpty()) {
        i++;
      }
    }
    return out.toString();
  }

  /** The commands, over a {@link TestNetwork} that prints what happens. */
  static final class Interaction {
    private TestNetwork network = new TestNetwork();
    private final List<String> output = new ArrayList<>();

    String execute(String command) {
      output.clear();
      String[] args = command.split("\\s+");
      switch (args[0]) {
        case "nodes" -> nodes(args);
        case "add-node" -> {
          long id = Long.parseLong(args[1]);
          RaftConfig template = network.peers.firstEntry().getValue().config;
          network.addEmpty(id, x -> copyConfig(template, x));
        }
        case "campaign" -> network.node(id(args)).campaign();
        case "propose" -> print(network.node(id(args)).propose(Bytes.ofUtf8(args[2])));
        case "propose-conf-change" ->
            print(network.node(id(args)).proposeConfChange(confChange(args)));
        case "transfer" -> network.node(id(args)).transferLeadership(Long.parseLong(args[2]));
        case "read-index" -> print(network.node(id(args)).readIndex(Bytes.ofUtf8(args[2])));
        case "tick" -> network.tick(id(args), Integer.parseInt(args[2]));
        case "tick-election" -> {
          RaftNode node = network.node(id(args));
          int election = network.peer(id(args)).config.electionTicks();
          boolean leader = node.softState().role() == SoftState.Role.LEADER;
          network.tick(id(args), leader ? election : 2 * election - 1);
        }
        case "tick-heartbeat" ->
            network.tick(id(args), network.peer(id(args)).config.heartbeatTicks());
        case "isolate" -> network.isolate(id(args));
        case "restart" -> network.restart(id(args));
        case "cut" -> network.cut(id(args), Long.parseLong(args[2]));
        case "heal" -> network.heal();
        case "process-ready" -> network.processAllReady();
        case "deliver-msgs" -> network.deliver();
        case "stabilize" -> network.stabilize();
        case "compact" -> {
          TestNetwork.Peer peer = network.peer(id(args));
          long applied = peer.node.status().applied();
          peer.storage.createSnapshot(applied, peer.confState, Bytes.ofUtf8("state@" + applied));
          peer.storage.compact(applied);
          output.add("snapshot at " + applied + ", log starts at " + peer.storage.firstIndex());
        }
        case "raft-state" -> {
          for (TestNetwork.Peer peer : network.peers.values()) {
            RaftNode node = peer.node;
            output.add(
                peer.id
                    + ": "
                    + node.softState().role()
                    + " term="
                    + node.hardState().term()
                    + " leader="
                    + node.softState().leader()
                    + " commit="
                    + node.hardState().commit());
          }
        }
        case "status" -> status(id(args));
        case "log" -> {
          TestNetwork.Peer peer = network.peer(id(args));
          output.add(
              "snapshot "
                  + peer.storage.snapshot().metadata().term()
                  + "/"
                  + peer.storage.snapshot().metadata().index());
          for (Entry entry : peer.storage.allEntries()) {
            output.add(Format.entry(entry));
          }
        }
        default -> throw new IllegalArgumentException("unknown command: " + command);
      }
      return String.join("\n", output);
    }

    private static long id(String[] args) {
      return Long.parseLong(args[1]);
    }

    private void print(ProposalResult result) {
      output.add(result.toString());
    }

    private static RaftConfig copyConfig(RaftConfig template, long id) {
      return new RaftConfig(
          id,
          template.electionTicks(),
          template.heartbeatTicks(),
          template.maxSizePerMsgBytes(),
          template.maxInflightMsgs(),
          template.maxInflightBytes(),
          template.maxUncommittedEntriesBytes(),
          template.checkQuorum(),
          template.preVote(),
          template.readOnlyOption(),
          template.disableProposalForwarding(),
          0);
    }

    private void nodes(String[] args) {
      int n = Integer.parseInt(args[1]);
      boolean preVote = false;
      boolean checkQuorum = false;
      long maxMessageBytes = 1 << 20;
      int inflight = 256;
      List<Long> learners = new ArrayList<>();
      for (int i = 2; i < args.length; i++) {
        String arg = args[i];
        if (arg.equals("prevote")) {
          preVote = true;
        } else if (arg.equals("checkquorum")) {
          checkQuorum = true;
        } else if (arg.startsWith("learners=")) {
          for (String id : arg.substring(9).split(",")) {
            learners.add(Long.parseLong(id));
          }
        } else if (arg.startsWith("max-msg-bytes=")) {
          maxMessageBytes = Long.parseLong(arg.substring(14));
        } else if (arg.startsWith("inflight=")) {
          inflight = Integer.parseInt(arg.substring(9));
        } else {
          throw new IllegalArgumentException("unknown option " + arg);
        }
      }
      List<Long> voters = new ArrayList<>();
      for (long id = 1; id <= n; id++) {
        voters.add(id);
      }
      boolean pv = preVote;
      boolean cq = checkQuorum;
      long size = maxMessageBytes;
      int window = inflight;
      network =
          TestNetwork.of(
              voters, learners, c -> c.withElectionSafety(cq, pv).withFlowControl(size, window, 0));
      network.printer = output::add;
    }

    private static ConfChange confChange(String[] args) {
      String kind = args[2];
      if (kind.equals("leave-joint")) {
        return ConfChange.leaveJoint();
      }
      if (kind.startsWith("joint-")) {
        ConfChange.Transition transition =
            kind.equals("joint-auto")
                ? ConfChange.Transition.JOINT_IMPLICIT
                : ConfChange.Transition.JOINT_EXPLICIT;
        List<ConfChange.Change> changes = new ArrayList<>();
        for (int i = 3; i + 1 < args.length; i += 2) {
          changes.add(new ConfChange.Change(changeType(args[i]), Long.parseLong(args[i + 1])));
        }
        return ConfChange.joint(transition, changes);
      }
      return ConfChange.single(changeType(kind), Long.parseLong(args[3]));
    }

    private static ConfChange.ChangeType changeType(String text) {
      return switch (text) {
        case "add-voter" -> ConfChange.ChangeType.ADD_VOTER;
        case "add-learner" -> ConfChange.ChangeType.ADD_LEARNER;
        case "remove" -> ConfChange.ChangeType.REMOVE;
        default -> throw new IllegalArgumentException("unknown change " + text);
      };
    }

    private void status(long id) {
      Status status = network.node(id).status();
      ConfState conf = status.confState();
      output.add(
          id
              + ": "
              + status.softState().role()
              + " term="
              + status.hardState().term()
              + " commit="
              + status.hardState().commit()
              + " applied="
              + status.applied()
              + " last="
              + status.lastIndex());
      output.add(
          "  voters="
              + conf.voters()
              + " outgoing="
              + conf.votersOutgoing()
              + " learners="
              + conf.learners()
              + " learnersNext="
              + conf.learnersNext()
              + " autoLeave="
              + conf.autoLeave());
      status
          .progress()
          .forEach(
              (member, p) ->
                  output.add(
                      "  "
                          + member
                          + ": "
                          + p.state()
                          + " match="
                          + p.match()
                          + " next="
                          + p.next()
                          + (p.learner() ? " learner" : "")
                          + (p.inflight() > 0 ? " inflight=" + p.inflight() : "")));
    }
  }
}
