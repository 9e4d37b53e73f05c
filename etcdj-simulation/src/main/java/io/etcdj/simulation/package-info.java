/**
 * Whole-cluster deterministic simulation: complete members on one thread with a virtual clock, a
 * simulated network and disk, and seeded faults (tests only).
 *
 * <p>Arrives with issue #7.
 */
@NullMarked
package io.etcdj.simulation;

import org.jspecify.annotations.NullMarked;
