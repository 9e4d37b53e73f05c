package io.etcdj.server.membership;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * etcd's rules for runtime membership changes that need no raft state: peer URL syntax and the
 * strict reconfiguration quorum checks ({@code --strict-reconfig-check}).
 */
public final class ReconfigRules {
  private ReconfigRules() {}

  /**
   * The peer URLs of an add or update request as etcd stores them: each {@code scheme://host:port}
   * with scheme http or https and no path, sorted.
   *
   * @throws IllegalArgumentException if one does not parse (etcd: {@code given member URLs are
   *     invalid})
   */
  public static List<String> peerUrls(Collection<String> urls) {
    List<String> out = new ArrayList<>();
    for (String url : urls) {
      URI uri;
      try {
        uri = new URI(url);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException(url, e);
      }
      String scheme = uri.getScheme();
      boolean httpish = "http".equals(scheme) || "https".equals(scheme);
      boolean path = uri.getRawPath() != null && !uri.getRawPath().isEmpty();
      if (!httpish || uri.getHost() == null || uri.getPort() < 0 || path) {
        throw new IllegalArgumentException(url);
      }
      out.add(url);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no peer URLs");
    }
    out.sort(null);
    return out;
  }

  /**
   * Whether a voter may be added: once added, the started voters must still reach a quorum (growing
   * a one-member cluster to two is allowed while the new one has not started).
   */
  public static boolean readyToAddVoter(int voters, int startedVoters) {
    int after = voters + 1;
    if (startedVoters == 1 && after == 2) {
      return true;
    }
    return startedVoters >= after / 2 + 1;
  }

  /** Whether a voter may be removed: the remaining started voters must reach a quorum. */
  public static boolean readyToRemoveVoter(int voters, int startedVoters, boolean removedStarted) {
    int after = voters - 1;
    int started = startedVoters - (removedStarted ? 1 : 0);
    return started >= after / 2 + 1;
  }

  /** Whether a learner may be promoted: the started voters must reach the larger quorum. */
  public static boolean readyToPromote(int voters, int startedVoters) {
    int after = voters + 1;
    return startedVoters + 1 >= after / 2 + 1;
  }
}
