package io.etcdj.snap;

import io.etcdj.raft.Bytes;
import io.etcdj.raft.ConfState;
import io.etcdj.raft.Snapshot;
import io.etcdj.raft.SnapshotMetadata;
import io.etcdj.wal.WalFileSystem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * Raft snapshot files in one directory ({@code member/snap}), named {@code %016x-%016x.snap} by
 * term and index.
 *
 * <p>File layout, little-endian: magic {@code "etcdjsn1"} (8 bytes), CRC-32C of everything after
 * this field (4), then index (8), term (8), the membership as five lists/flags (voters, learners,
 * outgoing voters, learners next: each a count (4) and IDs (8 each); auto-leave (1)), the data
 * length (4) and the data. A file is written under {@code .tmp}, synced, renamed and the directory
 * synced, so it is either whole or absent after a crash.
 *
 * <p>{@link #loadNewest} returns the newest file that checks out; a file that does not is renamed
 * {@code *.broken} and reported, never used. Confined to one thread.
 */
public final class Snapshotter {
  private static final Pattern NAME = Pattern.compile("([0-9a-f]{16})-([0-9a-f]{16})\\.snap");
  private static final byte[] MAGIC =
      "etcdjsn1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /** What loading found: the newest good snapshot, if any, and the files set aside as broken. */
  public record Loaded(Optional<Snapshot> snapshot, List<String> broken) {
    public Loaded {
      broken = List.copyOf(broken);
    }
  }

  private final WalFileSystem fs;
  private final Path dir;

  public Snapshotter(WalFileSystem fs, Path dir) throws IOException {
    this.fs = fs;
    this.dir = dir;
    fs.createDirectories(dir);
  }

  static String fileName(long term, long index) {
    return String.format(Locale.ROOT, "%016x-%016x.snap", term, index);
  }

  /** Saves {@code snapshot} durably. */
  public void save(Snapshot snapshot) throws IOException {
    if (snapshot.isEmpty()) {
      throw new IllegalArgumentException("an empty snapshot is not saved");
    }
    SnapshotMetadata metadata = snapshot.metadata();
    byte[] bytes = encode(snapshot);
    String name = fileName(metadata.term(), metadata.index());
    Path tmp = dir.resolve(name + ".tmp");
    fs.delete(tmp);
    try (WalFileSystem.WalFile file = fs.create(tmp)) {
      file.write(0, bytes, 0, bytes.length);
      file.force();
    }
    fs.rename(tmp, dir.resolve(name));
    fs.syncDirectory(dir);
  }

  /** The newest snapshot that checks out; broken files are renamed {@code .broken}. */
  public Loaded loadNewest() throws IOException {
    List<String> broken = new ArrayList<>();
    for (String name : namesNewestFirst()) {
      Path file = dir.resolve(name);
      byte[] bytes;
      try (WalFileSystem.WalFile handle = fs.open(file)) {
        bytes = handle.read(0, (int) Math.min(Integer.MAX_VALUE, handle.size()));
      }
      Optional<Snapshot> decoded = decode(bytes);
      Matcher m = NAME.matcher(name);
      if (decoded.isPresent()
          && m.matches()
          && decoded.get().metadata().term() == Long.parseUnsignedLong(m.group(1), 16)
          && decoded.get().metadata().index() == Long.parseUnsignedLong(m.group(2), 16)) {
        if (!broken.isEmpty()) {
          fs.syncDirectory(dir);
        }
        return new Loaded(decoded, broken);
      }
      fs.rename(file, dir.resolve(name + ".broken"));
      broken.add(name);
    }
    if (!broken.isEmpty()) {
      fs.syncDirectory(dir);
    }
    return new Loaded(Optional.empty(), broken);
  }

  /**
   * Deletes the oldest snapshot files while more than {@code maxSnapshots} remain (0 keeps all).
   * Returns the names deleted.
   */
  public List<String> purge(int maxSnapshots) throws IOException {
    List<String> deleted = new ArrayList<>();
    if (maxSnapshots <= 0) {
      return deleted;
    }
    List<String> names = namesNewestFirst();
    for (int i = maxSnapshots; i < names.size(); i++) {
      fs.delete(dir.resolve(names.get(i)));
      deleted.add(names.get(i));
    }
    if (!deleted.isEmpty()) {
      fs.syncDirectory(dir);
    }
    return deleted;
  }

  private List<String> namesNewestFirst() throws IOException {
    List<String> names = new ArrayList<>();
    for (String name : fs.list(dir)) {
      if (NAME.matcher(name).matches()) {
        names.add(name);
      }
    }
    // Fixed-width hex names sort by (term, index).
    names.sort(Comparator.reverseOrder());
    return names;
  }

  static byte[] encode(Snapshot snapshot) {
    SnapshotMetadata metadata = snapshot.metadata();
    ConfState conf = metadata.confState();
    int idCount =
        conf.voters().size()
            + conf.learners().size()
            + conf.votersOutgoing().size()
            + conf.learnersNext().size();
    int bodyLength = 16 + 4 * 4 + 8 * idCount + 1 + 4 + snapshot.data().size();
    ByteBuffer out = ByteBuffer.allocate(8 + 4 + bodyLength).order(ByteOrder.LITTLE_ENDIAN);
    out.put(MAGIC).putInt(0);
    out.putLong(metadata.index()).putLong(metadata.term());
    for (List<Long> ids :
        List.of(conf.voters(), conf.learners(), conf.votersOutgoing(), conf.learnersNext())) {
      out.putInt(ids.size());
      ids.forEach(out::putLong);
    }
    out.put((byte) (conf.autoLeave() ? 1 : 0));
    out.putInt(snapshot.data().size());
    snapshot.data().writeTo(out);
    byte[] bytes = out.array();
    CRC32C crc = new CRC32C();
    crc.update(bytes, 12, bytes.length - 12);
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(8, (int) crc.getValue());
    return bytes;
  }

  /** Decodes a snapshot file; empty if it is damaged in any way. */
  static Optional<Snapshot> decode(byte[] bytes) {
    if (bytes.length < 12 + 16 + 16 + 1 + 4) {
      return Optional.empty();
    }
    ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (byte b : MAGIC) {
      if (in.get() != b) {
        return Optional.empty();
      }
    }
    int stored = in.getInt();
    CRC32C crc = new CRC32C();
    crc.update(bytes, 12, bytes.length - 12);
    if ((int) crc.getValue() != stored) {
      return Optional.empty();
    }
    try {
      long index = in.getLong();
      long term = in.getLong();
      List<List<Long>> lists = new ArrayList<>();
      for (int l = 0; l < 4; l++) {
        int count = in.getInt();
        if (count < 0 || count > in.remaining() / 8) {
          return Optional.empty();
        }
        List<Long> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          ids.add(in.getLong());
        }
        lists.add(ids);
      }
      boolean autoLeave = in.get() != 0;
      int dataLength = in.getInt();
      if (dataLength != in.remaining() || index <= 0 || term < 0) {
        return Optional.empty();
      }
      byte[] data = new byte[dataLength];
      in.get(data);
      ConfState conf =
          new ConfState(lists.get(0), lists.get(1), lists.get(2), lists.get(3), autoLeave);
      return Optional.of(new Snapshot(new SnapshotMetadata(index, term, conf), Bytes.copyOf(data)));
    } catch (java.nio.BufferUnderflowException e) {
      return Optional.empty();
    }
  }
}
