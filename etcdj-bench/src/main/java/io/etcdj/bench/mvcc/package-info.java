/**
 * JMH benchmarks of the mvcc layer over the LMDB backend: puts and ranges with 1 M keys, restart
 * (index rebuild) with 1 M keys, defragmentation; and {@link io.etcdj.bench.mvcc.IndexMemory}, a
 * plain program that measures index memory per key. Figures and commands: {@code
 * docs/bench-mvcc.md}.
 */
@NullMarked
package io.etcdj.bench.mvcc;

import org.jspecify.annotations.NullMarked;
