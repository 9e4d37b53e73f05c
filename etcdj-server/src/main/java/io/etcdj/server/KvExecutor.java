package io.etcdj.server;

import io.etcdj.api.etcdserverpb.Compare;
import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.DeleteRangeResponse;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.PutResponse;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.RequestOp;
import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.api.etcdserverpb.ResponseOp;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.api.etcdserverpb.TxnResponse;
import io.etcdj.backend.ByteSequence;
import io.etcdj.mvcc.KeyValue;
import io.etcdj.mvcc.KvWriteTxn;
import io.etcdj.mvcc.Outcome;
import io.etcdj.mvcc.RangeOptions;
import io.etcdj.mvcc.RangeResult;
import io.etcdj.server.lease.Lessor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Executes KV requests against an mvcc view, as etcd's applier does: Range with sorting, filters
 * and limits; Put and DeleteRange with their lease bookkeeping; Txn with compares and nested
 * transactions. Headers are left for the caller, except the revision, which only the executor
 * knows.
 */
final class KvExecutor {
  /** What Range reads from: a read transaction or the apply loop's write transaction. */
  @FunctionalInterface
  interface RangeView {
    Outcome<RangeResult> range(ByteSequence key, @Nullable ByteSequence end, RangeOptions options);
  }

  private final Lessor lessor;

  KvExecutor(Lessor lessor) {
    this.lessor = lessor;
  }

  // ------------------------------------------------------------------ range

  static RangeResponse range(RangeView view, RangeRequest r) {
    long limit = r.getLimit();
    boolean fetchAll =
        r.getSortOrder() != RangeRequest.SortOrder.NONE
            || r.getMinModRevision() != 0
            || r.getMaxModRevision() != 0
            || r.getMinCreateRevision() != 0
            || r.getMaxCreateRevision() != 0;
    long fetch = fetchAll || limit <= 0 || limit == Long.MAX_VALUE ? 0 : limit + 1;
    RangeOptions options = new RangeOptions(fetch, r.getRevision(), r.getCountOnly(), false);
    Outcome<RangeResult> outcome =
        view.range(Convert.bytes(r.getKey()), Convert.end(r.getRangeEnd()), options);
    RangeResult result = unwrap(outcome);
    List<KeyValue> kvs = new ArrayList<>(result.kvs());
    if (fetchAll) {
      kvs.removeIf(kv -> !passes(r, kv));
    }
    RangeRequest.SortOrder order = r.getSortOrder();
    if (r.getSortTarget() != RangeRequest.SortTarget.KEY && order == RangeRequest.SortOrder.NONE) {
      order = RangeRequest.SortOrder.ASCEND;
    }
    if (order != RangeRequest.SortOrder.NONE) {
      Comparator<KeyValue> c = comparator(r.getSortTarget());
      kvs.sort(order == RangeRequest.SortOrder.DESCEND ? c.reversed() : c);
    }
    boolean more = false;
    if (limit > 0 && kvs.size() > limit) {
      kvs = kvs.subList(0, (int) limit);
      more = true;
    }
    RangeResponse.Builder b =
        RangeResponse.newBuilder()
            .setHeader(ResponseHeader.newBuilder().setRevision(result.revision()))
            .setCount(result.count())
            .setMore(more);
    for (KeyValue kv : kvs) {
      b.addKvs(Convert.kv(r.getKeysOnly() ? kv.withoutValue() : kv));
    }
    return b.build();
  }

  private static boolean passes(RangeRequest r, KeyValue kv) {
    return (r.getMinModRevision() == 0 || kv.modRevision() >= r.getMinModRevision())
        && (r.getMaxModRevision() == 0 || kv.modRevision() <= r.getMaxModRevision())
        && (r.getMinCreateRevision() == 0 || kv.createRevision() >= r.getMinCreateRevision())
        && (r.getMaxCreateRevision() == 0 || kv.createRevision() <= r.getMaxCreateRevision());
  }

  private static Comparator<KeyValue> comparator(RangeRequest.SortTarget target) {
    return switch (target) {
      case VERSION -> Comparator.comparingLong(KeyValue::version);
      case CREATE -> Comparator.comparingLong(KeyValue::createRevision);
      case MOD -> Comparator.comparingLong(KeyValue::modRevision);
      case VALUE -> Comparator.comparing(KeyValue::value);
      case KEY, UNRECOGNIZED -> Comparator.comparing(KeyValue::key);
    };
  }

