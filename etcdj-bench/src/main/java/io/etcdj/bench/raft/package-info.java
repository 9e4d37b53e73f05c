/** JMH benchmarks of the raft layer: the state machine alone and in-memory clusters. */
@NullMarked
package io.etcdj.bench.raft;

import org.jspecify.annotations.NullMarked;
