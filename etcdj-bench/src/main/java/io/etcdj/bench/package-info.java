/**
 * {@code etcdj-bench}: a load generator modelled on etcd's benchmark tool (put, range, txn, watch,
 * lease commands against any etcd-compatible endpoint), the side-by-side comparison with real etcd,
 * and JMH micro-benchmarks of the layers.
 *
 * <p>Must not be depended on by any other module. Arrives with issue #8.
 */
@NullMarked
package io.etcdj.bench;

import org.jspecify.annotations.NullMarked;