  private static <T> T unwrap(Outcome<T> outcome) {
    return switch (outcome) {
      case Outcome.Ok<T> ok -> ok.value();
      case Outcome.Failed<T> failed -> throw Convert.error(failed.error());
    };
  }

  // ------------------------------------------------------------------ writes

  /** Checks what only the applied state can tell (lease exists, key exists for ignore_*). */
  /**
   * etcd's checks of a put: a plain put looks up its lease first, a put in a txn its key first
   * (etcd's {@code checkRequestPut}), so the two report different errors when both are wrong.
   */
  void checkPut(RangeView view, PutRequest p, boolean inTxn) {
    if (!inTxn) {
      checkLease(p);
    }
    if (p.getIgnoreValue() || p.getIgnoreLease()) {
      if (current(view, Convert.bytes(p.getKey())) == null) {
        throw EtcdError.KEY_NOT_FOUND.exception();
      }
    }
    if (inTxn) {
      checkLease(p);
    }
  }

  private void checkLease(PutRequest p) {
    if (p.getLease() != 0 && !lessor.exists(p.getLease())) {
      throw EtcdError.LEASE_NOT_FOUND.exception();
    }
  }

  PutResponse put(KvWriteTxn w, PutRequest p) {
    checkPut(w::range, p, false);
    ByteSequence key = Convert.bytes(p.getKey());
    KeyValue prev = current(w::range, key);
    ByteSequence value = Convert.bytes(p.getValue());
    long lease = p.getLease();
    if (prev != null) {
      if (p.getIgnoreValue()) {
        value = prev.value();
      }
      if (p.getIgnoreLease()) {
        lease = prev.lease();
      }
    }
    w.put(key, value, lease);
    if (prev != null && prev.lease() != 0 && prev.lease() != lease) {
      lessor.detach(prev.lease(), key);
    }
    if (lease != 0) {
      lessor.attach(lease, key);
    }
    PutResponse.Builder b =
        PutResponse.newBuilder()
            .setHeader(ResponseHeader.newBuilder().setRevision(w.writeRevision()));
    if (p.getPrevKv() && prev != null) {
      b.setPrevKv(Convert.kv(prev));
    }
    return b.build();
  }

  DeleteRangeResponse deleteRange(KvWriteTxn w, DeleteRangeRequest d) {
    List<KeyValue> deleted = deleteKeys(w, Convert.bytes(d.getKey()), Convert.end(d.getRangeEnd()));
    DeleteRangeResponse.Builder b =
        DeleteRangeResponse.newBuilder()
            .setHeader(ResponseHeader.newBuilder().setRevision(readRevision(w)))
            .setDeleted(deleted.size());
    if (d.getPrevKv()) {
      for (KeyValue kv : deleted) {
        b.addPrevKvs(Convert.kv(kv));
      }
    }
    return b.build();
  }

  /** Deletes keys and detaches them from their leases. */
  List<KeyValue> deleteKeys(KvWriteTxn w, ByteSequence key, @Nullable ByteSequence end) {
    List<KeyValue> deleted = w.deleteRange(key, end);
    for (KeyValue kv : deleted) {
      if (kv.lease() != 0) {
        lessor.detach(kv.lease(), kv.key());
      }
    }
    return deleted;
  }

  private static long readRevision(KvWriteTxn w) {
    return w.changes() > 0 ? w.writeRevision() : w.writeRevision() - 1;
  }

  private static @Nullable KeyValue current(RangeView view, ByteSequence key) {
    RangeResult r = unwrap(view.range(key, null, RangeOptions.CURRENT));
    return r.kvs().isEmpty() ? null : r.kvs().get(0);
  }

  // ------------------------------------------------------------------ txn

  /** Whether every op in both branches (recursively) is a Range. */
  static boolean isReadOnly(TxnRequest t) {
    return t.getSuccessList().stream().allMatch(KvExecutor::isReadOnly)
        && t.getFailureList().stream().allMatch(KvExecutor::isReadOnly);
  }

