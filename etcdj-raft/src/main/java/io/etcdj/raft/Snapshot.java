package io.etcdj.raft;

import java.util.Objects;

/**
 * A raft snapshot: the application state up to {@code metadata.index()}, opaque to raft.
 *
 * @param metadata the snapshot's position and membership
 * @param data the application's encoding of its state (etcd: the backend's consistent copy is sent
 *     separately; this may then hold only what the server needs to find it)
 */
public record Snapshot(SnapshotMetadata metadata, Bytes data) {
  public static final Snapshot EMPTY = new Snapshot(SnapshotMetadata.EMPTY, Bytes.EMPTY);

  public Snapshot {
    Objects.requireNonNull(metadata, "metadata");
    Objects.requireNonNull(data, "data");
  }

  public boolean isEmpty() {
    return metadata.index() == 0;
  }
}
