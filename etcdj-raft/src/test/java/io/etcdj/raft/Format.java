package io.etcdj.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Compact, deterministic text for Ready batches, messages and entries (golden scripts). */
final class Format {
  private Format() {}

  static String entry(Entry entry) {
    String body =
        switch (entry.type()) {
          case NORMAL -> entry.data().isEmpty() ? "" : " " + entry.data().toUtf8();
          case CONF_CHANGE -> " " + confChange(ConfChange.decode(entry.data()));
        };
    return entry.term() + "/" + entry.index() + body;
  }

  static String confChange(ConfChange change) {
    if (change.leavesJoint()) {
      return "leave-joint";
    }
    String changes =
        change.changes().stream()
            .map(c -> c.type().name().toLowerCase(java.util.Locale.ROOT) + " " + c.nodeId())
            .collect(Collectors.joining(","));
    return change.entersJoint()
        ? "joint("
            + change.transition().name().toLowerCase(java.util.Locale.ROOT)
            + ":"
            + changes
            + ")"
        : changes;
  }

  static String entries(List<Entry> entries) {
    return entries.stream().map(Format::entry).collect(Collectors.joining(", ", "[", "]"));
  }

  static String message(Message message) {
    String head = message.from() + "->" + message.to() + " ";
    return head
        + switch (message) {
          case Message.AppendRequest a ->
              "App t"
                  + a.term()
                  + " prev="
                  + a.prevLogTerm()
                  + "/"
                  + a.prevLogIndex()
                  + " commit="
                  + a.commit()
                  + (a.entries().isEmpty() ? "" : " " + entries(a.entries()));
          case Message.AppendResponse a ->
              "AppResp t"
                  + a.term()
                  + (a.reject()
                      ? " reject index="
                          + a.index()
                          + " hint="
                          + a.hintTerm()
                          + "/"
                          + a.rejectHint()
                      : " index=" + a.index());
          case Message.VoteRequest v ->
              (v.preVote() ? "PreVote" : "Vote")
                  + " t"
                  + v.term()
                  + " last="
                  + v.lastLogTerm()
                  + "/"
                  + v.lastLogIndex()
                  + (v.transfer() ? " transfer" : "");
          case Message.VoteResponse v ->
              (v.preVote() ? "PreVoteResp" : "VoteResp")
                  + " t"
                  + v.term()
                  + (v.granted() ? " granted" : " rejected");
          case Message.Heartbeat h ->
              "Heartbeat t" + h.term() + " commit=" + h.commit() + context(h.context());
          case Message.HeartbeatResponse h -> "HeartbeatResp t" + h.term() + context(h.context());
          case Message.InstallSnapshot s ->
              "Snapshot t"
                  + s.term()
                  + " index="
                  + s.snapshot().metadata().index()
                  + " term="
                  + s.snapshot().metadata().term()
                  + " voters="
                  + s.snapshot().metadata().confState().voters();
          case Message.Propose p -> "Propose " + entries(p.entries());
          case Message.ReadIndex r -> "ReadIndex" + context(r.context());
          case Message.ReadIndexResponse r ->
              "ReadIndexResp t" + r.term() + " index=" + r.index() + context(r.context());
          case Message.TransferLeader t -> "TransferLeader to=" + t.transferee();
          case Message.TimeoutNow t -> "TimeoutNow t" + t.term();
        };
  }

  private static String context(Bytes context) {
    return context.isEmpty() ? "" : " ctx=" + context.toUtf8();
  }

  static String ready(long id, Ready ready) {
    List<String> parts = new ArrayList<>();
    SoftState soft = ready.softState();
    if (soft != null) {
      parts.add(soft.role() + " leader=" + soft.leader());
    }
    HardState hard = ready.hardState();
    if (hard != null) {
      parts.add(
          "HardState term=" + hard.term() + " vote=" + hard.vote() + " commit=" + hard.commit());
    }
    Snapshot snapshot = ready.snapshot();
    if (snapshot != null) {
      parts.add(
          "Snapshot index=" + snapshot.metadata().index() + " term=" + snapshot.metadata().term());
    }
    if (!ready.entries().isEmpty()) {
      parts.add("Entries " + entries(ready.entries()));
    }
    if (!ready.committedEntries().isEmpty()) {
      parts.add("Committed " + entries(ready.committedEntries()));
    }
    for (ReadState read : ready.readStates()) {
      parts.add("ReadState index=" + read.index() + context(read.context()));
    }
    StringBuilder out =
        new StringBuilder(
            id + ": " + (parts.isEmpty() ? "(messages only)" : String.join("; ", parts)));
    for (Message message : ready.messages()) {
      out.append("\n  ").append(message(message));
    }
    return out.toString();
  }
}
