package io.etcdj.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.etcdj.api.etcdserverpb.Member;
import io.etcdj.api.etcdserverpb.MemberChange;
import io.etcdj.api.etcdserverpb.MemberRecord;
import io.etcdj.backend.Bucket;
import io.etcdj.backend.ReadView;
import io.etcdj.backend.WriteTxn;
import io.etcdj.raft.Bytes;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The cluster's members as applied from the log (bucket {@code members}): IDs, names, peer and
 * client URLs. Thread-safe; written by the apply loop only.
 */
final class Members {
  private final TreeMap<Long, MemberRecord> members = new TreeMap<>(Long::compareUnsigned);
  private final java.util.Set<Long> removed = new java.util.HashSet<>();

  synchronized void restore(ReadView view) {
    members.clear();
    view.forEach(
        Bucket.MEMBERS,
        new byte[0],
        null,
        (k, v) -> {
          try {
            MemberRecord m = MemberRecord.parseFrom(v);
            members.put(m.getID(), m);
          } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("damaged member record", e);
          }
          return true;
        });
    removed.clear();
    view.forEach(
        Bucket.MEMBERS_REMOVED,
        new byte[0],
        null,
        (k, v) -> {
          removed.add(ByteBuffer.wrap(k).getLong());
          return true;
        });
  }

  /** The context of a membership conf change: the member record and the waiting request. */
  static Bytes context(long requestId, MemberRecord m) {
    return Bytes.copyOf(
        MemberChange.newBuilder().setRequestID(requestId).setMember(m).build().toByteArray());
  }

  /** Decodes {@link #context}; a conf change without context (raft's own) gives null. */
  static @org.jspecify.annotations.Nullable MemberChange parseContext(Bytes context) {
    if (context.isEmpty()) {
      return null;
    }
    try {
      return MemberChange.parseFrom(context.asReadOnlyBuffer());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("conf change context is not a member change", e);
    }
  }

  /** Adds a member, or (promotion) changes an existing one's learner flag. */
  synchronized void add(WriteTxn btx, MemberRecord m, boolean learner) {
    MemberRecord old = members.get(m.getID());
    put(btx, (old == null ? m : old).toBuilder().setIsLearner(learner).build());
  }

  /** A member's new peer URLs (an update); nothing if it is not a member. */
  synchronized void setPeerUrls(WriteTxn btx, long id, List<String> peerUrls) {
    MemberRecord m = members.get(id);
    if (m != null) {
      put(btx, m.toBuilder().clearPeerUrls().addAllPeerUrls(peerUrls).build());
    }
  }

  synchronized @org.jspecify.annotations.Nullable MemberRecord get(long id) {
    return members.get(id);
  }

  synchronized boolean isRemoved(long id) {
    return removed.contains(id);
  }

  synchronized void put(WriteTxn btx, MemberRecord m) {
    members.put(m.getID(), m);
    btx.put(Bucket.MEMBERS, key(m.getID()), m.toByteArray());
  }

  synchronized void remove(WriteTxn btx, long id) {
    members.remove(id);
    removed.add(id);
    btx.delete(Bucket.MEMBERS, key(id));
    btx.put(Bucket.MEMBERS_REMOVED, key(id), new byte[] {1});
  }

  synchronized void setAttributes(WriteTxn btx, long id, String name, List<String> clientUrls) {
    MemberRecord m = members.get(id);
    if (m != null) {
      put(btx, m.toBuilder().setName(name).clearClientUrls().addAllClientUrls(clientUrls).build());
    }
  }

  synchronized boolean contains(long id) {
    return members.containsKey(id);
  }

  synchronized boolean isPublished(long id) {
    MemberRecord m = members.get(id);
    return m != null && !m.getName().isEmpty();
  }

  synchronized List<MemberRecord> all() {
    return new ArrayList<>(members.values());
  }

  /** Members as the Cluster API lists them, sorted by ID. */
  synchronized List<Member> wire() {
    List<Member> out = new ArrayList<>();
    for (MemberRecord m : members.values()) {
      out.add(
          Member.newBuilder()
              .setID(m.getID())
              .setName(m.getName())
              .addAllPeerURLs(m.getPeerUrlsList())
              .addAllClientURLs(m.getClientUrlsList())
              .setIsLearner(m.getIsLearner())
              .build());
    }
    return out;
  }

  private static byte[] key(long id) {
    return ByteBuffer.allocate(8).putLong(id).array();
  }
}
