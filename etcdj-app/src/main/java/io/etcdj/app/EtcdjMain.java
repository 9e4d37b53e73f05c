package io.etcdj.app;

import io.etcdj.server.ServerConfig;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Map;

/**
 * {@code etcdj}: starts a member with etcd's flags.
 *
 * <p>Until the server lands (issue #6) it parses and checks every flag and the environment as etcd
 * does, reports the configuration it would run with, and exits.
 */
public final class EtcdjMain {
  private EtcdjMain() {}

  public static void main(String[] args) {
    int exitCode = run(args, System.getenv(), System.out, System.err);
    System.exit(exitCode);
  }

  /** Runs the command line; returns the process exit code. */
  static int run(String[] args, Map<String, String> environment, PrintStream out, PrintStream err) {
    ServerFlags.Parsed parsed = ServerFlags.parse(Arrays.asList(args), environment);
    return switch (parsed) {
      case ServerFlags.Help help -> {
        out.print(ServerFlags.usage());
        yield 0;
      }
      case ServerFlags.Version version -> {
        out.print(VersionInfo.load().describe());
        yield 0;
      }
      case ServerFlags.Failure failure -> {
        err.println(failure.message());
        if (failure.showUsage()) {
          err.print(ServerFlags.usage());
        }
        yield failure.exitCode();
      }
      case ServerFlags.Run start -> {
        Log log = new Log(err);
        start.warnings().forEach(log::warn);
        ServerConfig config = start.config();
        VersionInfo version = VersionInfo.load();
        log.info(
            "etcdj "
                + version.etcdjVersion()
                + " (etcd API "
                + version.etcdApiVersion()
                + "): member "
                + config.name()
                + ", data dir "
                + config.dataDir()
                + ", client URLs "
                + config.listenClientUrls()
                + ", peer URLs "
                + config.listenPeerUrls());
        log.info("the server is not built yet (issue #6): flags checked, nothing started");
        yield 0;
      }
    };
  }
}
