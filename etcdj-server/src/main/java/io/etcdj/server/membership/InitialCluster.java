package io.etcdj.server.membership;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bootstrap membership of {@code --initial-cluster}: {@code name=url[,name=url...]}, where a
 * name may repeat to give a member several peer URLs.
 *
 * @param peerUrlsByName each member's peer URLs, in the order given, members in first-seen order
 */
public record InitialCluster(Map<String, List<String>> peerUrlsByName) {
  public InitialCluster {
    Map<String, List<String>> copy = new LinkedHashMap<>();
    peerUrlsByName.forEach((name, urls) -> copy.put(name, List.copyOf(urls)));
    peerUrlsByName = java.util.Collections.unmodifiableMap(copy);
  }

  /**
   * Parses the flag's value.
   *
   * @throws IllegalArgumentException with a message naming the bad part
   */
  public static InitialCluster parse(String text) {
    Map<String, List<String>> members = new LinkedHashMap<>();
    if (text.isBlank()) {
      throw new IllegalArgumentException("initial cluster is empty");
    }
    for (String part : text.split(",", -1)) {
      int equals = part.indexOf('=');
      if (equals <= 0 || equals == part.length() - 1) {
        throw new IllegalArgumentException(
            "missing name or URL in initial cluster entry \"" + part + "\"");
      }
      String name = part.substring(0, equals).trim();
      String url = part.substring(equals + 1).trim();
      try {
        URI uri = new URI(url);
        if (uri.getScheme() == null || uri.getHost() == null || uri.getPort() < 0) {
          throw new IllegalArgumentException("URL must have a scheme, a host and a port: " + url);
        }
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("invalid URL in initial cluster: " + url, e);
      }
      members.computeIfAbsent(name, n -> new ArrayList<>()).add(url);
    }
    return new InitialCluster(members);
  }

  /** Member IDs by name, derived with {@code token} as at bootstrap. */
  public Map<String, Long> memberIds(String token) {
    Map<String, Long> ids = new LinkedHashMap<>();
    peerUrlsByName.forEach((name, urls) -> ids.put(name, MemberIds.bootstrapMemberId(urls, token)));
    return ids;
  }

  /** The cluster ID the bootstrapped cluster gets. */
  public long clusterId(String token) {
    return MemberIds.clusterId(memberIds(token).values());
  }
}
