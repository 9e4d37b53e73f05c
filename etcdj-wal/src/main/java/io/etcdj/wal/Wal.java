package io.etcdj.wal;

import io.etcdj.raft.Entry;
import io.etcdj.raft.HardState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The write-ahead log: every raft hard state and entry, CRC-chained and fsynced, before the member
 * acts on it.
 *
 * <p>Design note. The log is a directory of segments named {@code %016x-%016x.wal} (sequence
 * number, index of the first entry the segment may hold). Each segment opens with a {@link
 * WalRecord.Crc} carrying the running CRC, a {@link WalRecord.Metadata}, and — from the second
 * segment on — the last {@link WalRecord.State}, so that a segment read alone is complete. {@link
 * #save} appends a batch (entries, then the hard state) with one write and at most one fsync; when
 * a segment passes {@link WalOptions#segmentBytes()} it is cut: truncated to its length, synced,
 * and the next one is prepared under a temporary name, synced and renamed, and the directory
 * synced. Record bytes are described in {@code RecordCodec}.
 *
 * <p>Opening reads from the segment that holds the snapshot marker onward. In the last segment a
 * record that is incomplete, or fails its checks with nothing but zeros after it, is a torn tail:
 * the tail is zeroed, which is reported in {@link OpenedWal#repairs()}. Every other problem — a bad
 * record before the end, a missing segment, a sequence gap, a broken CRC chain across segments, a
 * snapshot the log does not reach back to — refuses to open with a {@link WalCorruptException}
 * naming the file and offset. No record is ever dropped silently.
 *
 * <p>Confined to one thread (the raft loop's persistence step). An {@link IOException} from a write
 * or a sync leaves the log failed: every later call throws, because a failed fsync may have lost
 * the data it covered and retrying would acknowledge what is not on disk.
 *
 * <p>Worked example: a fresh log in {@code member/wal} has {@code
 * 0000000000000000-0000000000000000.wal} = [crc 0, metadata, snapshot(0,0)]. Saving entries 1..3
 * and hard state (term 2, vote 1, commit 3) appends [entry 1, entry 2, entry 3, state]. When the
 * segment is full after entry 900, the next is {@code 0000000000000001-0000000000000385.wal} (0x385
 * = 901) = [crc c, metadata, state].
 */
public final class Wal implements AutoCloseable {
  private static final Pattern SEGMENT_NAME =
      Pattern.compile("([0-9a-f]{16})-([0-9a-f]{16})\\.wal");
  private static final int ZERO_CHUNK_BYTES = 1 << 20;

  /** A segment file: its sequence number and the first index it may hold. */
  record Segment(long sequence, long firstIndex) {
    String fileName() {
      return String.format(Locale.ROOT, "%016x-%016x.wal", sequence, firstIndex);
    }
  }

  private final WalFileSystem fs;
  private final Path dir;
  private final WalOptions options;
  private final WalRecord.Metadata metadata;
  private final List<Segment> segments;
  private WalFileSystem.WalFile tail;
  private long tailOffset;
  private long lastIndex;
  private HardState lastState;
  private final RecordCodec.Encoder encoder;
  private boolean unsynced;
  private boolean failed;
  private boolean closed;

  private Wal(
      WalFileSystem fs,
      Path dir,
      WalOptions options,
      WalRecord.Metadata metadata,
      List<Segment> segments,
      WalFileSystem.WalFile tail,
      long tailOffset,
      int runningCrc,
      long lastIndex,
      HardState lastState) {
    this.fs = fs;
    this.dir = dir;
    this.options = options;
    this.metadata = metadata;
    this.segments = new ArrayList<>(segments);
    this.tail = tail;
    this.tailOffset = tailOffset;
    this.encoder = new RecordCodec.Encoder(runningCrc);
    this.lastIndex = lastIndex;
    this.lastState = lastState;
  }

  /** Whether {@code dir} holds a WAL (at least one segment). */
  public static boolean exists(WalFileSystem fs, Path dir) throws IOException {
    return fs.exists(dir) && fs.list(dir).stream().anyMatch(n -> SEGMENT_NAME.matcher(n).matches());
  }

  /**
   * Creates a new WAL in {@code dir}, which must not hold one. The first segment is written under
   * {@code dir.tmp} and renamed into place, so a crash leaves either no WAL or a whole one.
   */
  public static Wal create(
      WalFileSystem fs, Path dir, WalRecord.Metadata metadata, WalOptions options)
      throws IOException {
    if (exists(fs, dir)) {
      throw new IOException(dir + ": a WAL already exists");
    }
    Path parent = dir.getParent() != null ? dir.getParent() : dir.toAbsolutePath().getParent();
    if (parent == null) {
      throw new IOException(dir + ": a WAL directory needs a parent directory");
    }
    Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp");
    if (fs.exists(tmp)) {
      for (String name : fs.list(tmp)) {
        fs.delete(tmp.resolve(name));
      }
      fs.delete(tmp);
    }
    fs.createDirectories(tmp);
    Segment first = new Segment(0, 0);
    WalFileSystem.WalFile file = fs.create(tmp.resolve(first.fileName()));
    if (options.preallocate()) {
      zeroFill(file, 0, options.segmentBytes());
    }
    RecordCodec.Encoder encoder = new RecordCodec.Encoder(0);
    encoder.add(new WalRecord.Crc(0));
    encoder.add(metadata);
    encoder.add(new WalRecord.SnapshotMarker(0, 0));
    file.write(0, encoder.bytes(), 0, encoder.size());
    file.force();
    file.close();
    fs.syncDirectory(tmp);
    if (fs.exists(dir)) {
      fs.delete(dir); // an empty directory left by an operator or an earlier failed create
    }
    fs.rename(tmp, dir);
    fs.syncDirectory(parent);
    WalFileSystem.WalFile tail = fs.open(dir.resolve(first.fileName()));
    return new Wal(
        fs,
        dir,
        options,
        metadata,
        List.of(first),
        tail,
        encoder.size(),
        encoder.runningCrc(),
        0,
        HardState.EMPTY);
  }

  /**
   * Opens the WAL in {@code dir} at {@code snapshot} (use {@code new SnapshotMarker(0, 0)} for
   * none): reads every record after it, repairs a torn tail, and positions the log to append.
   *
   * @throws WalCorruptException if the log is damaged other than by a torn tail
   */
  public static OpenedWal open(
      WalFileSystem fs, Path dir, WalRecord.SnapshotMarker snapshot, WalOptions options)
      throws IOException {
    List<Segment> all = listSegments(fs, dir);
    if (all.isEmpty()) {
      throw new WalCorruptException(dir, "no WAL segments");
    }
    for (int i = 1; i < all.size(); i++) {
      Segment previous = all.get(i - 1);
      Segment segment = all.get(i);
      if (segment.sequence() != previous.sequence() + 1) {
        throw new WalCorruptException(
            dir,
            "sequence gap: segment "
                + segment.fileName()
                + " follows "
                + previous.fileName()
                + " (a segment is missing)");
      }
      if (segment.firstIndex() < previous.firstIndex()) {
        throw new WalCorruptException(
            dir, "segment " + segment.fileName() + " starts below " + previous.fileName());
      }
    }
    int start = -1;
    for (int i = 0; i < all.size(); i++) {
      if (all.get(i).firstIndex() <= snapshot.index()) {
        start = i;
      }
    }
    if (start < 0) {
      throw new WalCorruptException(
          dir,
          "the WAL does not reach back to the snapshot at index "
              + snapshot.index()
              + "; its oldest segment is "
              + all.get(0).fileName());
    }

    WalRecord.@Nullable Metadata metadata = null;
    HardState state = HardState.EMPTY;
    List<Entry> entries = new ArrayList<>();
    boolean snapshotFound = snapshot.index() == 0 && snapshot.term() == 0;
    List<String> repairs = new ArrayList<>();
    int runningCrc = 0;
    long tailOffset = 0;
    for (int i = start; i < all.size(); i++) {
      Segment segment = all.get(i);
      Path file = dir.resolve(segment.fileName());
      boolean last = i == all.size() - 1;
      byte[] bytes;
      try (WalFileSystem.WalFile handle = fs.open(file)) {
        long size = handle.size();
        if (size > Integer.MAX_VALUE) {
          throw new WalCorruptException(file, 0, "segment larger than 2 GiB");
        }
        bytes = handle.read(0, (int) size);
      }
      SegmentReader reader = new SegmentReader(bytes, runningCrc);
      boolean firstRecord = true;
      for (WalRecord record = reader.next(); record != null; record = reader.next()) {
        if (firstRecord) {
          firstRecord = false;
          if (!(record instanceof WalRecord.Crc crc)) {
            throw new WalCorruptException(file, 0, "segment does not start with a crc record");
          }
          if (i > start && crc.crc() != runningCrc) {
            throw new WalCorruptException(
                file, 0, "CRC chain broken across segments (a segment was replaced or altered)");
          }
          continue;
        }
        switch (record) {
          case WalRecord.Crc crc ->
              throw new WalCorruptException(file, reader.goodEnd(), "crc record inside a segment");
          case WalRecord.Metadata m -> {
            if (metadata != null && !metadata.equals(m)) {
              throw new WalCorruptException(
                  file, reader.goodEnd(), "metadata " + m + " differs from " + metadata);
            }
            metadata = m;
          }
          case WalRecord.State s -> state = s.state();
          case WalRecord.SnapshotMarker s -> {
            if (s.index() == snapshot.index()) {
              if (s.term() != snapshot.term()) {
                throw new WalCorruptException(
                    file,
                    reader.goodEnd(),
                    "snapshot marker at index "
                        + s.index()
                        + " has term "
                        + s.term()
                        + ", expected "
                        + snapshot.term());
              }
              snapshotFound = true;
            }
          }
          case WalRecord.EntryRecord e -> {
            Entry entry = e.entry();
            if (entry.index() <= snapshot.index()) {
              // Covered by the snapshot; but as a later write it still replaces every entry
              // after it that an earlier write left.
              entries.clear();
              continue;
            }
            long previous = entries.isEmpty() ? snapshot.index() : entries.getLast().index();
            if (entry.index() > previous + 1) {
              throw new WalCorruptException(
                  file,
                  reader.goodEnd(),
                  "entry gap: entry " + entry.index() + " follows entry " + previous);
            }
            int keep = (int) (entry.index() - snapshot.index() - 1);
            while (entries.size() > keep) {
              entries.removeLast();
            }
            entries.add(entry);
          }
        }
      }
      SegmentReader.Stop stop = reader.stop();
      if (stop.problem() != null) {
        boolean torn = last && (stop.incomplete() || tornBeyond(reader, bytes, stop.offset()));
        if (!torn) {
          throw new WalCorruptException(file, stop.offset(), stop.problem());
        }
        repairs.add(repairTornTail(fs, file, stop.offset(), bytes));
      } else if (!last && stop.offset() != bytes.length) {
        throw new WalCorruptException(
            file, stop.offset(), "records end before the end of a closed segment");
      }
      if (firstRecord) {
        // A segment is renamed into place only after its opening records are durable.
        throw new WalCorruptException(file, 0, "segment holds no records");
      }
      runningCrc = reader.runningCrc();
      tailOffset = reader.goodEnd();
    }
    if (metadata == null) {
      throw new WalCorruptException(dir, "no metadata record");
    }
    if (!snapshotFound) {
      throw new WalCorruptException(
          dir, "no snapshot marker for index " + snapshot.index() + " term " + snapshot.term());
    }
    long lastIndex = entries.isEmpty() ? snapshot.index() : entries.getLast().index();
    Segment lastSegment = all.get(all.size() - 1);
    WalFileSystem.WalFile tail = fs.open(dir.resolve(lastSegment.fileName()));
    // What was read may still sit unsynced in the page cache (the process that wrote it may
    // have died before its fsync); the member will act on it, so make it durable first.
    tail.force();
    Wal wal =
        new Wal(fs, dir, options, metadata, all, tail, tailOffset, runningCrc, lastIndex, state);
    return new OpenedWal(wal, metadata, state, entries, repairs);
  }

  /** Whether the bad frame at {@code offset} is followed by nothing but zeros. */
  private static boolean tornBeyond(SegmentReader reader, byte[] bytes, long offset) {
    // A header whose check fails cannot be trusted for a length: then only zeros may follow
    // the header itself. A header that checks out tells where its frame ends.
    java.nio.ByteBuffer in =
        java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    int at = (int) offset;
    long dataLength = Integer.toUnsignedLong(in.getInt(at));
    boolean headerGood = in.getInt(at + 12) == RecordCodec.headerCheck(bytes, at);
    long end =
        headerGood && dataLength <= RecordCodec.MAX_DATA_BYTES
            ? offset + RecordCodec.frameLength((int) dataLength)
            : offset + RecordCodec.HEADER_BYTES;
    return reader.onlyZerosFrom(end);
  }

  /** Zeros the torn tail from {@code offset}, durably; returns the line for the report. */
  private static String repairTornTail(WalFileSystem fs, Path file, long offset, byte[] bytes)
      throws IOException {
    int lastNonZero = bytes.length - 1;
    while (lastNonZero >= offset && bytes[lastNonZero] == 0) {
      lastNonZero--;
    }
    try (WalFileSystem.WalFile handle = fs.open(file)) {
      zeroFill(handle, offset, lastNonZero + 1);
      handle.force();
    }
    return "repaired torn tail of "
        + file.getFileName()
        + ": zeroed "
        + (lastNonZero + 1 - offset)
        + " bytes from offset "
        + offset;
  }

  private static List<Segment> listSegments(WalFileSystem fs, Path dir) throws IOException {
    if (!fs.exists(dir)) {
      throw new WalCorruptException(dir, "WAL directory does not exist");
    }
    List<Segment> segments = new ArrayList<>();
    for (String name : fs.list(dir)) {
      Matcher m = SEGMENT_NAME.matcher(name);
      if (m.matches()) {
        segments.add(
            new Segment(
                Long.parseUnsignedLong(m.group(1), 16), Long.parseUnsignedLong(m.group(2), 16)));
      }
    }
    segments.sort(java.util.Comparator.comparingLong(Segment::sequence));
    return segments;
  }

  private static void zeroFill(WalFileSystem.WalFile file, long from, long to) throws IOException {
    byte[] zeros = new byte[(int) Math.min(ZERO_CHUNK_BYTES, Math.max(0, to - from))];
    for (long at = from; at < to; at += zeros.length) {
      file.write(at, zeros, 0, (int) Math.min(zeros.length, to - at));
    }
  }

  public WalRecord.Metadata metadata() {
    return metadata;
  }

  /** The index of the last entry saved (or the snapshot index when none followed it). */
  public long lastIndex() {
    return lastIndex;
  }

  /** The segments, oldest first. */
  List<Segment> segments() {
    return List.copyOf(segments);
  }

  /**
   * Appends {@code entries} and then {@code state} (skipped if empty) in one write, and syncs once
   * if {@code mustSync} (raft's Ready says when: new entries, or a changed term or vote). An entry
   * whose index is at or below the last one replaces it and everything after it, as raft's log does
   * when a follower's conflicting suffix is overwritten.
   *
   * <p>Returns only once the batch is durable when {@code mustSync} is true; the caller may then
   * act on it (send the messages, acknowledge).
   */
  public void save(HardState state, List<Entry> entries, boolean mustSync) throws IOException {
    checkUsable();
    encoder.clear();
    long expected = lastIndex + 1;
    for (Entry entry : entries) {
      if (entry.index() > expected) {
        throw new IllegalArgumentException(
            "entry " + entry.index() + " would leave a gap after " + (expected - 1));
      }
      encoder.add(new WalRecord.EntryRecord(entry));
      expected = entry.index() + 1;
    }
    if (!state.isEmpty()) {
      encoder.add(new WalRecord.State(state));
    }
    if (encoder.size() == 0) {
      if (mustSync && unsynced) {
        sync(); // nothing new, but the caller asked that everything so far be durable
      }
      return;
    }
    writeEncoded(mustSync);
    if (!entries.isEmpty()) {
      lastIndex = entries.get(entries.size() - 1).index();
    }
    if (!state.isEmpty()) {
      lastState = state;
    }
    if (tailOffset >= options.segmentBytes()) {
      cut();
    }
  }

  /**
   * Records that a snapshot at {@code marker} was saved, durably, so the log can be opened at it.
   * Call after the snapshot file itself is durable.
   */
  public void saveSnapshot(WalRecord.SnapshotMarker marker) throws IOException {
    checkUsable();
    encoder.clear();
    encoder.add(marker);
    writeEncoded(true);
    if (marker.index() > lastIndex) {
      lastIndex = marker.index();
    }
    if (tailOffset >= options.segmentBytes()) {
      cut();
    }
  }

  private void writeEncoded(boolean sync) throws IOException {
    try {
      tail.write(tailOffset, encoder.bytes(), 0, encoder.size());
      tailOffset += encoder.size();
      unsynced = true;
      if (sync) {
        tail.force();
        unsynced = false;
      }
    } catch (IOException e) {
      failed = true;
      throw e;
    }
  }

  /** Ends the current segment and starts the next one. */
  private void cut() throws IOException {
    try {
      tail.truncate(tailOffset);
      tail.force();
      tail.close();
      Segment last = segments.get(segments.size() - 1);
      Segment next = new Segment(last.sequence() + 1, lastIndex + 1);
      Path tmp = dir.resolve(next.fileName() + ".tmp");
      fs.delete(tmp);
      WalFileSystem.WalFile file = fs.create(tmp);
      if (options.preallocate()) {
        zeroFill(file, 0, options.segmentBytes());
      }
      encoder.clear();
      encoder.add(new WalRecord.Crc(encoder.runningCrc()));
      encoder.add(metadata);
      if (!lastState.isEmpty()) {
        encoder.add(new WalRecord.State(lastState));
      }
      file.write(0, encoder.bytes(), 0, encoder.size());
      file.force();
      file.close();
      fs.rename(tmp, dir.resolve(next.fileName()));
      fs.syncDirectory(dir);
      tail = fs.open(dir.resolve(next.fileName()));
      tailOffset = encoder.size();
      unsynced = false;
      segments.add(next);
    } catch (IOException e) {
      failed = true;
      throw e;
    }
  }

  /**
   * Deletes segments that hold only entries at or below {@code snapshotIndex} while more than
   * {@code maxSegments} remain (0 keeps all), oldest first. The segment holding the snapshot
   * marker's index is always kept, so the log stays openable at that snapshot. Returns the names
   * deleted.
   */
  public List<String> purge(long snapshotIndex, int maxSegments) throws IOException {
    checkUsable();
    List<String> deleted = new ArrayList<>();
    if (maxSegments <= 0) {
      return deleted;
    }
    int keepFrom = 0;
    for (int i = 0; i < segments.size(); i++) {
      if (segments.get(i).firstIndex() <= snapshotIndex) {
        keepFrom = i;
      }
    }
    while (segments.size() > maxSegments && keepFrom > 0) {
      Segment oldest = segments.remove(0);
      keepFrom--;
      fs.delete(dir.resolve(oldest.fileName()));
      deleted.add(oldest.fileName());
    }
    if (!deleted.isEmpty()) {
      fs.syncDirectory(dir);
    }
    return deleted;
  }

  /** Syncs what was written without a sync. */
  public void sync() throws IOException {
    checkUsable();
    try {
      tail.force();
      unsynced = false;
    } catch (IOException e) {
      failed = true;
      throw e;
    }
  }

  private void checkUsable() {
    if (closed) {
      throw new IllegalStateException("the WAL is closed");
    }
    if (failed) {
      throw new IllegalStateException(
          "the WAL failed earlier (a write or fsync error) and may not be used");
    }
  }

  /** Syncs what is unsynced (unless the log failed) and closes the segment. */
  @Override
  public void close() throws IOException {
    if (!closed) {
      try {
        if (unsynced && !failed) {
          tail.force();
        }
      } finally {
        closed = true;
        tail.close();
      }
    }
  }
}