  private static boolean isReadOnly(RequestOp op) {
    return switch (op.getRequestCase()) {
      case REQUEST_RANGE -> true;
      case REQUEST_TXN -> isReadOnly(op.getRequestTxn());
      default -> false;
    };
  }

  /** Whether every Range in a read-only txn is serializable. */
  static boolean isSerializable(TxnRequest t) {
    for (List<RequestOp> branch : List.of(t.getSuccessList(), t.getFailureList())) {
      for (RequestOp op : branch) {
        boolean ok =
            switch (op.getRequestCase()) {
              case REQUEST_RANGE -> op.getRequestRange().getSerializable();
              case REQUEST_TXN -> isSerializable(op.getRequestTxn());
              default -> false;
            };
        if (!ok) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * The branch each (nested) txn takes, decided up front on the state before any write, as etcd's
   * {@code compareToPath}: element 0 is the outer txn's, then depth first.
   */
  static List<Boolean> path(RangeView view, TxnRequest t) {
    List<Boolean> path = new ArrayList<>();
    addPath(view, t, path);
    return path;
  }

  private static void addPath(RangeView view, TxnRequest t, List<Boolean> path) {
    boolean ok = true;
    for (Compare c : t.getCompareList()) {
      if (!compare(view, c)) {
        ok = false;
        break;
      }
    }
    path.add(ok);
    for (RequestOp op : ok ? t.getSuccessList() : t.getFailureList()) {
      if (op.getRequestCase() == RequestOp.RequestCase.REQUEST_TXN) {
        addPath(view, op.getRequestTxn(), path);
      }
    }
  }

  /** Checks the ops along {@code path} before anything runs, so a failure has no effects. */
  void checkTxn(RangeView view, TxnRequest t, List<Boolean> path, int[] at) {
    boolean ok = path.get(at[0]++);
    for (RequestOp op : ok ? t.getSuccessList() : t.getFailureList()) {
      switch (op.getRequestCase()) {
        case REQUEST_RANGE -> {
          RangeRequest r = op.getRequestRange();
          if (r.getRevision() > 0) {
            unwrap(
                view.range(
                    Convert.bytes(r.getKey()),
                    null,
                    RangeOptions.atRevision(r.getRevision()).withLimit(1)));
          }
        }
        case REQUEST_PUT -> checkPut(view, op.getRequestPut(), true);
        case REQUEST_TXN -> checkTxn(view, op.getRequestTxn(), path, at);
        default -> {}
      }
    }
  }

  /**
   * etcd's check of the ranges along a txn's path: a negative revision is older than the first
   * revision (etcd's is -1 before any compaction), so it is compacted — where a plain Range reads
   * the current revision instead.
   */
  static void checkRangeRevisions(
      TxnRequest t, List<Boolean> path, int[] at, long compactRevision) {
    boolean ok = path.get(at[0]++);
    for (RequestOp op : ok ? t.getSuccessList() : t.getFailureList()) {
      if (op.getRequestCase() == RequestOp.RequestCase.REQUEST_RANGE) {
        long rev = op.getRequestRange().getRevision();
        if (rev < 0 && rev < compactRevision) {
          throw Convert.error(io.etcdj.mvcc.MvccError.COMPACTED);
        }
      } else if (op.getRequestCase() == RequestOp.RequestCase.REQUEST_TXN) {
        checkRangeRevisions(op.getRequestTxn(), path, at, compactRevision);
      }
    }
  }

  /** Runs a read-only txn on a read view. */
  static TxnResponse readTxn(RangeView view, long revision, long compactRevision, TxnRequest t) {
    List<Boolean> path = path(view, t);
    checkRangeRevisions(t, path, new int[] {0}, compactRevision);
    int[] at = {0};
    TxnResponse resp = readBranch(view, t, path, at);
    return resp.toBuilder().setHeader(ResponseHeader.newBuilder().setRevision(revision)).build();
  }

  private static TxnResponse readBranch(
      RangeView view, TxnRequest t, List<Boolean> path, int[] at) {
    boolean ok = path.get(at[0]++);
    TxnResponse.Builder b = TxnResponse.newBuilder().setSucceeded(ok);
    for (RequestOp op : ok ? t.getSuccessList() : t.getFailureList()) {
      if (op.getRequestCase() == RequestOp.RequestCase.REQUEST_RANGE) {
        b.addResponses(ResponseOp.newBuilder().setResponseRange(range(view, op.getRequestRange())));
      } else {
        TxnResponse nested = readBranch(view, op.getRequestTxn(), path, at);
        b.addResponses(
            ResponseOp.newBuilder()
                .setResponseTxn(
                    nested.toBuilder()
                        .setHeader(
                            ResponseHeader.newBuilder()
                                .setRevision(nested.getHeader().getRevision()))));
      }
    }
    return b.build();
  }

  /** Runs a txn with writes in the apply loop's write transaction. */
  TxnResponse txn(KvWriteTxn w, TxnRequest t, long compactRevision) {
    List<Boolean> path = path(w::range, t);
    checkRangeRevisions(t, path, new int[] {0}, compactRevision);
    checkTxn(w::range, t, path, new int[] {0});
    TxnResponse resp = writeBranch(w, t, path, new int[] {0});
    return resp.toBuilder()
        .setHeader(ResponseHeader.newBuilder().setRevision(readRevision(w)))
        .build();
  }

  private TxnResponse writeBranch(KvWriteTxn w, TxnRequest t, List<Boolean> path, int[] at) {
    boolean ok = path.get(at[0]++);
    TxnResponse.Builder b = TxnResponse.newBuilder().setSucceeded(ok);
    for (RequestOp op : ok ? t.getSuccessList() : t.getFailureList()) {
      ResponseOp.Builder r = ResponseOp.newBuilder();
      switch (op.getRequestCase()) {
        case REQUEST_RANGE -> r.setResponseRange(range(w::range, op.getRequestRange()));
        case REQUEST_PUT -> r.setResponsePut(put(w, op.getRequestPut()));
        case REQUEST_DELETE_RANGE ->
            r.setResponseDeleteRange(deleteRange(w, op.getRequestDeleteRange()));
        case REQUEST_TXN -> {
          TxnResponse nested = writeBranch(w, op.getRequestTxn(), path, at);
          r.setResponseTxn(
              nested.toBuilder()
                  .setHeader(ResponseHeader.newBuilder().setRevision(readRevision(w))));
        }
        case REQUEST_NOT_SET -> throw EtcdError.KEY_NOT_FOUND.exception();
      }
      b.addResponses(r);
    }
    return b.build();
  }

  // ------------------------------------------------------------------ compare

  static boolean compare(RangeView view, Compare c) {
    ByteSequence key = Convert.bytes(c.getKey());
    ByteSequence end = Convert.end(c.getRangeEnd());
    List<KeyValue> kvs = unwrap(view.range(key, end, RangeOptions.CURRENT)).kvs();
    if (kvs.isEmpty()) {
      if (c.getTarget() == Compare.CompareTarget.VALUE) {
        return false;
      }
      return compareOne(c, new KeyValue(key, 0, 0, 0, ByteSequence.EMPTY, 0));
    }
    for (KeyValue kv : kvs) {
      if (!compareOne(c, kv)) {
        return false;
      }
    }
    return true;
  }

  private static boolean compareOne(Compare c, KeyValue kv) {
    int result;
    switch (c.getTarget()) {
      case VALUE -> {
        byte[] want = c.getValue().toByteArray();
        result = Integer.signum(Arrays.compareUnsigned(kv.value().unsafeArray(), want));
      }
      case VERSION -> result = Long.compare(kv.version(), c.getVersion());
      case CREATE -> result = Long.compare(kv.createRevision(), c.getCreateRevision());
      case MOD -> result = Long.compare(kv.modRevision(), c.getModRevision());
      case LEASE -> result = Long.compare(kv.lease(), c.getLease());
      default -> result = 0; // etcd compares nothing for a target it does not know
    }
    return switch (c.getResult()) {
      case EQUAL -> result == 0;
      case GREATER -> result > 0;
      case LESS -> result < 0;
      case NOT_EQUAL -> result != 0;
      case UNRECOGNIZED -> true; // etcd: a result it does not know holds
    };
  }
}
