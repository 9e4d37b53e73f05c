/**
 * {@code etcdjctl}: a command line client that accepts etcdctl's commands and global flags and
 * prints etcdctl's output, byte for byte, over {@link io.etcdj.client}.
 *
 * <p>Must not depend on: any server module. Start reading at {@link io.etcdj.ctl.EtcdjctlMain}.
 */
@NullMarked
package io.etcdj.ctl;

import org.jspecify.annotations.NullMarked;
