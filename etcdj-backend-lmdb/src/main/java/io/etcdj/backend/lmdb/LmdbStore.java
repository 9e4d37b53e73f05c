package io.etcdj.backend.lmdb;

import io.etcdj.backend.BackendException;
import io.etcdj.backend.Bucket;
import io.etcdj.backend.DefragmentResult;
import io.etcdj.backend.DurableStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.lmdbjava.ByteArrayProxy;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.GetOp;
import org.lmdbjava.LmdbException;
import org.lmdbjava.PutFlags;
import org.lmdbjava.Stat;
import org.lmdbjava.Txn;

/**
 * A {@link DurableStore} over LMDB: one named database per {@link Bucket}, one LMDB write
 * transaction per batch commit (synced: LMDB's default durable commit), one LMDB read transaction
 * per snapshot.
 *
 * <p>Layout: {@code <dir>/CURRENT} names the live environment {@code <dir>/gen-<n>/} (LMDB's {@code
 * data.mdb} and {@code lock.mdb}). Defragmentation rewrites every bucket, from one read
 * transaction, into {@code gen-<n+1>/} with full pages (see {@link #rewrite}), syncs it, replaces
 * {@code CURRENT} atomically and opens the new environment; snapshots still open on the old
 * environment keep reading it, and it is closed and deleted when the last one closes (a reference
 * count). A crash at any point leaves {@code CURRENT} naming a complete environment; leftovers are
 * deleted at open.
 *
 * <p>Why LMDB is crash safe here: copy-on-write pages and two meta pages mean a commit either
 * reached the disk entirely (fsync of data, then of the meta page) or not at all.
 *
 * <p>Confinement: as {@link DurableStore}. Write transactions are bound to the OS thread that
 * opened them; each commit opens and ends its own on the writer's thread. Environments are opened
 * with {@code MDB_NOTLS} so read transactions may run on virtual threads.
 */
public final class LmdbStore implements DurableStore {
  private static final String CURRENT = "CURRENT";
  private static final int DEFRAG_BATCH_ENTRIES = 10_000;

  private final Path dir;
  private final LmdbConfig config;
  private volatile Handle current;
  private volatile boolean closed;

  private LmdbStore(Path dir, LmdbConfig config, Handle handle) {
    this.dir = dir;
    this.config = config;
    this.current = handle;
  }

  /** Opens (creating if needed) the store in {@code dir}. */
  public static LmdbStore open(Path dir, LmdbConfig config) {
    try {
      Files.createDirectories(dir);
      Path currentFile = dir.resolve(CURRENT);
      long generation = 0;
      if (Files.exists(currentFile)) {
        generation =
            Long.parseLong(Files.readString(currentFile, StandardCharsets.US_ASCII).trim());
      }
      deleteLeftovers(dir, generation);
      Path envDir = generationDir(dir, generation);
      Files.createDirectories(envDir);
      if (!Files.exists(currentFile)) {
        writeCurrent(dir, generation);
      }
      return new LmdbStore(dir, config, Handle.open(envDir, config));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path generationDir(Path dir, long generation) {
    return dir.resolve("gen-" + generation);
  }

  private static void deleteLeftovers(Path dir, long keep) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      for (Path p : entries.toList()) {
        String name = p.getFileName().toString();
        if ((name.startsWith("gen-") && !name.equals("gen-" + keep))
            || name.equals(CURRENT + ".tmp")) {
          deleteRecursively(p);
        }
      }
    }
  }

