/**
 * The composition root: {@code main}, etcd-compatible flags and environment, and (with issue #6)
 * the wiring of threads, the file WAL, LMDB and gRPC into a running member.
 *
 * <p>The only module that may depend on every layer. Start reading at {@link
 * io.etcdj.app.EtcdjMain}; the flags are in {@link io.etcdj.app.ServerFlags}.
 */
@NullMarked
package io.etcdj.app;

import org.jspecify.annotations.NullMarked;
