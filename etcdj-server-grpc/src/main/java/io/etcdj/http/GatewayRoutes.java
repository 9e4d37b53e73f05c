package io.etcdj.http;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.etcdj.api.etcdserverpb.AlarmRequest;
import io.etcdj.api.etcdserverpb.CompactionRequest;
import io.etcdj.api.etcdserverpb.DefragmentRequest;
import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.HashRequest;
import io.etcdj.api.etcdserverpb.LeaseGrantRequest;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveRequest;
import io.etcdj.api.etcdserverpb.LeaseLeasesRequest;
import io.etcdj.api.etcdserverpb.LeaseRevokeRequest;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.etcdj.api.etcdserverpb.MemberListRequest;
import io.etcdj.api.etcdserverpb.MoveLeaderRequest;
import io.etcdj.api.etcdserverpb.MoveLeaderResponse;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.SnapshotRequest;
import io.etcdj.api.etcdserverpb.SnapshotResponse;
import io.etcdj.api.etcdserverpb.StatusRequest;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.api.etcdserverpb.WatchRequest;
import io.etcdj.api.etcdserverpb.WatchResponse;
import io.etcdj.grpc.GrpcErrors;
import io.etcdj.server.EtcdServer;
import io.etcdj.server.WatchStream;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * etcd 3.4's grpc-gateway on the client port: the v3 API as JSON over HTTP/1.1 POST, under {@code
 * /v3/} and {@code /v3beta/} (spec/api.md §9).
 *
 * <ul>
 *   <li>Unary calls: the body is one JSON request (an empty body is the empty request; anything
 *       after the first JSON value is ignored, as Go's decoder does); the answer is the response
 *       printed by {@link GatewayJson}, {@code 200 application/json}. A failure is {@code
 *       {"error":…,"message":…,"code":N}} with grpc-gateway v1's HTTP status for etcd's gRPC code
 *       ({@link GrpcErrors}); a body that is not JSON is 400 with code 3.
 *   <li>Streams ({@code lease/keepalive}, {@code watch}, {@code maintenance/snapshot}): the body is
 *       a sequence of JSON requests, answered by {@code {"result":…}} lines; a body whose first
 *       value is not JSON is 500 with code 2, as etcd answers. Keep-alive ends when the body ends;
 *       a watch stays open until the client closes the connection.
 *   <li>Other methods: 405; unknown paths under the prefixes: 404, Go's plain-text answers.
 * </ul>
 *
 * <p>Threads: handlers run on the event loop and never block; the server core's futures complete
 * elsewhere and their answers are written back on the request's context. Snapshots and hashing run
 * on virtual threads.
 */
public final class GatewayRoutes {
  private static final List<String> PREFIXES = List.of("/v3/", "/v3beta/");

  /** The largest JSON value read from a body (a 1.5 MiB put is about 2 MiB of base64). */
  private static final int MAX_JSON_VALUE_BYTES = 64 * 1024 * 1024;

  /** Responses with events queued for the event loop beyond which a watcher waits. */
  private static final int WATCH_PENDING_LIMIT = 256;

  private static final int SNAPSHOT_CHUNK = 32 * 1024;
  private static final long WRITE_TIMEOUT_SECONDS = 60;

  private static final Executor VIRTUAL =
      task -> Thread.ofVirtual().name("etcdj-gateway").start(task);

  private final EtcdServer server;

  private GatewayRoutes(EtcdServer server) {
    this.server = server;
  }

  /** Adds the gateway's routes to {@code router}; add other {@code /v3} routes before it. */
  public static void mount(Router router, EtcdServer server) {
    new GatewayRoutes(server).mountAll(router);
  }

  private void mountAll(Router router) {
    unary(router, List.of("kv/range"), RangeRequest.getDefaultInstance(), server::range);
    unary(router, List.of("kv/put"), PutRequest.getDefaultInstance(), server::put);
    unary(
        router,
        List.of("kv/deleterange"),
        DeleteRangeRequest.getDefaultInstance(),
        server::deleteRange);
    unary(router, List.of("kv/txn"), TxnRequest.getDefaultInstance(), server::txn);
    unary(
        router, List.of("kv/compaction"), CompactionRequest.getDefaultInstance(), server::compact);
    unary(
        router, List.of("lease/grant"), LeaseGrantRequest.getDefaultInstance(), server::leaseGrant);
    unary(
        router,
        List.of("lease/revoke", "kv/lease/revoke"),
        LeaseRevokeRequest.getDefaultInstance(),
        server::leaseRevoke);
    unary(
        router,
        List.of("lease/timetolive", "kv/lease/timetolive"),
        LeaseTimeToLiveRequest.getDefaultInstance(),
        server::leaseTimeToLive);
    unary(
        router,
        List.of("lease/leases", "kv/lease/leases"),
        LeaseLeasesRequest.getDefaultInstance(),
        r -> CompletableFuture.completedFuture(server.leaseLeases()));
    unary(
        router,
        List.of("cluster/member/list"),
        MemberListRequest.getDefaultInstance(),
        r -> CompletableFuture.completedFuture(server.memberList()));
    unary(
        router,
        List.of("maintenance/status"),
        StatusRequest.getDefaultInstance(),
        r -> CompletableFuture.completedFuture(server.status()));
    unary(router, List.of("maintenance/alarm"), AlarmRequest.getDefaultInstance(), server::alarm);
    unary(
        router,
        List.of("maintenance/defragment"),
        DefragmentRequest.getDefaultInstance(),
        r -> server.defragment());
    unary(
        router,
        List.of("maintenance/hash"),
        HashRequest.getDefaultInstance(),
        r -> CompletableFuture.supplyAsync(server::hash, VIRTUAL));
    // etcd 3.4 answers MoveLeader without a header.
    unary(
        router,
        List.of("maintenance/transfer-leadership"),
        MoveLeaderRequest.getDefaultInstance(),
        r ->
            server
                .moveLeader(r.getTargetID())
                .thenApply(ok -> MoveLeaderResponse.getDefaultInstance()));
    route(router, List.of("lease/keepalive"), this::keepAlive);
    route(router, List.of("watch"), this::watch);
    route(router, List.of("maintenance/snapshot"), this::snapshot);
    for (String prefix : PREFIXES) {
      router.route(prefix + "*").handler(ctx -> plain(cors(ctx.response()), 404, "Not Found"));
    }
  }

  // ---------------------------------------------------------------- routing and bodies

  private static void route(Router router, List<String> paths, Consumer<RoutingContext> handler) {
    for (String prefix : PREFIXES) {
      for (String path : paths) {
        router
            .route(prefix + path)
            .handler(
                ctx -> {
                  cors(ctx.response());
                  if (ctx.request().method() != HttpMethod.POST) {
                    plain(ctx.response(), 405, "Method Not Allowed");
                    return;
                  }
                  handler.accept(ctx);
                });
      }
    }
  }

  private <Q extends Message> void unary(
      Router router,
      List<String> paths,
      Q prototype,
      Function<Q, CompletableFuture<? extends Message>> call) {
    route(
        router,
        paths,
        ctx -> {
          Context context = ctx.vertx().getOrCreateContext();
          HttpServerResponse response = ctx.response();
          JsonValues values = new JsonValues(MAX_JSON_VALUE_BYTES);
          @Nullable String[] first = new String[1];
          HttpServerRequest request = ctx.request();
          request.handler(
              data -> {
                if (first[0] == null) {
                  List<String> got = values.feed(data);
                  if (!got.isEmpty()) {
                    first[0] = got.get(0);
                  }
                }
              });
          request.exceptionHandler(e -> {});
          request.endHandler(
              v -> {
                Q parsed;
                try {
                  parsed = parse(prototype, first[0], values);
                } catch (InvalidProtocolBufferException e) {
                  badJson(response, Status.Code.INVALID_ARGUMENT, message(e));
                  return;
                }
                CompletableFuture<? extends Message> answer;
                try {
                  answer = call.apply(parsed);
                } catch (RuntimeException e) {
                  failed(response, GrpcErrors.toStatus(e));
                  return;
                }
                answer.whenComplete(
                    (reply, err) ->
                        context.runOnContext(
                            x -> {
                              if (err != null || reply == null) {
                                failed(
                                    response,
                                    GrpcErrors.toStatus(
                                        err != null ? err : new IllegalStateException("no reply")));
                              } else {
                                ok(response, reply);
                              }
                            }));
              });
        });
  }

  /** The request in {@code json}; the empty request for an empty body. */
  @SuppressWarnings("unchecked")
  private static <Q extends Message> Q parse(Q prototype, @Nullable String json, JsonValues values)
      throws InvalidProtocolBufferException {
    if (json == null) {
      String error = values.error();
      if (error != null) {
        throw new InvalidProtocolBufferException(error);
      }
      if (values.partial()) {
        throw new InvalidProtocolBufferException("unexpected EOF");
      }
      return prototype;
    }
    Message.Builder builder = prototype.newBuilderForType();
    GatewayJson.parse(json, builder);
    return (Q) builder.build();
  }

  private static String message(InvalidProtocolBufferException e) {
    return String.valueOf(e.getMessage());
  }

  // ---------------------------------------------------------------- answers

  private static HttpServerResponse cors(HttpServerResponse response) {
    return response
        .putHeader("Access-Control-Allow-Headers", "accept, content-type, authorization")
        .putHeader("Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE")
        .putHeader("Access-Control-Allow-Origin", "*");
  }

  /** Go's {@code http.Error}. */
  private static void plain(HttpServerResponse response, int status, String text) {
    response
        .setStatusCode(status)
        .putHeader("Content-Type", "text/plain; charset=utf-8")
        .putHeader("X-Content-Type-Options", "nosniff")
        .end(text + "\n");
  }

  private static void ok(HttpServerResponse response, Message reply) {
    if (response.closed() || response.ended()) {
      return;
    }
    response
        .setStatusCode(200)
        .putHeader("Content-Type", "application/json")
        .putHeader("Grpc-Metadata-Content-Type", "application/grpc")
        .end(GatewayJson.print(reply));
  }

  /** A failed call: etcd's code and message, with the trailer grpc-gateway v1 sends. */
  private static void failed(HttpServerResponse response, StatusRuntimeException status) {
    if (response.closed() || response.ended()) {
      return;
    }
    Status.Code code = status.getStatus().getCode();
    response
        .setStatusCode(GatewayJson.httpStatus(code))
        .putHeader("Content-Type", "application/json")
        .putHeader("Trailer", "Grpc-Trailer-Content-Type")
        .setChunked(true)
        .putTrailer("Grpc-Trailer-Content-Type", "application/grpc")
        .end(GatewayJson.error(code, String.valueOf(status.getStatus().getDescription())));
  }

  /** A body the gateway could not decode: no gRPC call was made. */
  private static void badJson(HttpServerResponse response, Status.Code code, String message) {
    if (response.closed() || response.ended()) {
      return;
    }
    response
        .setStatusCode(GatewayJson.httpStatus(code))
        .putHeader("Content-Type", "application/json")
        .end(GatewayJson.error(code, message));
  }

  /**
   * Starts a 200 stream. The gRPC response metadata (grpc-gateway's {@code Grpc-Metadata-*}) only
   * exists once the server sent a message, so a stream without requests has none.
   */
  private static void startStream(HttpServerResponse response, boolean withMetadata) {
    response.setStatusCode(200).putHeader("Content-Type", "application/json").setChunked(true);
    if (withMetadata) {
      response.putHeader("Grpc-Metadata-Content-Type", "application/grpc");
    }
  }

  // ---------------------------------------------------------------- streams

  /**
   * Reads a stream of JSON requests: {@code onFirst} runs once, before the first request is handed
   * to {@code onRequest} (with true), or at the end of a body without any (with false); a first
   * value that is not a valid request is answered 500 with code 2 instead; a later one ends the
   * requests, like the end of the body, which runs {@code onEnd}.
   */
  private static <Q extends Message> void readRequests(
      RoutingContext ctx,
      Q prototype,
      Consumer<Boolean> onFirst,
      Consumer<Q> onRequest,
      Runnable onEnd,
      Runnable onBadFirst) {
    HttpServerRequest request = ctx.request();
    HttpServerResponse response = ctx.response();
    JsonValues values = new JsonValues(MAX_JSON_VALUE_BYTES);
    boolean[] state = {false, false}; // started, finished
    request.exceptionHandler(e -> {});
    request.handler(
        data -> {
          if (state[1]) {
            return;
          }
          for (String json : values.feed(data)) {
            Q parsed;
            try {
              parsed = parse(prototype, json, values);
            } catch (InvalidProtocolBufferException e) {
              state[1] = true;
              if (!state[0]) {
                onBadFirst.run();
                badJson(response, Status.Code.UNKNOWN, message(e));
              } else {
                onEnd.run();
              }
              return;
            }
            if (!state[0]) {
              state[0] = true;
              onFirst.accept(true);
            }
            onRequest.accept(parsed);
          }
          String error = values.error();
          if (error != null) {
            state[1] = true;
            if (!state[0]) {
              onBadFirst.run();
              badJson(response, Status.Code.UNKNOWN, error);
            } else {
              onEnd.run();
            }
          }
        });
    request.endHandler(
        v -> {
          if (state[1]) {
            return;
          }
          state[1] = true;
          if (!state[0]) {
            if (values.partial()) {
              onBadFirst.run();
              badJson(response, Status.Code.UNKNOWN, "unexpected EOF");
              return;
            }
            state[0] = true;
            onFirst.accept(false);
          }
          onEnd.run();
        });
  }

  private void keepAlive(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    Context context = ctx.vertx().getOrCreateContext();
    boolean[] failed = {false};
    // Renewals answer in request order (a follower's go through the leader).
    java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CompletableFuture<?>> chain =
        new java.util.concurrent.atomic.AtomicReference<>(
            java.util.concurrent.CompletableFuture.completedFuture(null));
    readRequests(
        ctx,
        LeaseKeepAliveRequest.getDefaultInstance(),
        any -> startStream(response, any),
        r ->
            chain.updateAndGet(
                previous ->
                    previous
                        .handle((x, e) -> null)
                        .thenCompose(x -> server.leaseKeepAlive(r.getID()))
                        .whenComplete(
                            (resp, err) ->
                                context.runOnContext(
                                    v -> {
                                      if (failed[0] || response.ended() || response.closed()) {
                                        return;
                                      }
                                      if (err == null) {
                                        response.write(GatewayJson.result(resp));
                                        return;
                                      }
                                      failed[0] = true;
                                      StatusRuntimeException s = GrpcErrors.toStatus(err);
                                      response.end(
                                          GatewayJson.streamError(
                                              s.getStatus().getCode(),
                                              String.valueOf(s.getStatus().getDescription())));
                                    }))),
        () ->
            chain
                .get()
                .whenComplete(
                    (x, e) ->
                        context.runOnContext(
                            v -> {
                              if (!response.ended() && !response.closed()) {
                                response.end();
                              }
                            })),
        () -> {});
  }

  private void watch(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    Context context = ctx.vertx().getOrCreateContext();
    AtomicBoolean closed = new AtomicBoolean();
    AtomicInteger pending = new AtomicInteger();
    AtomicBoolean full = new AtomicBoolean();
    WatchStream stream =
        server.openWatchStream(
            r -> {
              if (closed.get()) {
                return true;
              }
              if (r.getEventsCount() > 0 && (full.get() || pending.get() >= WATCH_PENDING_LIMIT)) {
                return false; // the watcher waits (a victim) and is retried
              }
              pending.incrementAndGet();
              context.runOnContext(v -> send(response, closed, pending, full, r));
              return true;
            });
    Runnable close =
        () -> {
          if (closed.compareAndSet(false, true)) {
            stream.close();
          }
        };
    response.closeHandler(v -> close.run());
    response.exceptionHandler(e -> close.run());
    response.drainHandler(v -> full.set(false));
    readRequests(
        ctx,
        WatchRequest.getDefaultInstance(),
        any -> {
          startStream(response, any);
          // grpc-gateway flushes the headers before the first message.
          response.write(Buffer.buffer());
        },
        r -> {
          if (closed.get()) {
            return;
          }
          switch (r.getRequestUnionCase()) {
            case CREATE_REQUEST -> stream.create(r.getCreateRequest());
            case CANCEL_REQUEST -> stream.cancel(r.getCancelRequest().getWatchId());
            case PROGRESS_REQUEST -> stream.progress();
            case REQUESTUNION_NOT_SET -> {}
          }
        },
        () -> {}, // the gateway keeps a watch open after the client's last request
        close);
  }

  /** Writes one watch response (on the event loop); events wait while the socket is full. */
  private static void send(
      HttpServerResponse response,
      AtomicBoolean closed,
      AtomicInteger pending,
      AtomicBoolean full,
      WatchResponse r) {
    pending.decrementAndGet();
    if (closed.get() || response.ended() || response.closed()) {
      return;
    }
    response.write(GatewayJson.result(r));
    if (response.writeQueueFull()) {
      full.set(true);
    }
  }

  private void snapshot(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    AtomicBoolean closed = new AtomicBoolean();
    response.closeHandler(v -> closed.set(true));
    readRequests(
        ctx,
        SnapshotRequest.getDefaultInstance(),
        any -> startStream(response, true),
        r -> {},
        () -> VIRTUAL.execute(() -> streamSnapshot(response, closed)),
        () -> {});
  }

  /**
   * Streams a consistent copy of the backend in 32 KiB chunks counting {@code remaining_bytes}
   * down, then the SHA-256 of everything sent, as the gRPC Maintenance.Snapshot does. Runs on a
   * virtual thread; each write waits (bounded) until the connection took it.
   */
  private void streamSnapshot(HttpServerResponse response, AtomicBoolean closed) {
    Path tmp = null;
    try {
      tmp = Files.createTempFile("etcdj-gateway-snapshot", ".db");
      try (OutputStream os = Files.newOutputStream(tmp)) {
        server.snapshot(os);
        long size = Files.size(tmp);
        int pad = (int) ((512 - size % 512) % 512);
        os.write(new byte[pad]);
      }
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      long remaining = Files.size(tmp);
      try (InputStream in = Files.newInputStream(tmp)) {
        byte[] buf = new byte[SNAPSHOT_CHUNK];
        while (remaining > 0 && !closed.get()) {
          int n = in.readNBytes(buf, 0, (int) Math.min(buf.length, remaining));
          if (n <= 0) {
            throw new IOException("snapshot file shrank while streaming");
          }
          remaining -= n;
          sha.update(buf, 0, n);
          write(
              response,
              GatewayJson.result(
                  SnapshotResponse.newBuilder()
                      .setRemainingBytes(remaining)
                      .setBlob(ByteString.copyFrom(buf, 0, n))
                      .build()));
        }
      }
      if (!closed.get()) {
        write(
            response,
            GatewayJson.result(
                SnapshotResponse.newBuilder().setBlob(ByteString.copyFrom(sha.digest())).build()));
        response.end();
      }
    } catch (IOException
        | NoSuchAlgorithmException
        | ExecutionException
        | TimeoutException
        | RuntimeException e) {
      if (!closed.get() && !response.ended()) {
        response.end(GatewayJson.streamError(Status.Code.UNKNOWN, String.valueOf(e.getMessage())));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      response.reset();
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // a temporary file; the OS cleans its temp directory
        }
      }
    }
  }

  private static void write(HttpServerResponse response, String line)
      throws InterruptedException, ExecutionException, TimeoutException {
    response
        .write(line)
        .toCompletionStage()
        .toCompletableFuture()
        .get(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }
}
