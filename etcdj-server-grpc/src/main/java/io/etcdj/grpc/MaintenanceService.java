package io.etcdj.grpc;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.AlarmRequest;
import io.etcdj.api.etcdserverpb.AlarmResponse;
import io.etcdj.api.etcdserverpb.DefragmentRequest;
import io.etcdj.api.etcdserverpb.DefragmentResponse;
import io.etcdj.api.etcdserverpb.HashKVRequest;
import io.etcdj.api.etcdserverpb.HashKVResponse;
import io.etcdj.api.etcdserverpb.HashRequest;
import io.etcdj.api.etcdserverpb.HashResponse;
import io.etcdj.api.etcdserverpb.MaintenanceGrpc;
import io.etcdj.api.etcdserverpb.MoveLeaderRequest;
import io.etcdj.api.etcdserverpb.MoveLeaderResponse;
import io.etcdj.api.etcdserverpb.SnapshotRequest;
import io.etcdj.api.etcdserverpb.SnapshotResponse;
import io.etcdj.api.etcdserverpb.StatusRequest;
import io.etcdj.api.etcdserverpb.StatusResponse;
import io.etcdj.server.EtcdServer;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/** etcd's Maintenance service over the server core. */
final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
  private static final int SNAPSHOT_CHUNK = 32 * 1024;

  private final EtcdServer server;
  private final Executor blocking;

  MaintenanceService(EtcdServer server, Executor blocking) {
    this.server = server;
    this.blocking = blocking;
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
    Replies.now(server::status, out);
  }

  @Override
  public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> out) {
    Replies.reply(() -> server.alarm(request), out);
  }

  @Override
  public void defragment(DefragmentRequest request, StreamObserver<DefragmentResponse> out) {
    Replies.reply(server::defragment, out);
  }

  @Override
  public void hash(HashRequest request, StreamObserver<HashResponse> out) {
    Replies.reply(() -> CompletableFuture.supplyAsync(server::hash, blocking), out);
  }

  @Override
  public void hashKV(HashKVRequest request, StreamObserver<HashKVResponse> out) {
    Replies.reply(() -> CompletableFuture.supplyAsync(() -> server.hashKv(request), blocking), out);
  }

  @Override
  public void moveLeader(MoveLeaderRequest request, StreamObserver<MoveLeaderResponse> out) {
    // etcd 3.4 answers MoveLeader without a header.
    Replies.reply(
        () ->
            server
                .moveLeader(request.getTargetID())
                .thenApply(r -> MoveLeaderResponse.getDefaultInstance()),
        out);
  }

  /**
   * Streams a consistent copy of the backend in 32 KiB chunks counting {@code remaining_bytes}
   * down, then the SHA-256 of everything sent, as etcd does (etcdctl checks it).
   */
  @Override
  public void snapshot(SnapshotRequest request, StreamObserver<SnapshotResponse> out) {
    blocking.execute(
        () -> {
          Path tmp = null;
          try {
            tmp = Files.createTempFile("etcdj-snapshot", ".db");
            try (OutputStream os = Files.newOutputStream(tmp)) {
              server.snapshot(os);
              // etcdctl finds the trailing SHA-256 by the size: data ≡ 0 (mod 512), as a bbolt
              // file always is. The backend snapshot format ignores what follows its checksum.
              long size = Files.size(tmp);
              int pad = (int) ((512 - size % 512) % 512);
              os.write(new byte[pad]);
            }
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            long remaining = Files.size(tmp);
            try (InputStream in = Files.newInputStream(tmp)) {
              byte[] buf = new byte[SNAPSHOT_CHUNK];
              while (remaining > 0) {
                int n = in.readNBytes(buf, 0, (int) Math.min(buf.length, remaining));
                if (n <= 0) {
                  throw new IOException("snapshot file shrank while streaming");
                }
                remaining -= n;
                sha.update(buf, 0, n);
                out.onNext(
                    SnapshotResponse.newBuilder()
                        .setRemainingBytes(remaining)
                        .setBlob(ByteString.copyFrom(buf, 0, n))
                        .build());
              }
            }
            out.onNext(
                SnapshotResponse.newBuilder().setBlob(ByteString.copyFrom(sha.digest())).build());
            out.onCompleted();
          } catch (IOException | NoSuchAlgorithmException | RuntimeException e) {
            out.onError(
                Status.UNKNOWN
                    .withDescription(String.valueOf(e.getMessage()))
                    .asRuntimeException());
          } finally {
            if (tmp != null) {
              try {
                Files.deleteIfExists(tmp);
              } catch (IOException ignored) {
                // a temporary file; the OS cleans its temp directory
              }
            }
          }
        });
  }
}
