package io.etcdj.backend;

/**
 * Receives the entries of a range scan in ascending unsigned key order.
 *
 * <p>The arrays are the visitor's to keep; the backend does not reuse them, and the visitor must
 * not modify them if it hands them back to the backend.
 */
@FunctionalInterface
public interface EntryVisitor {
  /** Returns {@code false} to stop the scan. */
  boolean visit(byte[] key, byte[] value);
}
