package io.etcdj.server.membership;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Member and cluster IDs, derived exactly as etcd derives them so that a member's ID is the same
 * whether etcd or etcdj bootstrapped it:
 *
 * <ul>
 *   <li>member ID: the first 8 bytes (big-endian) of SHA-1 over the member's peer URLs, sorted and
 *       concatenated, then the cluster token, then — for a member added at run time — the current
 *       Unix time in seconds, in decimal;
 *   <li>cluster ID: the first 8 bytes of SHA-1 over the member IDs, sorted as unsigned numbers,
 *       each as 8 bytes big-endian.
 * </ul>
 *
 * <p>Example: {@code http://127.0.0.1:26380} with token {@code etcd-cluster} is member {@code
 * 8876210cd96651c6}, and the cluster of that member alone is {@code 7e1de051b63089b8}.
 */
public final class MemberIds {
  private MemberIds() {}

  /** The ID of a member bootstrapped from {@code --initial-cluster}. */
  public static long bootstrapMemberId(Collection<String> peerUrls, String clusterToken) {
    return first8(sha1(concat(peerUrls) + clusterToken));
  }

  /** The ID of a member added at run time (MemberAdd), at {@code unixSeconds}. */
  public static long addedMemberId(Collection<String> peerUrls, long unixSeconds) {
    return first8(sha1(concat(peerUrls) + unixSeconds));
  }

  /** The cluster ID of a cluster with these members. */
  public static long clusterId(Collection<Long> memberIds) {
    List<Long> sorted = new ArrayList<>(memberIds);
    sorted.sort(Long::compareUnsigned);
    ByteBuffer bytes = ByteBuffer.allocate(8 * sorted.size());
    sorted.forEach(bytes::putLong);
    return first8(sha1(bytes.array()));
  }

  /** An ID as etcd prints it: lowercase hex, no padding. */
  public static String toHex(long id) {
    return Long.toHexString(id);
  }

  private static String concat(Collection<String> urls) {
    List<String> sorted = new ArrayList<>(urls);
    sorted.sort(null);
    return String.join("", sorted);
  }

  private static byte[] sha1(String text) {
    return sha1(text.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] sha1(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-1", e);
    }
  }

  private static long first8(byte[] digest) {
    return ByteBuffer.wrap(digest, 0, 8).getLong();
  }
}
