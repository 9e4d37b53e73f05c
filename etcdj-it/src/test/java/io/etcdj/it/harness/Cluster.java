package io.etcdj.it.harness;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A new multi-member cluster (three members {@code a}, {@code b}, {@code c} by default) of one
 * {@link Target}, on loopback ports chosen free, started with identical flags whichever target runs
 * it. Members are spawned together, then awaited together (a new cluster has no quorum before).
 */
public final class Cluster implements AutoCloseable {
  private final List<EtcdjProcess> members;

  private Cluster(List<EtcdjProcess> members) {
    this.members = List.copyOf(members);
  }

  /** Three members {@code a,b,c} of {@code target} with data dirs under {@code baseDir}. */
  public static Cluster start(Target target, Path baseDir, List<String> extraFlags)
      throws IOException, InterruptedException {
    return start(target, baseDir, List.of("a", "b", "c"), "etcd-cluster", extraFlags);
  }

  public static Cluster start(
      Target target, Path baseDir, List<String> names, String token, List<String> extraFlags)
      throws IOException, InterruptedException {
    List<Integer> ports = Ports.free(2 * names.size());
    return startAll(
        configs(
            target,
            baseDir,
            names,
            token,
            extraFlags,
            i -> "127.0.0.1",
            i -> ports.get(2 * i),
            i -> ports.get(2 * i + 1),
            i -> List.of()));
  }

  /**
   * Three members {@code a,b,c} of {@code target}, each in its own namespace of {@code netns}
   * (clients reach them over its bridge; {@link Netns#isolate} cuts one off).
   */
  public static Cluster startInNamespaces(
      Target target, Path baseDir, Netns netns, List<String> extraFlags)
      throws IOException, InterruptedException {
    return startAll(
        configs(
            target,
            baseDir,
            List.of("a", "b", "c"),
            "etcd-cluster",
            extraFlags,
            netns::host,
            i -> 2379,
            i -> 2380,
            netns::prefix));
  }

  /** The members' configurations: member {@code i} at {@code host(i)} with its ports. */
  private static List<EtcdjProcess.Config> configs(
      Target target,
      Path baseDir,
      List<String> names,
      String token,
      List<String> extraFlags,
      java.util.function.IntFunction<String> host,
      java.util.function.IntFunction<Integer> clientPort,
      java.util.function.IntFunction<Integer> peerPort,
      java.util.function.IntFunction<List<String>> prefix) {
    StringBuilder initialCluster = new StringBuilder();
    for (int i = 0; i < names.size(); i++) {
      if (i > 0) {
        initialCluster.append(',');
      }
      initialCluster
          .append(names.get(i))
          .append("=http://")
          .append(host.apply(i))
          .append(':')
          .append(peerPort.apply(i));
    }
    List<EtcdjProcess.Config> configs = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      configs.add(
          new EtcdjProcess.Config(
              target,
              names.get(i),
              baseDir.resolve(names.get(i)),
              clientPort.apply(i),
              peerPort.apply(i),
              initialCluster.toString(),
              "new",
              token,
              extraFlags,
              host.apply(i),
              prefix.apply(i)));
    }
    return configs;
  }

  private static Cluster startAll(List<EtcdjProcess.Config> configs)
      throws IOException, InterruptedException {
    List<EtcdjProcess> started = new ArrayList<>();
    try {
      for (EtcdjProcess.Config config : configs) {
        started.add(EtcdjProcess.spawn(config));
      }
      for (EtcdjProcess member : started) {
        member.awaitReady(EtcdjProcess.READY_TIMEOUT);
      }
      return new Cluster(started);
    } catch (IOException | RuntimeException | InterruptedException e) {
      new Cluster(started).close();
      throw e;
    }
  }

  public List<EtcdjProcess> members() {
    return members;
  }

  public EtcdjProcess member(int index) {
    return members.get(index);
  }

  /** {@code host1:p1,host2:p2,...} for etcdctl's {@code --endpoints}. */
  public String endpoints() {
    return members.stream().map(EtcdjProcess::endpoint).collect(Collectors.joining(","));
  }

  /** Stops every member (each by its own process handle). */
  @Override
  public void close() throws InterruptedException {
    InterruptedException interrupted = null;
    for (EtcdjProcess member : members) {
      try {
        member.close();
      } catch (InterruptedException e) {
        interrupted = e;
      }
    }
    if (interrupted != null) {
      throw interrupted;
    }
  }
}
