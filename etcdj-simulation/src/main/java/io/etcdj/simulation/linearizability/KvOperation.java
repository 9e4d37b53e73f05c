package io.etcdj.simulation.linearizability;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One client operation as recorded: what was asked, when (call and return, in any monotonic unit),
 * and what came back — or {@code null} when the outcome is unknown (a timeout or a lost connection:
 * the request may or may not have been applied).
 *
 * @param client the recording client (for messages only)
 * @param request what the client asked
 * @param callTime when the request was sent
 * @param returnTime when the response arrived; ignored when {@code response} is null
 * @param response what came back, or null if unknown
 */
public record KvOperation(
    int client, Request request, long callTime, long returnTime, @Nullable Response response) {

  public KvOperation {
    Objects.requireNonNull(request, "request");
    if (response != null && returnTime < callTime) {
      throw new IllegalArgumentException(
          "returns before it was called: " + callTime + " > " + returnTime);
    }
  }

  /** What a client can ask. Keys and values are strings for readability of failures. */
  public sealed interface Request {}

  /** Put {@code value} at {@code key}. */
  public record Put(String key, String value) implements Request {}

  /** Read {@code key}. */
  public record Get(String key) implements Request {}

  /** Delete {@code key}. */
  public record Delete(String key) implements Request {}

  /**
   * A transaction: if {@code key}'s mod revision equals {@code expectedModRevision} (0 for a
   * missing key) then put {@code value}, else read nothing.
   */
  public record CompareAndSet(String key, long expectedModRevision, String value)
      implements Request {}

  /** What came back. {@code revision} is the response header's revision. */
  public sealed interface Response {
    long revision();
  }

  public record PutResponse(long revision) implements Response {}

  /** {@code value} null and {@code modRevision} 0 when the key was absent. */
  public record GetResponse(long revision, @Nullable String value, long modRevision)
      implements Response {}

  public record DeleteResponse(long revision, long deleted) implements Response {}

  public record CompareAndSetResponse(long revision, boolean succeeded) implements Response {}
}
