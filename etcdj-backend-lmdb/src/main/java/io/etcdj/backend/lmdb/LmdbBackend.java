package io.etcdj.backend.lmdb;

import io.etcdj.backend.BatchPolicy;
import io.etcdj.backend.BatchedBackend;
import java.nio.file.Path;

/** Opens the etcdj backend on LMDB: batching and the read buffer over an {@link LmdbStore}. */
public final class LmdbBackend {
  private LmdbBackend() {}

  /** Opens (creating if needed) the backend stored in {@code dir}. */
  public static BatchedBackend open(Path dir, LmdbConfig config, BatchPolicy policy) {
    return new BatchedBackend(LmdbStore.open(dir, config), policy);
  }
}