  private static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    }
  }

  private static void writeCurrent(Path dir, long generation) throws IOException {
    Path tmp = dir.resolve(CURRENT + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap((generation + "\n").getBytes(StandardCharsets.US_ASCII)));
      ch.force(true);
    }
    Files.move(tmp, dir.resolve(CURRENT), StandardCopyOption.ATOMIC_MOVE);
    syncDirectory(dir);
  }

  private static void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /** One open environment with its databases, reference counted by open snapshots. */
  private static final class Handle {
    final Env<byte[]> env;
    final Map<Bucket, Dbi<byte[]>> dbis;
    final Path envDir;
    final AtomicInteger references = new AtomicInteger(1);
    volatile boolean deleteWhenReleased;

    private Handle(Env<byte[]> env, Map<Bucket, Dbi<byte[]>> dbis, Path envDir) {
      this.env = env;
      this.dbis = dbis;
      this.envDir = envDir;
    }

    static Handle open(Path envDir, LmdbConfig config) {
      Env<byte[]> env =
          Env.create(ByteArrayProxy.PROXY_BA)
              .setMapSize(config.mapSizeBytes())
              .setMaxDbs(Bucket.values().length + 2)
              .setMaxReaders(config.maxReaders())
              .open(envDir.toFile(), EnvFlags.MDB_NOTLS, EnvFlags.MDB_NORDAHEAD);
      EnumMap<Bucket, Dbi<byte[]>> dbis = new EnumMap<>(Bucket.class);
      for (Bucket b : Bucket.values()) {
        dbis.put(b, env.openDbi(b.bucketName(), DbiFlags.MDB_CREATE));
      }
      return new Handle(env, dbis, envDir);
    }

    Dbi<byte[]> dbi(Bucket b) {
      return Objects.requireNonNull(dbis.get(b));
    }

    boolean retain() {
      while (true) {
        int r = references.get();
        if (r == 0) {
          return false;
        }
        if (references.compareAndSet(r, r + 1)) {
          return true;
        }
      }
    }

    void release() {
      if (references.decrementAndGet() == 0) {
        env.close();
        if (deleteWhenReleased) {
          try {
            deleteRecursively(envDir);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      }
    }
  }

  @Override
  public StoreSnapshot openSnapshot() {
    while (true) {
      if (closed) {
        throw new IllegalStateException("store is closed");
      }
      Handle h = current;
      if (h.retain()) {
        try {
          return new Snapshot(h, h.env.txnRead());
        } catch (RuntimeException e) {
          h.release();
          throw new BackendException("cannot open an LMDB read transaction", e);
        }
      }
    }
  }

  private static final class Snapshot implements StoreSnapshot {
    private final Handle handle;
    private final Txn<byte[]> txn;
    private @Nullable Cursor<byte[]> openCursor;
    private boolean snapshotClosed;

    Snapshot(Handle handle, Txn<byte[]> txn) {
      this.handle = handle;
      this.txn = txn;
    }

    @Override
    public byte @Nullable [] get(Bucket bucket, byte[] key) {
      return handle.dbi(bucket).get(txn, key);
    }

    @Override
    public EntryCursor cursor(Bucket bucket, byte[] from, byte @Nullable [] to) {
      // One live cursor per snapshot is enough for the merging reader; close the previous one.
      Cursor<byte[]> previous = openCursor;
      if (previous != null) {
        previous.close();
      }
      Cursor<byte[]> c = handle.dbi(bucket).openCursor(txn);
      openCursor = c;
      return new EntryCursor() {
        private boolean started;
        private boolean exhausted;

        @Override
        public boolean next() {
          if (exhausted) {
            return false;
          }
          boolean found;
          if (!started) {
            started = true;
            found = from.length == 0 ? c.first() : c.get(from, GetOp.MDB_SET_RANGE);
          } else {
            found = c.next();
          }
          if (found && to != null && Arrays.compareUnsigned(c.key(), to) >= 0) {
            found = false;
          }
          exhausted = !found;
          return found;
        }

        @Override
        public byte[] key() {
          return c.key();
        }

        @Override
        public byte[] value() {
          return c.val();
        }
      };
    }

    @Override
    public void close() {
      if (snapshotClosed) {
        return;
      }
      snapshotClosed = true;
      Cursor<byte[]> c = openCursor;
      if (c != null) {
        c.close();
      }
      txn.close();
      handle.release();
    }
  }

  @Override
  public void commit(ChangeSet changes) {
    Handle h = current;
    try (Txn<byte[]> txn = h.env.txnWrite()) {
      Appender appender = new Appender(h, txn);
      changes.forEach(
          (bucket, key, value) -> {
            if (value == null) {
              h.dbi(bucket).delete(txn, key);
            } else {
              appender.put(bucket, key, value);
            }
          });
      txn.commit();
    } catch (LmdbException e) {
      throw new BackendException("LMDB commit failed: " + e.getMessage(), e);
    }
  }

  /**
   * Puts with {@code MDB_APPEND} when the key sorts after everything already in the database, which
   * is the normal case for the {@code key} bucket (revisions only grow): LMDB then fills pages
   * completely instead of splitting them in half (bbolt's fill percent 0.9 for the same reason).
   * Changes arrive in key order per bucket, so once a put can append, every later put of that
   * bucket in the batch can too.
   */
  private static final class Appender {
    private final Handle handle;
    private final Txn<byte[]> txn;
    private final EnumMap<Bucket, Boolean> appending = new EnumMap<>(Bucket.class);
    private final EnumMap<Bucket, byte[]> lastKeys = new EnumMap<>(Bucket.class);

    Appender(Handle handle, Txn<byte[]> txn) {
      this.handle = handle;
      this.txn = txn;
    }

    void put(Bucket bucket, byte[] key, byte[] value) {
      Dbi<byte[]> dbi = handle.dbi(bucket);
      if (!Boolean.TRUE.equals(appending.get(bucket))) {
        if (!lastKeys.containsKey(bucket)) {
          try (Cursor<byte[]> c = dbi.openCursor(txn)) {
            lastKeys.put(bucket, c.last() ? c.key() : new byte[0]);
          }
        }
        byte[] last = Objects.requireNonNull(lastKeys.get(bucket));
        if (Arrays.compareUnsigned(key, last) > 0) {
          appending.put(bucket, true);
        } else {
          dbi.put(txn, key, value);
          return;
        }
      }
      dbi.put(txn, key, value, PutFlags.MDB_APPEND);
    }
  }

  @Override
  public long sizeBytes() {
    Handle h = current;
    return (h.env.info().lastPageNumber + 1) * pageSize(h);
  }

  private static long pageSize(Handle h) {
    return h.env.stat().pageSize;
  }

  @Override
  public long sizeInUseBytes() {
    Handle h = current;
    if (!h.retain()) {
      return 0;
    }
    try (Txn<byte[]> txn = h.env.txnRead()) {
      Stat main = h.env.stat();
      long pages = 2 + main.branchPages + main.leafPages + main.overflowPages;
      for (Bucket b : Bucket.values()) {
        Stat s = h.dbi(b).stat(txn);
        pages += s.branchPages + s.leafPages + s.overflowPages;
      }
      return pages * main.pageSize;
    } finally {
      h.release();
    }
  }

  @Override
  public DefragmentResult defragment() {
    Handle old = current;
    long sizeBefore = sizeBytes();
    long inUseBefore = sizeInUseBytes();
    String name = old.envDir.getFileName().toString();
    long generation = Long.parseLong(name.substring("gen-".length())) + 1;
    Path next = generationDir(dir, generation);
    Handle fresh = null;
    try {
      deleteRecursively(next);
      Files.createDirectories(next);
      fresh = Handle.open(next, config);
      rewrite(old, fresh);
      syncDirectory(next);
      writeCurrent(dir, generation);
    } catch (IOException | LmdbException e) {
      if (fresh != null) {
        fresh.release();
      }
      throw new BackendException("defragment failed: " + e.getMessage(), e);
    }
    current = fresh;
    old.deleteWhenReleased = true;
    old.release();
    return new DefragmentResult(sizeBefore, inUseBefore, sizeBytes(), sizeInUseBytes());
  }

  /**
   * Copies every bucket of {@code from} (one read transaction: a consistent snapshot) into {@code
   * to} in key order with {@code MDB_APPEND}, so that pages come out full: a real compaction,
   * unlike {@code MDB_CP_COMPACT}, which only drops free pages and keeps half-empty ones. Commits
   * every {@value #DEFRAG_BATCH_ENTRIES} entries (each commit is synced, so the copy is durable
   * when this returns).
   */
  private static void rewrite(Handle from, Handle to) {
    try (Txn<byte[]> read = from.env.txnRead()) {
      Txn<byte[]> write = to.env.txnWrite();
      try {
        int inBatch = 0;
        for (Bucket b : Bucket.values()) {
          Dbi<byte[]> target = to.dbi(b);
          try (Cursor<byte[]> c = from.dbi(b).openCursor(read)) {
            for (boolean more = c.first(); more; more = c.next()) {
              target.put(write, c.key(), c.val(), PutFlags.MDB_APPEND);
              if (++inBatch == DEFRAG_BATCH_ENTRIES) {
                write.commit();
                write.close();
                write = to.env.txnWrite();
                inBatch = 0;
              }
            }
          }
        }
        write.commit();
      } finally {
        write.close();
      }
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    current.release();
  }
}
