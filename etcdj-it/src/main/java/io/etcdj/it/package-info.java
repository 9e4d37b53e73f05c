/**
 * Integration and fault tests (tests only): real etcdj processes on loopback driven by real etcdctl
 * and jetcd, differential runs against real etcd 3.4, and the architecture rules.
 *
 * <p>The harness that starts processes arrives with issue #6; the fault rigs with issue #7.
 */
@NullMarked
package io.etcdj.it;

import org.jspecify.annotations.NullMarked;
