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

  /**
   * Starts the member and serves until the process is told to stop (SIGTERM, SIGINT) or the member
   * fails; returns the exit code.
   */
  private static int serve(ServerConfig config, VersionInfo version, Log log) {
    Member member;
    try {
      member = Member.start(config, version, log);
    } catch (IllegalArgumentException e) {
      log.error("cannot start the member: " + e.getMessage());
      return 1;
    } catch (Exception e) {
      log.error("cannot start the member: " + e);
      return 1;
    }
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("received a stop signal; shutting down");
                  try {
                    member.close();
                  } catch (Exception e) {
                    log.warn("shutdown: " + e);
                  }
                  done.countDown();
                }));
    boolean announced = false;
    while (done.getCount() > 0) {
      if (member.server().removed() && member.server().halted()) {
        log.info("the member has been permanently removed from the cluster; exiting");
        return 0; // the shutdown hook closes the member
      }
      if (member.server().failure() != null) {
        log.error("member failed: " + member.server().failure());
        return 1;
      }
      if (!announced && member.server().ready()) {
        announced = true;
        log.info("ready to serve client requests");
        log.info(
            "serving insecure client requests on "
                + config.listenClientUrls()
                + ", this is strongly discouraged!");
      }
      try {
        done.await(announced ? 1000 : 20, java.util.concurrent.TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        break;
      }
    }
    return 0;
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
        yield serve(config, version, log);
      }
    };
  }
}
