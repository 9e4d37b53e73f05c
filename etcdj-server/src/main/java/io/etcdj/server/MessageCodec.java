package io.etcdj.server;

import io.etcdj.raft.Bytes;
import io.etcdj.raft.ConfState;
import io.etcdj.raft.Entry;
import io.etcdj.raft.EntryType;
import io.etcdj.raft.Message;
import io.etcdj.raft.Snapshot;
import io.etcdj.raft.SnapshotMetadata;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The peer wire form of raft messages: etcdj's own (peers are etcdj members only). A version byte,
 * a type byte, from/to/term, then the type's fields, big-endian; entries as term, index, type and
 * length-prefixed data. {@link #decode} rejects anything malformed with {@link
 * IllegalArgumentException}, so garbage on the peer port never reaches raft.
 */
final class MessageCodec {
  private static final byte VERSION = 1;

  private MessageCodec() {}

  static byte[] encode(Message m) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + estimate(m));
    DataOutputStream out = new DataOutputStream(bytes);
    try {
      out.writeByte(VERSION);
      out.writeByte(typeOf(m));
      out.writeLong(m.from());
      out.writeLong(m.to());
      out.writeLong(m.term());
      switch (m) {
        case Message.AppendRequest a -> {
          out.writeLong(a.prevLogIndex());
          out.writeLong(a.prevLogTerm());
          out.writeLong(a.commit());
          writeEntries(out, a.entries());
        }
        case Message.AppendResponse a -> {
          out.writeLong(a.index());
          out.writeBoolean(a.reject());
          out.writeLong(a.rejectHint());
          out.writeLong(a.hintTerm());
        }
        case Message.VoteRequest v -> {
          out.writeLong(v.lastLogIndex());
          out.writeLong(v.lastLogTerm());
          out.writeBoolean(v.preVote());
          out.writeBoolean(v.transfer());
        }
        case Message.VoteResponse v -> {
          out.writeBoolean(v.granted());
          out.writeBoolean(v.preVote());
        }
        case Message.Heartbeat h -> {
          out.writeLong(h.commit());
          writeBytes(out, h.context());
        }
        case Message.HeartbeatResponse h -> writeBytes(out, h.context());
        case Message.InstallSnapshot s -> writeSnapshot(out, s.snapshot());
        case Message.Propose p -> writeEntries(out, p.entries());
        case Message.ReadIndex r -> writeBytes(out, r.context());
        case Message.ReadIndexResponse r -> {
          out.writeLong(r.index());
          writeBytes(out, r.context());
        }
        case Message.TransferLeader t -> out.writeLong(t.transferee());
        case Message.TimeoutNow t -> {}
      }
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array does not fail
    }
    return bytes.toByteArray();
  }

  private static int estimate(Message m) {
    if (m instanceof Message.AppendRequest a) {
      int n = 0;
      for (Entry e : a.entries()) {
        n += 32 + e.data().size();
      }
      return n;
    }
    return 0;
  }

  private static int typeOf(Message m) {
    return switch (m) {
      case Message.AppendRequest a -> 1;
      case Message.AppendResponse a -> 2;
      case Message.VoteRequest v -> 3;
      case Message.VoteResponse v -> 4;
      case Message.Heartbeat h -> 5;
      case Message.HeartbeatResponse h -> 6;
      case Message.InstallSnapshot s -> 7;
      case Message.Propose p -> 8;
      case Message.ReadIndex r -> 9;
      case Message.ReadIndexResponse r -> 10;
      case Message.TransferLeader t -> 11;
      case Message.TimeoutNow t -> 12;
    };
  }

  private static void writeBytes(DataOutputStream out, Bytes b) throws IOException {
    out.writeInt(b.size());
    out.write(b.toByteArray());
  }

  private static void writeEntries(DataOutputStream out, List<Entry> entries) throws IOException {
    out.writeInt(entries.size());
    for (Entry e : entries) {
      out.writeLong(e.term());
      out.writeLong(e.index());
      out.writeByte(e.type() == EntryType.NORMAL ? 0 : 1);
      writeBytes(out, e.data());
    }
  }

  private static void writeIds(DataOutputStream out, List<Long> ids) throws IOException {
    out.writeInt(ids.size());
    for (long id : ids) {
      out.writeLong(id);
    }
  }

  private static void writeSnapshot(DataOutputStream out, Snapshot s) throws IOException {
    SnapshotMetadata md = s.metadata();
    out.writeLong(md.index());
    out.writeLong(md.term());
    ConfState cs = md.confState();
    writeIds(out, cs.voters());
    writeIds(out, cs.learners());
    writeIds(out, cs.votersOutgoing());
    writeIds(out, cs.learnersNext());
    out.writeBoolean(cs.autoLeave());
    writeBytes(out, s.data());
  }

  /** The message encoded in {@code data}; {@link IllegalArgumentException} if malformed. */
  /** Whether {@code data} encodes a proposal a follower forwards to the leader. */
  static boolean isProposal(byte[] data) {
    return data.length > 1 && data[1] == 8;
  }

  static Message decode(byte[] data) {
    ByteBuffer in = ByteBuffer.wrap(data);
    try {
      if (in.get() != VERSION) {
        throw new IllegalArgumentException("unknown peer message version");
      }
      int type = in.get();
      long from = in.getLong();
      long to = in.getLong();
      long term = in.getLong();
      Message m =
          switch (type) {
            case 1 -> {
              long prevIndex = in.getLong();
              long prevTerm = in.getLong();
              long commit = in.getLong();
              yield new Message.AppendRequest(
                  from, to, term, prevIndex, prevTerm, readEntries(in), commit);
            }
            case 2 ->
                new Message.AppendResponse(
                    from, to, term, in.getLong(), in.get() != 0, in.getLong(), in.getLong());
            case 3 ->
                new Message.VoteRequest(
                    from, to, term, in.getLong(), in.getLong(), in.get() != 0, in.get() != 0);
            case 4 -> new Message.VoteResponse(from, to, term, in.get() != 0, in.get() != 0);
            case 5 -> new Message.Heartbeat(from, to, term, in.getLong(), readBytes(in));
            case 6 -> new Message.HeartbeatResponse(from, to, term, readBytes(in));
            case 7 -> new Message.InstallSnapshot(from, to, term, readSnapshot(in));
            case 8 -> new Message.Propose(from, to, term, readEntries(in));
            case 9 -> new Message.ReadIndex(from, to, term, readBytes(in));
            case 10 -> new Message.ReadIndexResponse(from, to, term, in.getLong(), readBytes(in));
            case 11 -> new Message.TransferLeader(from, to, term, in.getLong());
            case 12 -> new Message.TimeoutNow(from, to, term);
            default -> throw new IllegalArgumentException("unknown peer message type " + type);
          };
      if (in.hasRemaining()) {
        throw new IllegalArgumentException("trailing bytes after a peer message");
      }
      return m;
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("truncated peer message", e);
    }
  }

  private static Bytes readBytes(ByteBuffer in) {
    int n = in.getInt();
    if (n < 0 || n > in.remaining()) {
      throw new IllegalArgumentException("bad length " + n);
    }
    byte[] b = new byte[n];
    in.get(b);
    return Bytes.copyOf(b);
  }

  private static List<Entry> readEntries(ByteBuffer in) {
    int n = in.getInt();
    if (n < 0 || n > in.remaining() / 21) {
      throw new IllegalArgumentException("bad entry count " + n);
    }
    List<Entry> entries = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      long term = in.getLong();
      long index = in.getLong();
      byte type = in.get();
      if (type != 0 && type != 1) {
        throw new IllegalArgumentException("bad entry type " + type);
      }
      entries.add(
          new Entry(
              term, index, type == 0 ? EntryType.NORMAL : EntryType.CONF_CHANGE, readBytes(in)));
    }
    return entries;
  }

  private static List<Long> readIds(ByteBuffer in) {
    int n = in.getInt();
    if (n < 0 || n > in.remaining() / 8) {
      throw new IllegalArgumentException("bad id count " + n);
    }
    List<Long> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ids.add(in.getLong());
    }
    return ids;
  }

  private static Snapshot readSnapshot(ByteBuffer in) {
    long index = in.getLong();
    long term = in.getLong();
    ConfState cs = new ConfState(readIds(in), readIds(in), readIds(in), readIds(in), in.get() != 0);
    return new Snapshot(new SnapshotMetadata(index, term, cs), readBytes(in));
  }
}
