package io.etcdj.backend;

/**
 * The backend failed (I/O error, map full, corrupt file). Tier 1 in STYLE.md's sense: the member
 * must stop; a failed commit is never retried.
 */
public final class BackendException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BackendException(String message, Throwable cause) {
    super(message, cause);
  }

  public BackendException(String message) {
    super(message);
  }
}
