/**
 * The lessor: leases, their attached keys, expiry decided by the leader on a monotonic clock.
 *
 * <p>Start reading at {@link io.etcdj.server.lease.Lessor}.
 */
@NullMarked
package io.etcdj.server.lease;

import org.jspecify.annotations.NullMarked;
