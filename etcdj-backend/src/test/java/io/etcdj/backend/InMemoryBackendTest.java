package io.etcdj.backend;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The backend contract over {@link InMemoryStore}, plus its crash semantics. */
class InMemoryBackendTest extends BackendContractTest {
  private InMemoryStore last = new InMemoryStore();

  @Override
  protected Backend openFresh(BatchPolicy policy) {
    last = new InMemoryStore();
    return new BatchedBackend(last, policy);
  }

  @Override
  protected Backend reopen(BatchPolicy policy) {
    return new BatchedBackend(last, policy);
  }

  @Test
  void aCrashLosesThePendingBatchButNotTheCommittedOnes() {
    Backend backend = open();
    try (WriteTxn w = backend.beginWrite()) {
      w.put(Bucket.KEY, b("committed"), b("1"));
    }
    backend.forceCommit();
    try (WriteTxn w = backend.beginWrite()) {
      w.put(Bucket.KEY, b("pending"), b("1"));
    }
    // No close: the process "dies" with the batch pending.
    Backend after = reopen(BatchPolicy.DEFAULT);
    try (ReadTxn r = after.readTxn()) {
      assertThat(keys(r, Bucket.KEY)).containsExactly("committed=1");
    }
  }
}
