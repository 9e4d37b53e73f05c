package io.etcdj.raft;

import java.util.Collections;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A membership configuration: incoming voters, outgoing voters (non-empty only while joint),
 * learners, and learnersNext (outgoing voters that become learners when the joint configuration is
 * left). Immutable; sets iterate in ascending ID order.
 *
 * <p>Invariants: learners share no ID with either voter set; learnersNext is a subset of the
 * outgoing voters; a joint configuration has a non-empty incoming set.
 */
record Membership(
    SortedSet<Long> incoming,
    SortedSet<Long> outgoing,
    SortedSet<Long> learners,
    SortedSet<Long> learnersNext,
    boolean autoLeave) {

  Membership {
    incoming = frozen(incoming);
    outgoing = frozen(outgoing);
    learners = frozen(learners);
    learnersNext = frozen(learnersNext);
  }

  private static SortedSet<Long> frozen(java.util.Collection<Long> ids) {
    return Collections.unmodifiableSortedSet(new TreeSet<>(ids));
  }

  static Membership of(ConfState state) {
    return new Membership(
        new TreeSet<>(state.voters()),
        new TreeSet<>(state.votersOutgoing()),
        new TreeSet<>(state.learners()),
        new TreeSet<>(state.learnersNext()),
        state.autoLeave());
  }

  ConfState toConfState() {
    return new ConfState(
        List.copyOf(incoming),
        List.copyOf(learners),
        List.copyOf(outgoing),
        List.copyOf(learnersNext),
        autoLeave);
  }

  boolean isJoint() {
    return !outgoing.isEmpty();
  }

  boolean isVoter(long id) {
    return incoming.contains(id) || outgoing.contains(id);
  }

  boolean isLearner(long id) {
    return learners.contains(id) || learnersNext.contains(id);
  }

  /** Every voter and learner, ascending. */
  SortedSet<Long> allMembers() {
    TreeSet<Long> all = new TreeSet<>(incoming);
    all.addAll(outgoing);
    all.addAll(learners);
    all.addAll(learnersNext);
    return all;
  }

  /** Voters of both halves, ascending. */
  SortedSet<Long> allVoters() {
    TreeSet<Long> all = new TreeSet<>(incoming);
    all.addAll(outgoing);
    return all;
  }

  /**
   * The configuration after {@code change}.
   *
   * @throws IllegalArgumentException if the change is not allowed from this configuration: leaving
   *     when not joint, entering or changing while joint, a single step that changes more than one
   *     voter, or a result without voters
   */
  Membership apply(ConfChange change) {
    if (change.leavesJoint()) {
      if (!isJoint()) {
        throw new IllegalArgumentException("not in a joint configuration");
      }
      TreeSet<Long> newLearners = new TreeSet<>(learners);
      newLearners.addAll(learnersNext);
      return new Membership(incoming, new TreeSet<>(), newLearners, new TreeSet<>(), false);
    }
    if (isJoint()) {
      throw new IllegalArgumentException("already in a joint configuration");
    }
    TreeSet<Long> newIncoming = new TreeSet<>(incoming);
    TreeSet<Long> newOutgoing = new TreeSet<>();
    TreeSet<Long> newLearners = new TreeSet<>(learners);
    TreeSet<Long> newLearnersNext = new TreeSet<>();
    boolean joint = change.entersJoint();
    if (joint) {
      if (incoming.isEmpty()) {
        throw new IllegalArgumentException("cannot make a configuration without voters joint");
      }
      newOutgoing.addAll(incoming);
    }
    for (ConfChange.Change single : change.changes()) {
      long id = single.nodeId();
      switch (single.type()) {
        case ADD_VOTER -> {
          newLearners.remove(id);
          newLearnersNext.remove(id);
          newIncoming.add(id);
        }
        case ADD_LEARNER -> {
          newIncoming.remove(id);
          if (newOutgoing.contains(id)) {
            newLearnersNext.add(id);
          } else {
            newLearners.add(id);
          }
        }
        case REMOVE -> {
          newIncoming.remove(id);
          newLearners.remove(id);
          newLearnersNext.remove(id);
        }
      }
    }
    if (newIncoming.isEmpty()) {
      throw new IllegalArgumentException("removed all voters");
    }
    if (!joint) {
      TreeSet<Long> difference = new TreeSet<>(incoming);
      difference.addAll(newIncoming);
      TreeSet<Long> common = new TreeSet<>(incoming);
      common.retainAll(newIncoming);
      if (difference.size() - common.size() > 1) {
        throw new IllegalArgumentException("a single step may change at most one voter");
      }
    }
    return new Membership(
        newIncoming, newOutgoing, newLearners, newLearnersNext, joint && change.autoLeave());
  }
}
