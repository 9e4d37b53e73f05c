package io.etcdj.app;

import java.io.PrintStream;
import java.time.Instant;

/**
 * The launcher's log before the server's logging exists: one JSON object a line on stderr, in the
 * shape of etcd's zap logs ({@code level}, {@code ts}, {@code msg}).
 */
final class Log {
  private final PrintStream err;

  Log(PrintStream err) {
    this.err = err;
  }

  void info(String message) {
    write("info", message);
  }

  void warn(String message) {
    write("warn", message);
  }

  void error(String message) {
    write("error", message);
  }

  private void write(String level, String message) {
    err.println(
        "{\"level\":\""
            + level
            + "\",\"ts\":\""
            + Instant.now()
            + "\",\"caller\":\"etcdj\",\"msg\":\""
            + escape(message)
            + "\"}");
  }

  private static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }
}
