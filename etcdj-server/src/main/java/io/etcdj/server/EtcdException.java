package io.etcdj.server;

/**
 * A request failed in a way the client sees, as one of etcd's errors. The only exception type of
 * the third error tier (STYLE.md): broken invariants are not this, and expected outcomes are return
 * values.
 */
public final class EtcdException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final EtcdError error;

  public EtcdException(EtcdError error) {
    super(error.message(), null, false, false); // no stack trace: an outcome, not a bug
    this.error = error;
  }

  public EtcdError error() {
    return error;
  }
}
