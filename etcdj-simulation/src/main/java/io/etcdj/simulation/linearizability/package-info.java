/**
 * A linearizability checker for recorded client histories against etcd's KV model with revisions,
 * in the style of Wing &amp; Gong / Lowe and porcupine.
 *
 * <p>Used by the whole-server simulation and by the real-process fault tests (issue #7): a run
 * records every client operation with its call and return times and its outcome (or that the
 * outcome is unknown, as for a timed-out request), and {@link
 * io.etcdj.simulation.linearizability.LinearizabilityChecker} decides whether some order of the
 * operations, consistent with real time, explains every observed result. Start reading at {@link
 * io.etcdj.simulation.linearizability.KvOperation}.
 */
@NullMarked
package io.etcdj.simulation.linearizability;

import org.jspecify.annotations.NullMarked;
