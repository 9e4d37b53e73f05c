package io.etcdj.mvcc;

import java.util.List;

/**
 * What a write transaction changed: the revision it created ({@code revision} = the current one if
 * nothing changed) and its change set in execution (sub-revision) order. The server attaches and
 * detaches leases from it: a put attaches its key to {@code kv.lease}; a delete's {@code
 * prevKv.lease} is the lease to detach from. mvcc never calls the lessor.
 */
public record WriteResult(long revision, List<Event> changes) {
  public WriteResult {
    changes = List.copyOf(changes);
  }
}
