package io.etcdj.wal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * An in-memory {@link WalFileSystem} that behaves like a disk under power loss, for tests and the
 * deterministic simulation.
 *
 * <p>Design note. Each file keeps two versions: what readers see now, and what would survive a
 * crash. A write or truncate changes the first and is queued as pending; {@link WalFile#force()}
 * makes the file's pending operations durable. Names work the same way at the directory level:
 * creating, renaming or deleting changes the visible namespace at once and the durable namespace
 * only on {@link #syncDirectory(Path)} of the parent. {@link #crash()} throws away everything not
 * durable — except that, as on a real disk, a random prefix of each file's pending operations may
 * have reached the platter anyway, the last of them possibly torn at a random byte. Directories are
 * created, and renamed with their files, durably at once (the WAL syncs their parents right after
 * anyway).
 *
 * <p>Faults: with {@link #failWrites(double)} and {@link #failSyncs(double)} a write or a sync
 * fails with an {@link IOException} at that rate (a failed write applies nothing; a failed sync
 * makes nothing durable). After {@link #crash()} every handle opened before it fails.
 *
 * <p>Confined to one thread; all randomness comes from the generator given at construction.
 */
public final class SimulatedDisk implements WalFileSystem {
  private final RandomGenerator random;
  private final TreeSet<Path> directories = new TreeSet<>();
  private final Map<Path, Inode> visible = new TreeMap<>();
  private final Map<Path, Inode> durable = new TreeMap<>();
  private long generation;
  private double writeFailureRate;
  private double syncFailureRate;
  private long writes;
  private long syncs;

  public SimulatedDisk(RandomGenerator random) {
    this.random = random;
  }

  /** Makes each later write fail with probability {@code rate}. */
  public void failWrites(double rate) {
    this.writeFailureRate = rate;
  }

  /** Makes each later file or directory sync fail with probability {@code rate}. */
  public void failSyncs(double rate) {
    this.syncFailureRate = rate;
  }

  /** Successful writes so far. */
  public long writes() {
    return writes;
  }

  /** Successful file syncs so far. */
  public long syncs() {
    return syncs;
  }

  /**
   * Power loss: the namespace reverts to what was last synced; each file keeps its durable content
   * plus a random prefix of its pending operations (the last one possibly torn). Handles opened
   * before the crash stop working.
   */
  public void crash() {
    generation++;
    visible.clear();
    visible.putAll(durable);
    java.util.Set<Inode> crashed =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (Inode inode : durable.values()) { // path order: the random draws are reproducible
      if (crashed.add(inode)) {
        inode.crash(random);
      }
    }
  }

  /** The visible content of {@code file} (tests only). */
  public byte[] contents(Path file) throws IOException {
    return inode(file).visibleContent();
  }

  /**
   * Replaces the content of {@code file}, durably, as a disk error or an operator would (tests of
   * corruption only).
   */
  public void replaceDurably(Path file, byte[] content) throws IOException {
    inode(file).replace(content);
  }

  private Inode inode(Path file) throws IOException {
    Inode inode = visible.get(file);
    if (inode == null) {
      throw new java.nio.file.NoSuchFileException(file.toString());
    }
    return inode;
  }

  @Override
  public void createDirectories(Path dir) {
    for (Path p = dir; p != null; p = p.getParent()) {
      directories.add(p);
    }
  }

  @Override
  public boolean exists(Path path) {
    return visible.containsKey(path) || directories.contains(path);
  }

  @Override
  public List<String> list(Path dir) throws IOException {
    if (!directories.contains(dir)) {
      throw new java.nio.file.NoSuchFileException(dir.toString());
    }
    TreeSet<String> names = new TreeSet<>();
    for (Path p : visible.keySet()) {
      if (dir.equals(p.getParent())) {
        names.add(String.valueOf(p.getFileName()));
      }
    }
    for (Path p : directories) {
      if (dir.equals(p.getParent())) {
        names.add(String.valueOf(p.getFileName()));
      }
    }
    return List.copyOf(names);
  }

  @Override
  public WalFile create(Path file) throws IOException {
    requireParent(file);
    if (visible.containsKey(file) || directories.contains(file)) {
      throw new java.nio.file.FileAlreadyExistsException(file.toString());
    }
    Inode inode = new Inode();
    visible.put(file, inode);
    return new Handle(inode, generation);
  }

  @Override
  public WalFile open(Path file) throws IOException {
    return new Handle(inode(file), generation);
  }

  @Override
  public void rename(Path from, Path to) throws IOException {
    requireParent(to);
    if (directories.contains(from)) {
      // Directory renames move every file below it; durable as soon as the parent is synced.
      List<Path> moved = new ArrayList<>();
      for (Path p : visible.keySet()) {
        if (p.startsWith(from)) {
          moved.add(p);
        }
      }
      for (Path p : moved) {
        Inode inode = visible.remove(p);
        visible.put(to.resolve(from.relativize(p)), inode);
        Inode durableInode = durable.remove(p);
        if (durableInode != null) {
          durable.put(to.resolve(from.relativize(p)), durableInode);
        }
      }
      List<Path> movedDirs = new ArrayList<>(directories.subSet(from, true, from, true));
      for (Path d : new ArrayList<>(directories)) {
        if (d.startsWith(from) && !movedDirs.contains(d)) {
          movedDirs.add(d);
        }
      }
      for (Path d : movedDirs) {
        directories.remove(d);
        directories.add(to.resolve(from.relativize(d)));
      }
      return;
    }
    Inode inode = inode(from);
    visible.remove(from);
    visible.put(to, inode);
  }

  @Override
  public void delete(Path path) throws IOException {
    if (directories.contains(path)) {
      if (!list(path).isEmpty()) {
        throw new java.nio.file.DirectoryNotEmptyException(path.toString());
      }
      directories.remove(path);
      return;
    }
    visible.remove(path);
  }

  @Override
  public void syncDirectory(Path dir) throws IOException {
    if (!directories.contains(dir)) {
      throw new java.nio.file.NoSuchFileException(dir.toString());
    }
    maybeFail(syncFailureRate, "fsync of directory " + dir);
    durable.keySet().removeIf(p -> dir.equals(p.getParent()));
    for (Map.Entry<Path, Inode> entry : visible.entrySet()) {
      if (dir.equals(entry.getKey().getParent())) {
        durable.put(entry.getKey(), entry.getValue());
      }
    }
  }

  private void requireParent(Path file) throws IOException {
    Path parent = file.getParent();
    if (parent != null && !directories.contains(parent)) {
      throw new java.nio.file.NoSuchFileException(parent.toString());
    }
  }

  private void maybeFail(double rate, String what) throws IOException {
    if (rate > 0 && random.nextDouble() < rate) {
      throw new IOException("simulated disk fault: " + what);
    }
  }

  /** A pending write ({@code data} at {@code position}) or truncate ({@code data} null). */
  private record Pending(long position, byte @Nullable [] data) {}

  /** One file's visible bytes, durable bytes and the operations between them. */
  private static final class Inode {
    private byte[] visibleBytes = new byte[0];
    private int visibleSize;
    private byte[] durableBytes = new byte[0];
    private final List<Pending> pending = new ArrayList<>();

    byte[] visibleContent() {
      return Arrays.copyOf(visibleBytes, visibleSize);
    }

    void write(long position, byte[] data, int offset, int length) {
      int end = Math.toIntExact(position + length);
      if (end > visibleBytes.length) {
        visibleBytes = Arrays.copyOf(visibleBytes, Math.max(end, visibleBytes.length * 2));
      }
      if (position > visibleSize) {
        Arrays.fill(visibleBytes, visibleSize, (int) position, (byte) 0);
      }
      System.arraycopy(data, offset, visibleBytes, (int) position, length);
      visibleSize = Math.max(visibleSize, end);
      pending.add(new Pending(position, Arrays.copyOfRange(data, offset, offset + length)));
    }

    void truncate(long size) {
      int newSize = Math.toIntExact(Math.min(size, visibleSize));
      visibleSize = newSize;
      pending.add(new Pending(newSize, null));
    }

    void force() {
      durableBytes = visibleContent();
      pending.clear();
    }

    void replace(byte[] content) {
      visibleBytes = content.clone();
      visibleSize = content.length;
      force();
    }

    void crash(RandomGenerator random) {
      byte[] result = durableBytes.clone();
      int kept = pending.isEmpty() ? 0 : random.nextInt(pending.size() + 1);
      for (int i = 0; i < kept; i++) {
        Pending op = pending.get(i);
        byte[] data = op.data();
        if (data == null) {
          result = Arrays.copyOf(result, (int) Math.min(op.position(), result.length));
          continue;
        }
        int length = data.length;
        if (i == kept - 1 && length > 0) {
          length = random.nextInt(length + 1); // the last one may be torn
        }
        int end = (int) op.position() + length;
        if (end > result.length) {
          result = Arrays.copyOf(result, end);
        }
        System.arraycopy(data, 0, result, (int) op.position(), length);
      }
      replace(result);
    }
  }

  private final class Handle implements WalFile {
    private final Inode inode;
    private final long openedInGeneration;
    private boolean closed;

    Handle(Inode inode, long generation) {
      this.inode = inode;
      this.openedInGeneration = generation;
    }

    private void check() throws IOException {
      if (closed) {
        throw new IOException("file is closed");
      }
      if (openedInGeneration != generation) {
        throw new IOException("simulated disk crashed since this file was opened");
      }
    }

    @Override
    public byte[] read(long position, int length) throws IOException {
      check();
      int from = (int) Math.min(position, inode.visibleSize);
      int to = (int) Math.min(position + length, inode.visibleSize);
      return Arrays.copyOfRange(inode.visibleBytes, from, to);
    }

    @Override
    public void write(long position, byte[] data, int offset, int length) throws IOException {
      check();
      maybeFail(writeFailureRate, "write");
      inode.write(position, data, offset, length);
      writes++;
    }

    @Override
    public long size() throws IOException {
      check();
      return inode.visibleSize;
    }

    @Override
    public void truncate(long size) throws IOException {
      check();
      inode.truncate(size);
    }

    @Override
    public void force() throws IOException {
      check();
      maybeFail(syncFailureRate, "fsync");
      inode.force();
      syncs++;
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
