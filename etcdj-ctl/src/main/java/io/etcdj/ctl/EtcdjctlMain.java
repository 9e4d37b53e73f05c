package io.etcdj.ctl;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code etcdjctl}: etcdctl's global flags (with their {@code ETCDCTL_*} environment variables) and
 * commands. The commands that need the client arrive with the client work; {@code version} is whole
 * now.
 */
@Command(
    name = "etcdctl",
    mixinStandardHelpOptions = false,
    subcommands = {EtcdjctlMain.VersionCommand.class},
    description = "A simple command line client for etcd3 (and etcdj).")
public final class EtcdjctlMain implements Callable<Integer> {

  /** Exit code etcdctl uses for bad arguments (cobra usage errors). */
  static final int EXIT_BAD_ARGS = 128;

  @Option(
      names = "--endpoints",
      split = ",",
      defaultValue = "127.0.0.1:2379",
      description = "gRPC endpoints")
  String[] endpoints = {"127.0.0.1:2379"};

  @Option(
      names = {"-w", "--write-out"},
      defaultValue = "simple",
      description = "set the output format (fields, json, protobuf, simple, table)")
  String writeOut = "simple";

  @Option(names = "--hex", description = "print byte strings as hex encoded strings")
  boolean hex;

  @Option(
      names = "--dial-timeout",
      defaultValue = "2s",
      description = "dial timeout for client connections")
  String dialTimeout = "2s";

  @Option(
      names = "--command-timeout",
      defaultValue = "5s",
      description = "timeout for short running command (excluding dial timeout)")
  String commandTimeout = "5s";

  @Option(
      names = "--keepalive-time",
      defaultValue = "2s",
      description = "keepalive time for client connections")
  String keepaliveTime = "2s";

  @Option(
      names = "--keepalive-timeout",
      defaultValue = "6s",
      description = "keepalive timeout for client connections")
  String keepaliveTimeout = "6s";

  @Option(
      names = "--insecure-transport",
      defaultValue = "true",
      arity = "0..1",
      description = "disable transport security for client connections")
  boolean insecureTransport = true;

  @Option(
      names = "--user",
      defaultValue = "",
      description = "username[:password] for authentication (prompt if password is not supplied)")
  String user = "";

  @Option(
      names = "--password",
      defaultValue = "",
      description =
          "password for authentication (if this option is used, --user option shouldn't include password)")
  String password = "";

  @Option(names = "--debug", description = "enable client-side debug logging")
  boolean debug;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "help for etcdctl")
  boolean help;

  @Override
  public Integer call() {
    CommandLine.usage(this, System.out);
    return 0;
  }

  public static void main(String[] args) {
    System.exit(
        run(
            args,
            System.getenv(),
            new PrintWriter(System.out, true),
            new PrintWriter(System.err, true)));
  }

  /** Runs the command line; returns etcdctl's exit code. */
  static int run(String[] args, Map<String, String> environment, PrintWriter out, PrintWriter err) {
    CommandLine commandLine = new CommandLine(new EtcdjctlMain());
    commandLine.setOut(out);
    commandLine.setErr(err);
    commandLine.setDefaultValueProvider(
        option -> {
          if (!(option instanceof CommandLine.Model.OptionSpec spec)) {
            return null;
          }
          String name = spec.longestName().replaceFirst("^-+", "");
          String variable = "ETCDCTL_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
          String value = environment.get(variable);
          return value != null ? value : spec.defaultValue();
        });
    commandLine.setParameterExceptionHandler(
        (exception, arguments) -> {
          err.println("Error: " + exception.getMessage());
          return EXIT_BAD_ARGS;
        });
    return commandLine.execute(args);
  }

  /** {@code etcdctl version}. */
  @Command(name = "version", description = "Prints the version of etcdctl")
  static final class VersionCommand implements Callable<Integer> {
    @SuppressWarnings("NullAway.Init") // picocli injects it before call()
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      Properties properties = new Properties();
      try (InputStream in = EtcdjctlMain.class.getResourceAsStream("version.properties")) {
        if (in == null) {
          throw new IllegalStateException("version.properties is missing from the etcdj-ctl jar");
        }
        properties.load(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      String api = properties.getProperty("etcd.api.version", "unknown");
      PrintWriter out = spec.commandLine().getOut();
      out.println("etcdctl version: " + api);
      out.println("API version: " + api.replaceFirst("^(\\d+\\.\\d+).*$", "$1"));
      out.println("etcdjctl version: " + properties.getProperty("etcdj.version", "unknown"));
      out.flush();
      return 0;
    }
  }
}
