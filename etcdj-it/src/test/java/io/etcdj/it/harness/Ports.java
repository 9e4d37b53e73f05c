package io.etcdj.it.harness;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Free loopback ports, all distinct, chosen by the kernel (as EtcdProcess does). */
public final class Ports {
  private Ports() {}

  /** {@code count} distinct free ports on 127.0.0.1 (all held open while choosing). */
  public static List<Integer> free(int count) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      List<Integer> ports = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        sockets.add(socket);
        ports.add(socket.getLocalPort());
      }
      return List.copyOf(ports);
    } finally {
      for (ServerSocket socket : sockets) {
        socket.close();
      }
    }
  }
}
