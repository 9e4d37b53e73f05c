/**
 * The differential etcdctl suite's parts: the ordered scenario script ({@link
 * io.etcdj.it.diff.EtcdctlScenarios}), its {@link io.etcdj.it.diff.Step}s, and the {@link
 * io.etcdj.it.diff.OutputMasker} that hides what legitimately differs between two members (IDs,
 * terms, sizes, times, ports) and nothing else.
 */
@NullMarked
package io.etcdj.it.diff;

import org.jspecify.annotations.NullMarked;
