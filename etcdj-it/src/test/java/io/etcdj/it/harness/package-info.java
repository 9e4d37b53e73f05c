/**
 * The process harness of the integration tests: real etcd 3.4 or etcdj members on loopback ports
 * ({@link io.etcdj.it.harness.EtcdjProcess}, {@link io.etcdj.it.harness.Cluster}), started from the
 * same flags whichever {@link io.etcdj.it.harness.Target} runs them, and the real {@code etcdctl}
 * ({@link io.etcdj.it.harness.Etcdctl}) to drive them.
 */
@NullMarked
package io.etcdj.it.harness;

import org.jspecify.annotations.NullMarked;
