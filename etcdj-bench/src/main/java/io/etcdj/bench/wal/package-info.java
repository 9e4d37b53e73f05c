/** JMH benchmarks of the WAL on real files: group commit at several batch sizes, raw fsync. */
@NullMarked
package io.etcdj.bench.wal;

import org.jspecify.annotations.NullMarked;
