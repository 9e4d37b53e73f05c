package io.etcdj.raft;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A membership change, proposed with {@link RaftNode#proposeConfChange} and carried in an entry of
 * type {@link EntryType#CONF_CHANGE}. It takes effect on every node when the entry is applied
 * ({@link RaftNode#applyConfChange}), not when it is appended.
 *
 * <ul>
 *   <li>No changes: leave the current joint configuration.
 *   <li>One change with {@link Transition#AUTO}: a single-step change (Raft dissertation §4.1).
 *   <li>Otherwise: enter a joint configuration (Raft §6, joint consensus); with {@code AUTO} or
 *       {@code JOINT_IMPLICIT} the leader proposes the leave by itself once the entry is applied,
 *       with {@code JOINT_EXPLICIT} the application proposes it.
 * </ul>
 *
 * @param transition how a joint configuration is left
 * @param changes the changes, applied in order
 * @param context opaque application data (etcd: the member's JSON)
 */
public record ConfChange(Transition transition, List<Change> changes, Bytes context) {
  /** How the joint configuration a change enters is left. */
  public enum Transition {
    AUTO,
    JOINT_IMPLICIT,
    JOINT_EXPLICIT
  }

  /** What one change does to one node. */
  public enum ChangeType {
    /** Make the node a voter (promotes a learner). */
    ADD_VOTER,
    /** Make the node a learner (demotes a voter via the joint configuration's learnersNext). */
    ADD_LEARNER,
    /** Remove the node. */
    REMOVE
  }

  /** One change to one node. */
  public record Change(ChangeType type, long nodeId) {
    public Change {
      Objects.requireNonNull(type, "type");
      if (nodeId == 0) { // IDs are unsigned 64-bit (etcd's), so "negative" longs are valid IDs
        throw new IllegalArgumentException("node id must not be 0");
      }
    }
  }

  private static final byte FORMAT_VERSION = 1;

  public ConfChange {
    Objects.requireNonNull(transition, "transition");
    changes = List.copyOf(changes);
    Objects.requireNonNull(context, "context");
  }

  public static ConfChange addVoter(long nodeId) {
    return single(ChangeType.ADD_VOTER, nodeId);
  }

  public static ConfChange addLearner(long nodeId) {
    return single(ChangeType.ADD_LEARNER, nodeId);
  }

  public static ConfChange remove(long nodeId) {
    return single(ChangeType.REMOVE, nodeId);
  }

  public static ConfChange single(ChangeType type, long nodeId) {
    return new ConfChange(Transition.AUTO, List.of(new Change(type, nodeId)), Bytes.EMPTY);
  }

  /** Several changes at once through a joint configuration. */
  public static ConfChange joint(Transition transition, List<Change> changes) {
    return new ConfChange(transition, changes, Bytes.EMPTY);
  }

  /** The change that leaves a joint configuration. */
  public static ConfChange leaveJoint() {
    return new ConfChange(Transition.AUTO, List.of(), Bytes.EMPTY);
  }

  /** True for the empty change that leaves a joint configuration. */
  public boolean leavesJoint() {
    return changes.isEmpty();
  }

  /** True if applying this change enters a joint configuration. */
  public boolean entersJoint() {
    return changes.size() > 1 || (!changes.isEmpty() && transition != Transition.AUTO);
  }

  /** True if the joint configuration this change enters is left by the leader by itself. */
  public boolean autoLeave() {
    return transition != Transition.JOINT_EXPLICIT;
  }

  /**
   * The binary form carried in {@link Entry#data()}: version byte 1, a transition code byte (auto
   * 0, joint-implicit 1, joint-explicit 2), a 4-byte change count, per change a type code byte
   * (add-voter 0, add-learner 1, remove 2) and an 8-byte node ID, a 4-byte context length and the
   * context; all big-endian.
   */
  public Bytes encode() {
    ByteBuffer buffer = ByteBuffer.allocate(1 + 1 + 4 + changes.size() * 9 + 4 + context.size());
    buffer.put(FORMAT_VERSION).put(code(transition)).putInt(changes.size());
    for (Change change : changes) {
      buffer.put(code(change.type())).putLong(change.nodeId());
    }
    buffer.putInt(context.size());
    context.writeTo(buffer);
    return Bytes.copyOf(buffer.array());
  }

  /**
   * Decodes {@link #encode()}'s form.
   *
   * @throws IllegalArgumentException if {@code data} is not a conf change of a known version
   */
  public static ConfChange decode(Bytes data) {
    ByteBuffer buffer = data.asReadOnlyBuffer();
    try {
      byte version = buffer.get();
      if (version != FORMAT_VERSION) {
        throw new IllegalArgumentException("unknown conf change version " + version);
      }
      Transition transition = transitionOf(buffer.get());
      int count = buffer.getInt();
      if (count < 0 || count > buffer.remaining() / 9) {
        throw new IllegalArgumentException("bad change count " + count);
      }
      List<Change> changes = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        changes.add(new Change(changeTypeOf(buffer.get()), buffer.getLong()));
      }
      int contextLength = buffer.getInt();
      if (contextLength != buffer.remaining()) {
        throw new IllegalArgumentException("bad context length " + contextLength);
      }
      byte[] context = new byte[contextLength];
      buffer.get(context);
      return new ConfChange(transition, changes, Bytes.copyOf(context));
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("truncated conf change", e);
    }
  }

  // Wire codes are fixed here, independent of declaration order.

  private static byte code(Transition transition) {
    return switch (transition) {
      case AUTO -> 0;
      case JOINT_IMPLICIT -> 1;
      case JOINT_EXPLICIT -> 2;
    };
  }

  private static Transition transitionOf(byte code) {
    return switch (code) {
      case 0 -> Transition.AUTO;
      case 1 -> Transition.JOINT_IMPLICIT;
      case 2 -> Transition.JOINT_EXPLICIT;
      default -> throw new IllegalArgumentException("bad transition code " + code);
    };
  }

  private static byte code(ChangeType type) {
    return switch (type) {
      case ADD_VOTER -> 0;
      case ADD_LEARNER -> 1;
      case REMOVE -> 2;
    };
  }

  private static ChangeType changeTypeOf(byte code) {
    return switch (code) {
      case 0 -> ChangeType.ADD_VOTER;
      case 1 -> ChangeType.ADD_LEARNER;
      case 2 -> ChangeType.REMOVE;
      default -> throw new IllegalArgumentException("bad change type code " + code);
    };
  }
}
