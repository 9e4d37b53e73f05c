package io.etcdj.http;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Splits a request body into its top-level JSON values as the bytes arrive, the way the gateway's
 * Go JSON decoder reads a stream of requests: whitespace between values is skipped, every value
 * must be an object or an array, and each is handed over complete (its syntax is checked later by
 * the protobuf parser). Not thread-safe: fed from one event loop.
 */
final class JsonValues {
  private final int maxValueBytes;
  private final ByteArrayOutputStream current = new ByteArrayOutputStream();
  private int depth;
  private boolean inString;
  private boolean escaped;
  private @Nullable String error;

  /**
   * @param maxValueBytes the largest value accepted; a longer one is an error
   */
  JsonValues(int maxValueBytes) {
    this.maxValueBytes = maxValueBytes;
  }

  /** The values {@code data} completes, in order; after an error, none (see {@link #error()}). */
  List<String> feed(Buffer data) {
    List<String> values = new ArrayList<>();
    if (error != null) {
      return values;
    }
    int n = data.length();
    for (int i = 0; i < n; i++) {
      byte b = data.getByte(i);
      if (depth == 0) {
        if (b == ' ' || b == '\t' || b == '\n' || b == '\r') {
          continue;
        }
        if (b != '{' && b != '[') {
          error = "invalid character " + describe(b) + " looking for beginning of value";
          return values;
        }
        depth = 1;
        current.write(b);
        continue;
      }
      current.write(b);
      if (current.size() > maxValueBytes) {
        error = "request body value larger than " + maxValueBytes + " bytes";
        return values;
      }
      if (inString) {
        if (escaped) {
          escaped = false;
        } else if (b == '\\') {
          escaped = true;
        } else if (b == '"') {
          inString = false;
        }
      } else if (b == '"') {
        inString = true;
      } else if (b == '{' || b == '[') {
        depth++;
      } else if (b == '}' || b == ']') {
        depth--;
        if (depth == 0) {
          values.add(current.toString(StandardCharsets.UTF_8));
          current.reset();
        }
      }
    }
    return values;
  }

  /** Whether the body ended inside a value (Go: {@code unexpected EOF}). */
  boolean partial() {
    return depth > 0;
  }

  /** Why the body cannot be read further, or null. */
  @Nullable String error() {
    return error;
  }

  private static String describe(byte b) {
    int c = b & 0xff;
    if (c == '\'') {
      return "'\\''";
    }
    if (c >= 0x20 && c < 0x7f) {
      return "'" + (char) c + "'";
    }
    return String.format("'\\x%02x'", c);
  }
}
