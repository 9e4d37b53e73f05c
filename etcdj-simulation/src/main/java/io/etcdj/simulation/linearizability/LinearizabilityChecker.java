package io.etcdj.simulation.linearizability;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides whether a history of {@link KvOperation}s is linearizable with respect to {@link
 * KvModel}: whether the operations can be put in one order, consistent with real time (an operation
 * that returned before another was called comes first), in which every operation returns what it
 * was observed to return.
 *
 * <p>Design note. This is the Wing–Gong search with Lowe's memoization, as porcupine does it. Calls
 * and returns are sorted by time into a linked list. Walking it, the search tries to linearize each
 * call it meets: if the model accepts the operation's observed result from the current state, and
 * the pair (set of linearized operations, state) was not tried before, the operation's call and
 * return are cut out of the list and the walk restarts from the front. Meeting a return means that
 * operation should already be linearized: the search backtracks to the last choice and tries the
 * next call after it. The history is linearizable once the list is empty. An operation whose
 * outcome is unknown returns at infinity and accepts any result, so it can always go last — that is
 * exactly "maybe applied, maybe not". Calls sort before returns at equal times, which treats
 * touching operations as concurrent (the lenient reading, since clocks on one host do not order
 * events finer than their resolution).
 *
 * <p>Worst case exponential; bounded by {@code maxSteps}, after which the answer is {@link
 * Result.GaveUp}. Stateless; safe to use from any thread.
 */
public final class LinearizabilityChecker {

  /** The verdict. */
  public sealed interface Result {
    /** Linearizable; {@code order} is one witness order. */
    record Linearizable(List<KvOperation> order) implements Result {}

    /**
     * Not linearizable. {@code longestPrefix} is the longest order found that explains a prefix of
     * the history; {@code stuck} are the operations that could not come next after it.
     */
    record NotLinearizable(List<KvOperation> longestPrefix, List<KvOperation> stuck)
        implements Result {
      /** A human-readable account for a failing test. */
      public String explain() {
        StringBuilder out =
            new StringBuilder("history is not linearizable; longest explained prefix:\n");
        for (KvOperation op : longestPrefix) {
          out.append("  ").append(op).append('\n');
        }
        out.append("none of these can come next:\n");
        for (KvOperation op : stuck) {
          out.append("  ").append(op).append('\n');
        }
        return out.toString();
      }
    }

    /** The search hit its step bound. */
    record GaveUp(long steps) implements Result {}
  }

  private LinearizabilityChecker() {}

  private record Event(int operation, boolean isCall, long time) {}

  private record Memo(BitSet linearized, KvModel state) {}

  private record Choice(int callEvent, KvModel stateBefore) {}

  public static Result check(KvModel initial, List<KvOperation> history, long maxSteps) {
    int n = history.size();
    List<Event> events = new ArrayList<>(2 * n);
    for (int i = 0; i < n; i++) {
      KvOperation op = history.get(i);
      events.add(new Event(i, true, op.callTime()));
      events.add(new Event(i, false, op.response() == null ? Long.MAX_VALUE : op.returnTime()));
    }
    events.sort(
        Comparator.comparingLong(Event::time)
            .thenComparing(e -> e.isCall() ? 0 : 1)
            .thenComparingInt(Event::operation));
    int size = events.size();
    // Doubly linked list over event positions; index size is the head sentinel.
    int head = size;
    int[] next = new int[size + 1];
    int[] prev = new int[size + 1];
    int[] returnOf = new int[n];
    for (int i = 0; i < size; i++) {
      next[i] = i + 1 < size ? i + 1 : -1;
      prev[i] = i == 0 ? head : i - 1;
      if (!events.get(i).isCall()) {
        returnOf[events.get(i).operation()] = i;
      }
    }
    next[head] = size == 0 ? -1 : 0;

    Deque<Choice> stack = new ArrayDeque<>();
    Set<Memo> tried = new HashSet<>();
    BitSet linearized = new BitSet(n);
    KvModel state = initial;
    List<Integer> deepest = List.of();
    long steps = 0;
    int entry = next[head];
    while (next[head] != -1) {
      if (++steps > maxSteps) {
        return new Result.GaveUp(steps);
      }
      Event event = events.get(entry);
      int op = event.operation();
      if (event.isCall()) {
        KvOperation operation = history.get(op);
        KvModel after = state.step(operation.request(), operation.response());
        if (after != null) {
          BitSet with = (BitSet) linearized.clone();
          with.set(op);
          if (tried.add(new Memo(with, after))) {
            stack.push(new Choice(entry, state));
            state = after;
            linearized = with;
            lift(entry, returnOf[op], next, prev);
            if (stack.size() > deepest.size()) {
              deepest =
                  stack.stream()
                      .map(c -> events.get(c.callEvent()).operation())
                      .toList()
                      .reversed();
            }
            entry = next[head];
            continue;
          }
        }
        entry = next[entry];
      } else {
        if (stack.isEmpty()) {
          return notLinearizable(history, deepest, events);
        }
        Choice last = stack.pop();
        int lastOp = events.get(last.callEvent()).operation();
        state = last.stateBefore();
        linearized = (BitSet) linearized.clone();
        linearized.clear(lastOp);
        unlift(last.callEvent(), returnOf[lastOp], next, prev);
        entry = next[last.callEvent()];
      }
    }
    List<KvOperation> order = new ArrayList<>();
    stack
        .descendingIterator()
        .forEachRemaining(c -> order.add(history.get(events.get(c.callEvent()).operation())));
    return new Result.Linearizable(order);
  }

  private static void lift(int call, int ret, int[] next, int[] prev) {
    next[prev[call]] = next[call];
    if (next[call] != -1) {
      prev[next[call]] = prev[call];
    }
    next[prev[ret]] = next[ret];
    if (next[ret] != -1) {
      prev[next[ret]] = prev[ret];
    }
  }

  private static void unlift(int call, int ret, int[] next, int[] prev) {
    // Reverse order of lift: the return first, then the call.
    next[prev[ret]] = ret;
    if (next[ret] != -1) {
      prev[next[ret]] = ret;
    }
    next[prev[call]] = call;
    if (next[call] != -1) {
      prev[next[call]] = call;
    }
  }

  private static Result notLinearizable(
      List<KvOperation> history, List<Integer> deepest, List<Event> events) {
    List<KvOperation> prefix = deepest.stream().map(history::get).toList();
    // After the deepest prefix, the operations whose calls came before the first remaining
    // return are the candidates that all failed.
    Set<Integer> placed = new HashSet<>(deepest);
    List<KvOperation> stuck = new ArrayList<>();
    for (Event e : events) {
      if (placed.contains(e.operation())) {
        continue;
      }
      if (!e.isCall()) {
        break;
      }
      stuck.add(history.get(e.operation()));
    }
    return new Result.NotLinearizable(prefix, stuck);
  }
}
