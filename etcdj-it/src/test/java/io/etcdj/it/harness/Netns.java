package io.etcdj.it.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Network namespaces this test creates, one per member, joined by a bridge in the root namespace
 * ({@code 10.<a>.<b>.1/24}; member {@code i} is {@code .i+2}), so that a member's link can be cut
 * and healed. Needs root and {@code ip}; {@link #create} says why it cannot. {@link #close} removes
 * the namespaces, their links and the bridge.
 */
public final class Netns implements AutoCloseable {
  private final String tag;
  private final String subnet;
  private final int members;
  private final List<String> created = new ArrayList<>();
  private boolean bridge;

  private Netns(String tag, String subnet, int members) {
    this.tag = tag;
    this.subnet = subnet;
    this.members = members;
  }

  /** What {@link #create} returns: the namespaces, or why there are none. */
  public sealed interface Outcome {}

  public record Created(Netns netns) implements Outcome {}

  public record Unavailable(String why) implements Outcome {}

  public static Outcome create(int members) {
    if (!"root".equals(System.getProperty("user.name"))) {
      return new Unavailable("not root");
    }
    int n = (int) (ProcessHandle.current().pid() % 200) + 20;
    String tag = "ej" + Long.toString(System.nanoTime() % 46656, 36);
    Netns netns = new Netns(tag, "10.213." + n, members);
    try {
      netns.setUp();
      return new Created(netns);
    } catch (IOException | InterruptedException | RuntimeException e) {
      netns.close();
      return new Unavailable("setting up namespaces failed: " + e.getMessage());
    }
  }

  private void setUp() throws IOException, InterruptedException {
    String br = tag + "br";
    ip("link", "add", br, "type", "bridge");
    bridge = true;
    ip("addr", "add", subnet + ".1/24", "dev", br);
    ip("link", "set", br, "up");
    for (int i = 0; i < members; i++) {
      String ns = namespace(i);
      ip("netns", "add", ns);
      created.add(ns);
      ip("link", "add", hostLink(i), "type", "veth", "peer", "name", tag + "p" + i);
      ip("link", "set", tag + "p" + i, "netns", ns);
      ip("link", "set", hostLink(i), "master", br);
      ip("link", "set", hostLink(i), "up");
      ip("netns", "exec", ns, "ip", "addr", "add", host(i) + "/24", "dev", tag + "p" + i);
      ip("netns", "exec", ns, "ip", "link", "set", tag + "p" + i, "up");
      ip("netns", "exec", ns, "ip", "link", "set", "lo", "up");
    }
  }

  private String namespace(int i) {
    return tag + "-m" + i;
  }

  private String hostLink(int i) {
    return tag + "h" + i;
  }

  /** Member {@code i}'s address inside its namespace. */
  public String host(int i) {
    return subnet + "." + (i + 2);
  }

  /** What runs a command inside member {@code i}'s namespace. */
  public List<String> prefix(int i) {
    return List.of("ip", "netns", "exec", namespace(i));
  }

  /** Cuts member {@code i} off from every other member and from clients. */
  public void isolate(int i) throws IOException, InterruptedException {
    ip("link", "set", hostLink(i), "down");
  }

  public void heal(int i) throws IOException, InterruptedException {
    ip("link", "set", hostLink(i), "up");
  }

  /**
   * Drops what member {@code from} sends to member {@code to} (a blackhole route in {@code from}'s
   * namespace, more specific than the bridge's subnet): one direction of one link.
   */
  public void cut(int from, int to) throws IOException, InterruptedException {
    ip("netns", "exec", namespace(from), "ip", "route", "add", "blackhole", host(to) + "/32");
  }

  public void restore(int from, int to) throws IOException, InterruptedException {
    ip("netns", "exec", namespace(from), "ip", "route", "del", "blackhole", host(to) + "/32");
  }

  @Override
  public void close() {
    for (String ns : created) {
      try {
        ip("netns", "del", ns);
      } catch (IOException | InterruptedException | RuntimeException e) {
        System.err.println("removing namespace " + ns + " failed: " + e);
      }
    }
    created.clear();
    if (bridge) {
      try {
        ip("link", "del", tag + "br");
      } catch (IOException | InterruptedException | RuntimeException e) {
        System.err.println("removing bridge failed: " + e);
      }
      bridge = false;
    }
  }

  private static void ip(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("ip");
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", command) + " did not finish");
    }
    if (p.exitValue() != 0) {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      throw new IOException(String.join(" ", command) + ": " + out);
    }
  }
}
