package io.etcdj.mvcc;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdj.backend.Backend;
import io.etcdj.backend.BatchPolicy;
import io.etcdj.backend.BatchedBackend;
import io.etcdj.backend.ByteSequence;
import io.etcdj.backend.InMemoryStore;
import io.etcdj.backend.WriteTxn;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The watch rules one by one; {@link WatchableStorePropertyTest} checks them at random. */
class WatchableStoreTest {
  private final Backend backend = new BatchedBackend(new InMemoryStore(), BatchPolicy.DEFAULT);
  private final KvStore kv = KvStore.open(backend);
  private final WatchableStore watchable = new WatchableStore(kv);
  private final List<WatchResponse> got = new ArrayList<>();

  static ByteSequence b(String s) {
    return ByteSequence.ofUtf8(s);
  }

  private void put(String key, String value) {
    WriteTxn btx = backend.beginWrite();
    KvWriteTxn w = kv.beginWrite(btx);
    w.put(b(key), b(value), 0);
    w.end();
    btx.end();
    kv.publish();
  }

  @Test
  void anEmptyRangeIsRefusedWithEtcdsError() {
    Outcome<WatchableStore.Watcher> o =
        watchable.watch(new WatchRequest(b("b"), b("a"), 0, false, false, false), got::add);
    assertThat(o).isEqualTo(Outcome.failed(MvccError.WATCHER_RANGE_EMPTY));
    assertThat(MvccError.WATCHER_RANGE_EMPTY.etcdText()).isEqualTo("mvcc: watcher range is empty");
  }

  @Test
  void aWatcherFromNowGetsEachLaterRevisionInItsOwnResponse() {
    watchable.watch(WatchRequest.key(b("k"), 0), got::add).orThrow();
    put("k", "1");
    put("other", "x");
    put("k", "2");
    assertThat(got).hasSize(2);
    assertThat(got.get(0).events().get(0).kv().value()).isEqualTo(b("1"));
    assertThat(got.get(1).revision()).isEqualTo(4);
    assertThat(watchable.counts()).isEqualTo(new WatchableStore.Counts(1, 0, 0));
  }

  @Test
  void aWatcherFromThePastCatchesUpFromHistoryThenFollows() {
    put("k", "1"); // 2
    put("k", "2"); // 3
    watchable.watch(WatchRequest.key(b("k"), 2), got::add).orThrow();
    assertThat(watchable.counts().unsynced()).isEqualTo(1);
    assertThat(watchable.syncUnsynced()).isZero();
    put("k", "3"); // 4
    assertThat(got)
        .flatExtracting(WatchResponse::events)
        .extracting(Event::revision)
        .containsExactly(2L, 3L, 4L);
  }

  @Test
  void aWatcherBelowTheCompactRevisionGetsItAndIsRemoved() {
    put("k", "1");
    put("k", "2");
    put("k", "3");
    WriteTxn btx = backend.beginWrite();
    kv.compact(btx, 3).orThrow();
    btx.end();
    watchable.watch(WatchRequest.key(b("k"), 2), got::add).orThrow();
    watchable.syncUnsynced();
    assertThat(got).containsExactly(new WatchResponse(0, List.of(), 0, 3));
    assertThat(watchable.counts()).isEqualTo(new WatchableStore.Counts(0, 0, 0));
  }

  @Test
  void aFullSinkMakesAVictimThatIsRetriedWithoutBlockingTheWriter() {
    boolean[] full = {true};
    WatchableStore.Watcher w =
        watchable.watch(WatchRequest.key(b("k"), 0), r -> !full[0] && got.add(r)).orThrow();
    put("k", "1");
    put("k", "2");
    assertThat(watchable.counts().victims()).isEqualTo(1);
    full[0] = false;
    assertThat(watchable.retryVictims()).isZero();
    assertThat(watchable.syncUnsynced()).isZero();
    assertThat(got)
        .flatExtracting(WatchResponse::events)
        .extracting(Event::revision)
        .containsExactly(2L, 3L);
    assertThat(watchable.requestProgress(w)).isTrue();
    assertThat(got.get(got.size() - 1).isProgress()).isTrue();
    assertThat(got.get(got.size() - 1).revision()).isEqualTo(3);
  }

  @Test
  void filtersDropEventsAndPrevKvIsTheVersionBefore() {
    watchable.watch(new WatchRequest(b("k"), null, 0, true, false, true), got::add).orThrow();
    put("k", "1");
    put("k", "2");
    WriteTxn btx = backend.beginWrite();
    KvWriteTxn d = kv.beginWrite(btx);
    d.deleteRange(b("k"), null);
    d.end();
    btx.end();
    kv.publish();
    assertThat(got).hasSize(2);
    assertThat(got.get(0).events().get(0).prevKv()).isNull(); // a create has none
    KeyValue prev = got.get(1).events().get(0).prevKv();
    assertThat(prev).isNotNull();
    assertThat(java.util.Objects.requireNonNull(prev).value()).isEqualTo(b("1"));
  }
}
