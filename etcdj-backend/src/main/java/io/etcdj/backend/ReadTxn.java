package io.etcdj.backend;

/**
 * A read transaction: a snapshot of every write transaction ended before it began, committed or
 * still in the pending batch (the read buffer).
 *
 * <p>Confinement: one thread at a time (it may move between threads with a happens-before edge,
 * e.g. a virtual thread that migrates). Many read transactions may be open at once on any threads,
 * concurrently with the writer. Must be closed; an open read transaction pins old pages.
 */
public interface ReadTxn extends ReadView, AutoCloseable {
  @Override
  void close();
}
