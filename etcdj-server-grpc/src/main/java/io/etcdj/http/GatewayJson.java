package io.etcdj.http;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Status;

/**
 * The JSON of etcd 3.4's grpc-gateway (v1, {@code JSONPb{OrigName: true}}): proto field names,
 * int64 as strings, bytes as standard base64, enums by name, default values left out; errors as
 * {@code {"error":…,"message":…,"code":N}} with the HTTP status grpc-gateway v1 gives each gRPC
 * code (checked against a live etcd 3.4.23: FailedPrecondition is 412, not 400).
 */
final class GatewayJson {
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();

  private GatewayJson() {}

  /** Merges one JSON object into {@code builder}. */
  static void parse(String json, Message.Builder builder) throws InvalidProtocolBufferException {
    PARSER.merge(json, builder);
  }

  /** The message as the gateway prints it. */
  static String print(MessageOrBuilder message) {
    String json;
    try {
      json = PRINTER.print(message);
    } catch (InvalidProtocolBufferException e) {
      // Only Any fields without a type registry fail, and etcd's messages have none.
      throw new IllegalStateException("cannot print " + message.getClass().getName(), e);
    }
    return unescapeGsonOnly(json);
  }

  /** A stream message: {@code {"result":…}} and a newline. */
  static String result(MessageOrBuilder message) {
    return "{\"result\":" + print(message) + "}\n";
  }

  /** A unary error body, as grpc-gateway v1.9 writes it (no newline). */
  static String error(Status.Code code, String message) {
    String m = quote(message);
    return "{\"error\":" + m + ",\"message\":" + m + ",\"code\":" + code.value() + "}";
  }

  /** An error on a stream already answered with 200: grpc-gateway v1's {@code StreamError}. */
  static String streamError(Status.Code code, String message) {
    int http = httpStatus(code);
    return "{\"error\":{\"grpc_code\":"
        + code.value()
        + ",\"http_code\":"
        + http
        + ",\"message\":"
        + quote(message)
        + ",\"http_status\":"
        + quote(statusText(http))
        + "}}\n";
  }

  /** grpc-gateway v1's {@code HTTPStatusFromCode}. */
  static int httpStatus(Status.Code code) {
    return switch (code) {
      case OK -> 200;
      case CANCELLED -> 408;
      case UNKNOWN, INTERNAL, DATA_LOSS -> 500;
      case INVALID_ARGUMENT, OUT_OF_RANGE -> 400;
      case DEADLINE_EXCEEDED -> 504;
      case NOT_FOUND -> 404;
      case ALREADY_EXISTS, ABORTED -> 409;
      case PERMISSION_DENIED -> 403;
      case UNAUTHENTICATED -> 401;
      case RESOURCE_EXHAUSTED -> 429;
      case FAILED_PRECONDITION -> 412;
      case UNIMPLEMENTED -> 501;
      case UNAVAILABLE -> 503;
    };
  }

  /** Go's {@code http.StatusText} for the statuses {@link #httpStatus} returns. */
  static String statusText(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 408 -> "Request Timeout";
      case 409 -> "Conflict";
      case 412 -> "Precondition Failed";
      case 429 -> "Too Many Requests";
      case 501 -> "Not Implemented";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      default -> "Internal Server Error";
    };
  }

  /** A JSON string as Go's encoding/json writes it (HTML-safe: {@code < > &} escaped). */
  static String quote(String s) {
    StringBuilder out = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }

  /**
   * JsonFormat escapes strings with Gson's HTML-safe rules, which also escape {@code =} and {@code
   * '}; Go leaves those two as they are. Undoes exactly those two escapes (a literal backslash is
   * always escaped itself, so the scan cannot mistake one).
   */
  private static String unescapeGsonOnly(String json) {
    if (json.indexOf("\\u003d") < 0 && json.indexOf("\\u0027") < 0) {
      return json;
    }
    StringBuilder out = new StringBuilder(json.length());
    int i = 0;
    int n = json.length();
    while (i < n) {
      char c = json.charAt(i);
      if (c != '\\' || i + 1 >= n) {
        out.append(c);
        i++;
        continue;
      }
      if (json.startsWith("u003d", i + 1)) {
        out.append('=');
        i += 6;
      } else if (json.startsWith("u0027", i + 1)) {
        out.append('\'');
        i += 6;
      } else {
        out.append(c).append(json.charAt(i + 1));
        i += 2;
      }
    }
    return out.toString();
  }
}
