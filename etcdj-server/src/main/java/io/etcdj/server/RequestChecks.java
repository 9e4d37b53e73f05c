package io.etcdj.server;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.Compare;
import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RequestOp;
import io.etcdj.api.etcdserverpb.TxnRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The checks etcd's gRPC layer makes before a KV request reaches the server (v3rpc/key.go), in its
 * order; each failure is the {@link EtcdException} the client sees.
 */
final class RequestChecks {
  private RequestChecks() {}

  static void range(RangeRequest r) {
    if (r.getKey().isEmpty()) {
      throw EtcdError.KEY_NOT_PROVIDED.exception();
    }
  }

  static void put(PutRequest p) {
    if (p.getKey().isEmpty()) {
      throw EtcdError.KEY_NOT_PROVIDED.exception();
    }
    if (p.getIgnoreValue() && !p.getValue().isEmpty()) {
      throw EtcdError.VALUE_PROVIDED.exception();
    }
    if (p.getIgnoreLease() && p.getLease() != 0) {
      throw EtcdError.LEASE_PROVIDED.exception();
    }
  }

  static void deleteRange(DeleteRangeRequest d) {
    if (d.getKey().isEmpty()) {
      throw EtcdError.KEY_NOT_PROVIDED.exception();
    }
  }

  static void txn(TxnRequest t, int maxTxnOps) {
    int ops = Math.max(t.getCompareCount(), Math.max(t.getSuccessCount(), t.getFailureCount()));
    if (ops > maxTxnOps) {
      throw EtcdError.TOO_MANY_OPS.exception();
    }
    for (Compare c : t.getCompareList()) {
      if (c.getKey().isEmpty()) {
        throw EtcdError.KEY_NOT_PROVIDED.exception();
      }
    }
    for (RequestOp op : t.getSuccessList()) {
      op(op, maxTxnOps);
    }
    for (RequestOp op : t.getFailureList()) {
      op(op, maxTxnOps);
    }
    checkDuplicates(t.getSuccessList());
    checkDuplicates(t.getFailureList());
  }

  private static void op(RequestOp op, int maxTxnOps) {
    switch (op.getRequestCase()) {
      case REQUEST_RANGE -> range(op.getRequestRange());
      case REQUEST_PUT -> put(op.getRequestPut());
      case REQUEST_DELETE_RANGE -> deleteRange(op.getRequestDeleteRange());
      case REQUEST_TXN -> txn(op.getRequestTxn(), maxTxnOps);
      case REQUEST_NOT_SET -> throw EtcdError.KEY_NOT_FOUND.exception();
    }
  }

  private record Range(ByteString key, ByteString end) {
    boolean covers(ByteString k) {
      if (end.isEmpty()) {
        return k.equals(key);
      }
      if (ByteString.unsignedLexicographicalComparator().compare(k, key) < 0) {
        return false;
      }
      // Literally [key, end), as etcd's interval tree holds it: a from-key delete (end "\0") or
      // an inverted range covers no put, so etcd lets a txn put beside it.
      return ByteString.unsignedLexicographicalComparator().compare(k, end) < 0;
    }
  }

  /**
   * etcd's {@code checkIntervals}: no key put twice and no put inside a deleted range in one branch
   * (nested txns included; a nested txn's two branches may put the same key).
   */
  private static void checkDuplicates(List<RequestOp> branch) {
    Set<ByteString> puts = new HashSet<>();
    List<Range> deletes = new ArrayList<>();
    collect(branch, puts, deletes);
    for (ByteString put : puts) {
      for (Range d : deletes) {
        if (d.covers(put)) {
          throw EtcdError.DUPLICATE_KEY.exception();
        }
      }
    }
  }

  private static void collect(List<RequestOp> branch, Set<ByteString> puts, List<Range> deletes) {
    for (RequestOp op : branch) {
      switch (op.getRequestCase()) {
        case REQUEST_PUT -> {
          if (!puts.add(op.getRequestPut().getKey())) {
            throw EtcdError.DUPLICATE_KEY.exception();
          }
        }
        case REQUEST_DELETE_RANGE ->
            deletes.add(
                new Range(
                    op.getRequestDeleteRange().getKey(), op.getRequestDeleteRange().getRangeEnd()));
        case REQUEST_TXN -> {
          TxnRequest nested = op.getRequestTxn();
          Set<ByteString> successPuts = new HashSet<>();
          Set<ByteString> failurePuts = new HashSet<>();
          List<Range> nestedDeletes = new ArrayList<>();
          collect(nested.getSuccessList(), successPuts, nestedDeletes);
          collect(nested.getFailureList(), failurePuts, nestedDeletes);
          successPuts.addAll(failurePuts);
          for (ByteString p : successPuts) {
            if (!puts.add(p)) {
              throw EtcdError.DUPLICATE_KEY.exception();
            }
          }
          deletes.addAll(nestedDeletes);
        }
        default -> {}
      }
    }
  }
}
