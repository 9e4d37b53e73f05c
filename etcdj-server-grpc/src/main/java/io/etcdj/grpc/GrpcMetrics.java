package io.etcdj.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gRPC server counters etcd exports through go-grpc-prometheus: {@code
 * grpc_server_started_total}, {@code grpc_server_handled_total{grpc_code}}, {@code
 * grpc_server_msg_received_total} and {@code grpc_server_msg_sent_total}, each labelled with {@code
 * grpc_method}, {@code grpc_service} and {@code grpc_type}, and pre-initialised to 0 for every
 * registered method (and every code), as etcd's are.
 */
public final class GrpcMetrics implements ServerInterceptor {
  private record Method(String service, String method, String type) {
    String labels() {
      return "grpc_method=\""
          + method
          + "\",grpc_service=\""
          + service
          + "\",grpc_type=\""
          + type
          + "\"";
    }
  }

  private static final class Counters {
    final AtomicLong started = new AtomicLong();
    final AtomicLong received = new AtomicLong();
    final AtomicLong sent = new AtomicLong();
    // By Status.Code.value(): 0 (OK) to 16 (UNAUTHENTICATED).
    final java.util.concurrent.atomic.AtomicLongArray handled =
        new java.util.concurrent.atomic.AtomicLongArray(Status.Code.values().length);
  }

  private final Map<String, Method> byFullName = new ConcurrentHashMap<>();
  private final Map<Method, Counters> counters = new ConcurrentHashMap<>();

  /** Pre-registers every method of {@code service} (their series exist from the start). */
  void register(ServerServiceDefinition service) {
    for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
      MethodDescriptor<?, ?> d = m.getMethodDescriptor();
      Method method =
          new Method(
              String.valueOf(d.getServiceName()),
              String.valueOf(d.getBareMethodName()),
              typeOf(d.getType()));
      byFullName.put(d.getFullMethodName(), method);
      counters.putIfAbsent(method, new Counters());
    }
  }

  private static String typeOf(MethodDescriptor.MethodType type) {
    return switch (type) {
      case UNARY -> "unary";
      case CLIENT_STREAMING -> "client_stream";
      case SERVER_STREAMING -> "server_stream";
      case BIDI_STREAMING, UNKNOWN -> "bidi_stream";
    };
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Method method = byFullName.get(call.getMethodDescriptor().getFullMethodName());
    Counters c = method == null ? null : counters.get(method);
    if (c == null) {
      return next.startCall(call, headers);
    }
    c.started.incrementAndGet();
    ServerCall<Q, R> counted =
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void sendMessage(R message) {
            c.sent.incrementAndGet();
            if (message instanceof com.google.protobuf.MessageLite m) {
              sentBytes.addAndGet(m.getSerializedSize());
            }
            super.sendMessage(message);
          }

          @Override
          public void close(Status status, Metadata trailers) {
            c.handled.incrementAndGet(status.getCode().value());
            super.close(status, trailers);
          }
        };
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
        next.startCall(counted, headers)) {
      @Override
      public void onMessage(Q message) {
        c.received.incrementAndGet();
        if (message instanceof com.google.protobuf.MessageLite m) {
          receivedBytes.addAndGet(m.getSerializedSize());
        }
        super.onMessage(message);
      }
    };
  }

  private final AtomicLong sentBytes = new AtomicLong();
  private final AtomicLong receivedBytes = new AtomicLong();

  /** Bytes of messages sent to clients (etcd_network_client_grpc_sent_bytes_total). */
  public long sentBytes() {
    return sentBytes.get();
  }

  /** Bytes of messages received from clients (etcd_network_client_grpc_received_bytes_total). */
  public long receivedBytes() {
    return receivedBytes.get();
  }

  /** Prometheus text families by name: the four counters. */
  public Map<String, String> families() {
    TreeMap<Method, Counters> sorted =
        new TreeMap<>(
            java.util.Comparator.comparing(Method::method)
                .thenComparing(Method::service)
                .thenComparing(Method::type));
    sorted.putAll(counters);
    Map<String, String> out = new TreeMap<>();
    out.put("grpc_server_handled_total", handled(sorted));
    out.put(
        "grpc_server_msg_received_total",
        simple(
            "grpc_server_msg_received_total",
            "Total number of RPC stream messages received on the server.",
            sorted,
            c -> c.received.get()));
    out.put(
        "grpc_server_msg_sent_total",
        simple(
            "grpc_server_msg_sent_total",
            "Total number of gRPC stream messages sent by the server.",
            sorted,
            c -> c.sent.get()));
    out.put(
        "grpc_server_started_total",
        simple(
            "grpc_server_started_total",
            "Total number of RPCs started on the server.",
            sorted,
            c -> c.started.get()));
    return out;
  }

  private static String simple(
      String name,
      String help,
      Map<Method, Counters> sorted,
      java.util.function.ToLongFunction<Counters> value) {
    StringBuilder b = new StringBuilder();
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(name).append(" counter\n");
    sorted.forEach(
        (m, c) ->
            b.append(name)
                .append('{')
                .append(m.labels())
                .append("} ")
                .append(value.applyAsLong(c))
                .append('\n'));
    return b.toString();
  }

  private static String handled(Map<Method, Counters> sorted) {
    String name = "grpc_server_handled_total";
    StringBuilder b = new StringBuilder();
    b.append("# HELP ")
        .append(name)
        .append(
            " Total number of RPCs completed on the server, regardless of success or failure.\n");
    b.append("# TYPE ").append(name).append(" counter\n");
    List<Status.Code> codes = new ArrayList<>(List.of(Status.Code.values()));
    codes.sort(java.util.Comparator.comparing(GrpcMetrics::goName));
    for (Status.Code code : codes) {
      sorted.forEach(
          (m, c) ->
              b.append(name)
                  .append("{grpc_code=\"")
                  .append(goName(code))
                  .append("\",")
                  .append(m.labels())
                  .append("} ")
                  .append(c.handled.get(code.value()))
                  .append('\n'));
    }
    return b.toString();
  }

  /** grpc-go's name of a code (its {@code String()}), as the label shows it. */
  static String goName(Status.Code code) {
    return switch (code) {
      case OK -> "OK";
      case CANCELLED -> "Canceled";
      case UNKNOWN -> "Unknown";
      case INVALID_ARGUMENT -> "InvalidArgument";
      case DEADLINE_EXCEEDED -> "DeadlineExceeded";
      case NOT_FOUND -> "NotFound";
      case ALREADY_EXISTS -> "AlreadyExists";
      case PERMISSION_DENIED -> "PermissionDenied";
      case RESOURCE_EXHAUSTED -> "ResourceExhausted";
      case FAILED_PRECONDITION -> "FailedPrecondition";
      case ABORTED -> "Aborted";
      case OUT_OF_RANGE -> "OutOfRange";
      case UNIMPLEMENTED -> "Unimplemented";
      case INTERNAL -> "Internal";
      case UNAVAILABLE -> "Unavailable";
      case DATA_LOSS -> "DataLoss";
      case UNAUTHENTICATED -> "Unauthenticated";
    };
  }
}
