package io.etcdj.server;

import io.etcdj.raft.Message;
import java.util.List;

/**
 * The port through which raft messages leave this member. Must not block: a transport queues, drops
 * what it cannot deliver (raft retries), and reports unreachable peers through {@link
 * EtcdServer#reportUnreachable}. A single-member cluster uses {@link #NONE}.
 */
public interface PeerTransport {
  PeerTransport NONE = messages -> {};

  void send(List<Message> messages);
}
