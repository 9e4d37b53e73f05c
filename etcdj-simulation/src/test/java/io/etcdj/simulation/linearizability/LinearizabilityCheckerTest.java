package io.etcdj.simulation.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdj.simulation.linearizability.KvOperation.CompareAndSet;
import io.etcdj.simulation.linearizability.KvOperation.CompareAndSetResponse;
import io.etcdj.simulation.linearizability.KvOperation.Delete;
import io.etcdj.simulation.linearizability.KvOperation.DeleteResponse;
import io.etcdj.simulation.linearizability.KvOperation.Get;
import io.etcdj.simulation.linearizability.KvOperation.GetResponse;
import io.etcdj.simulation.linearizability.KvOperation.Put;
import io.etcdj.simulation.linearizability.KvOperation.PutResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LinearizabilityCheckerTest {
  private static final long STEPS = 10_000_000;

  static KvOperation op(
      int client, KvOperation.Request request, long call, long ret, KvOperation.Response response) {
    return new KvOperation(client, request, call, ret, response);
  }

  static KvOperation unknown(int client, KvOperation.Request request, long call) {
    return new KvOperation(client, request, call, call, null);
  }

  static LinearizabilityChecker.Result check(List<KvOperation> history) {
    return LinearizabilityChecker.check(KvModel.INITIAL, history, STEPS);
  }

  @Test
  void aSequentialHistoryWithEtcdsRevisionsIsLinearizable() {
    List<KvOperation> history =
        List.of(
            op(0, new Put("a", "1"), 0, 1, new PutResponse(2)),
            op(0, new Get("a"), 2, 3, new GetResponse(2, "1", 2)),
            op(0, new CompareAndSet("a", 2, "2"), 4, 5, new CompareAndSetResponse(3, true)),
            op(0, new CompareAndSet("a", 2, "3"), 6, 7, new CompareAndSetResponse(3, false)),
            op(0, new Delete("a"), 8, 9, new DeleteResponse(4, 1)),
            op(0, new Delete("a"), 10, 11, new DeleteResponse(4, 0)),
            op(0, new Get("a"), 12, 13, new GetResponse(4, null, 0)));
    assertThat(check(history)).isInstanceOf(LinearizabilityChecker.Result.Linearizable.class);
  }

  @Test
  void concurrentOperationsMayTakeEffectInEitherOrder() {
    // Both puts overlap; the reads after them show b's put applied last.
    List<KvOperation> history =
        List.of(
            op(0, new Put("k", "a"), 0, 10, new PutResponse(3)),
            op(1, new Put("k", "b"), 1, 9, new PutResponse(2)),
            op(2, new Get("k"), 11, 12, new GetResponse(3, "a", 3)));
    assertThat(check(history)).isInstanceOf(LinearizabilityChecker.Result.Linearizable.class);
  }

  @Test
  void aStaleReadAfterACompletedWriteIsNotLinearizable() {
    List<KvOperation> history =
        List.of(
            op(0, new Put("k", "new"), 0, 1, new PutResponse(2)),
            op(1, new Get("k"), 2, 3, new GetResponse(1, null, 0)));
    LinearizabilityChecker.Result result = check(history);
    assertThat(result).isInstanceOf(LinearizabilityChecker.Result.NotLinearizable.class);
    assertThat(((LinearizabilityChecker.Result.NotLinearizable) result).explain())
        .contains("Get[key=k]");
  }

  @Test
  void aRevisionThatSkipsIsNotLinearizable() {
    List<KvOperation> history = List.of(op(0, new Put("k", "v"), 0, 1, new PutResponse(3)));
    assertThat(check(history)).isInstanceOf(LinearizabilityChecker.Result.NotLinearizable.class);
  }

  @Test
  void aTimedOutWriteMayOrMayNotHaveBeenApplied() {
    KvOperation lost = unknown(0, new Put("k", "maybe"), 0);
    List<KvOperation> applied =
        List.of(lost, op(1, new Get("k"), 5, 6, new GetResponse(2, "maybe", 2)));
    List<KvOperation> notApplied =
        List.of(lost, op(1, new Get("k"), 5, 6, new GetResponse(1, null, 0)));
    assertThat(check(applied)).isInstanceOf(LinearizabilityChecker.Result.Linearizable.class);
    assertThat(check(notApplied)).isInstanceOf(LinearizabilityChecker.Result.Linearizable.class);
  }

  @Test
  void aTimedOutWriteCannotTakeEffectBeforeItWasSent() {
    List<KvOperation> history =
        List.of(
            op(1, new Get("k"), 0, 1, new GetResponse(2, "early", 2)),
            unknown(0, new Put("k", "early"), 5));
    assertThat(check(history)).isInstanceOf(LinearizabilityChecker.Result.NotLinearizable.class);
  }

  /**
   * Random concurrent histories generated from a real sequential execution are linearizable;
   * changing one read's observed value makes them not. Differential against the construction.
   */
  @Test
  void historiesFromAnActualExecutionPassAndCorruptedOnesFail() {
    SplittableRandom random = new SplittableRandom(20261201);
    int corruptedCaught = 0;
    for (int round = 0; round < 200; round++) {
      List<KvOperation> history = new ArrayList<>();
      KvModel state = KvModel.INITIAL;
      long time = 0;
      for (int i = 0; i < 30; i++) {
        String key = "k" + random.nextInt(3);
        KvOperation.Request request =
            switch (random.nextInt(4)) {
              case 0 -> new Put(key, "v" + i);
              case 1 -> new Get(key);
              case 2 -> new Delete(key);
              default ->
                  new CompareAndSet(key, state.modRevisions().getOrDefault(key, 0L), "c" + i);
            };
        KvOperation.Response response = respond(state, request);
        state = java.util.Objects.requireNonNull(state.step(request, response));
        // The operation took effect at time t; its call and return straddle t randomly.
        long t = time += 10;
        history.add(
            op(
                random.nextInt(4),
                request,
                t - random.nextInt(15),
                t + random.nextInt(15),
                response));
      }
      assertThat(check(history))
          .as("round %d", round)
          .isInstanceOf(LinearizabilityChecker.Result.Linearizable.class);
      // Corrupt the last read whose answer was a present value: claim an older revision.
      for (int i = history.size() - 1; i >= 0; i--) {
        KvOperation o = history.get(i);
        if (o.response() instanceof GetResponse g && g.value() != null && g.revision() > 2) {
          history.set(
              i,
              new KvOperation(
                  o.client(),
                  o.request(),
                  o.callTime(),
                  o.returnTime(),
                  new GetResponse(g.revision(), g.value() + "-corrupt", g.modRevision())));
          assertThat(check(history))
              .isInstanceOf(LinearizabilityChecker.Result.NotLinearizable.class);
          corruptedCaught++;
          break;
        }
      }
    }
    assertThat(corruptedCaught).isGreaterThan(100);
  }

  static KvOperation.Response respond(KvModel state, KvOperation.Request request) {
    return switch (request) {
      case Put p -> new PutResponse(state.revision() + 1);
      case Get g ->
          new GetResponse(
              state.revision(),
              state.values().get(g.key()),
              state.modRevisions().getOrDefault(g.key(), 0L));
      case Delete d ->
          state.values().containsKey(d.key())
              ? new DeleteResponse(state.revision() + 1, 1)
              : new DeleteResponse(state.revision(), 0);
      case CompareAndSet c ->
          state.modRevisions().getOrDefault(c.key(), 0L) == c.expectedModRevision()
              ? new CompareAndSetResponse(state.revision() + 1, true)
              : new CompareAndSetResponse(state.revision(), false);
    };
  }
}
