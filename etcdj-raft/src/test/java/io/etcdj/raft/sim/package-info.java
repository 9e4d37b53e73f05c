/**
 * Deterministic simulation of raft clusters: a seeded network with faults, crash-restarts,
 * proposals, reads and membership changes, with the invariants of the Raft paper checked after
 * every step. Start at {@link io.etcdj.raft.sim.RaftSimulationTest}.
 */
@NullMarked
package io.etcdj.raft.sim;

import org.jspecify.annotations.NullMarked;
