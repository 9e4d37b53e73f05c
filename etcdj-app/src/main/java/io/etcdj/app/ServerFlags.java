package io.etcdj.app;

import io.etcdj.server.ServerConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParseResult;

/**
 * etcd's server flags: names, defaults, environment variables ({@code ETCD_DATA_DIR} for {@code
 * --data-dir}), help layout and error messages, parsed with picocli into a {@link ServerConfig}.
 *
 * <p>One table, {@link #FLAGS}, is the source of every flag: parsing, the environment and the help
 * text are all derived from it, so they cannot drift apart. As in Go's flag package a flag may be
 * written {@code --name value}, {@code --name=value}, {@code -name value} or {@code -name=value}; a
 * boolean flag alone means true. The command line wins over the environment; a flag given both ways
 * is refused, as etcd refuses it.
 */
final class ServerFlags {

  /** The help sections, in etcd's order. */
  enum Section {
    MEMBER("Member"),
    CLUSTERING("Clustering"),
    AUTH("Auth"),
    MONITORING("Profiling and Monitoring"),
    LOGGING("Logging"),
    EXPERIMENTAL("Experimental feature"),
    UNSAFE("Unsafe feature");

    final String heading;

    Section(String heading) {
      this.heading = heading;
    }
  }

  /** What a flag's value is; decides parsing and whether the flag may stand alone. */
  enum Kind {
    STRING,
    BOOL,
    INT,
    LONG,
    DURATION,
    URLS
  }

  /**
   * One flag. {@code defaultValue} is the value used when neither the command line nor the
   * environment gives one; {@code shownDefault} is how help prints it.
   */
  record Flag(
      Section section,
      String name,
      Kind kind,
      String defaultValue,
      String shownDefault,
      String help) {

    /** The environment variable etcd reads for this flag. */
    String environmentVariable() {
      return "ETCD_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
    }
  }

  private static Flag flag(Section section, String name, Kind kind, String value, String help) {
    return new Flag(section, name, kind, value, value, help);
  }

  static final List<Flag> FLAGS =
      List.of(
          flag(
              Section.MEMBER,
              "name",
              Kind.STRING,
              "default",
              "Human-readable name of this member."),
          new Flag(
              Section.MEMBER,
              "data-dir",
              Kind.STRING,
              "",
              "${name}.etcdj",
              "Directory that holds this member's WAL, snapshots and backend."),
          flag(
              Section.MEMBER,
              "wal-dir",
              Kind.STRING,
              "",
              "Dedicated directory for the WAL (default: <data-dir>/member/wal)."),
          flag(
              Section.MEMBER,
              "snapshot-count",
              Kind.LONG,
              "100000",
              "Applied entries between two raft snapshots."),
          flag(
              Section.MEMBER,
              "heartbeat-interval",
              Kind.LONG,
              "100",
              "Heartbeat interval in milliseconds; also the raft tick length."),
          flag(
              Section.MEMBER,
              "election-timeout",
              Kind.LONG,
              "1000",
              "Election timeout in milliseconds; at least five heartbeat intervals."),
          flag(
              Section.MEMBER,
              "initial-election-tick-advance",
              Kind.BOOL,
              "true",
              "Fast-forward election ticks at boot so a first election comes sooner."),
          flag(
              Section.MEMBER,
              "listen-peer-urls",
              Kind.URLS,
              "http://localhost:2380",
              "URLs to listen on for traffic from other members."),
          flag(
              Section.MEMBER,
              "listen-client-urls",
              Kind.URLS,
              "http://localhost:2379",
              "URLs to listen on for client traffic (gRPC and HTTP on the same port)."),
          flag(
              Section.MEMBER,
              "max-snapshots",
              Kind.INT,
              "5",
              "Snapshot files to keep (0 keeps all)."),
          flag(Section.MEMBER, "max-wals", Kind.INT, "5", "WAL files to keep (0 keeps all)."),
          flag(
              Section.MEMBER,
              "quota-backend-bytes",
              Kind.LONG,
              "0",
              "Backend size that raises the NOSPACE alarm (0 means 2 GiB, negative disables)."),
          flag(
              Section.MEMBER,
              "backend-batch-interval",
              Kind.DURATION,
              "100ms",
              "Longest time a backend batch stays uncommitted."),
          flag(
              Section.MEMBER,
              "backend-batch-limit",
              Kind.INT,
              "10000",
              "Most operations in one backend batch before it is committed."),
          flag(
              Section.MEMBER,
              "max-txn-ops",
              Kind.INT,
              "128",
              "Most operations allowed in one transaction."),
          flag(
              Section.MEMBER,
              "max-request-bytes",
              Kind.INT,
              "1572864",
              "Largest client request in bytes the server accepts."),
          new Flag(
              Section.MEMBER,
              "max-concurrent-streams",
              Kind.LONG,
              "4294967295",
              "math.MaxUint32",
              "Most concurrent gRPC streams one client connection may open."),
          flag(
              Section.MEMBER,
              "grpc-keepalive-min-time",
              Kind.DURATION,
              "5s",
              "Shortest interval between client pings the server accepts."),
          flag(
              Section.MEMBER,
              "grpc-keepalive-interval",
              Kind.DURATION,
              "2h",
              "Interval of server-to-client pings that check a connection (0 disables)."),
          flag(
              Section.MEMBER,
              "grpc-keepalive-timeout",
              Kind.DURATION,
              "20s",
              "Wait for a ping answer before closing the connection (0 disables)."),
          flag(
              Section.CLUSTERING,
              "initial-advertise-peer-urls",
              Kind.URLS,
              "http://localhost:2380",
              "This member's peer URLs, announced to the rest of the cluster."),
          flag(
              Section.CLUSTERING,
              "initial-cluster",
              Kind.STRING,
              "default=http://localhost:2380",
              "The membership to bootstrap with: name=peer-url[,name=peer-url...]."),
          flag(
              Section.CLUSTERING,
              "initial-cluster-state",
              Kind.STRING,
              "new",
              "'new' to bootstrap a cluster, 'existing' to join one."),
          flag(
              Section.CLUSTERING,
              "initial-cluster-token",
              Kind.STRING,
              "etcd-cluster",
              "Token mixed into member and cluster IDs; keeps clusters apart."),
          flag(
              Section.CLUSTERING,
              "advertise-client-urls",
              Kind.URLS,
              "http://localhost:2379",
              "This member's client URLs, published to clients; required when"
                  + " --listen-client-urls is set."),
          flag(
              Section.CLUSTERING,
              "strict-reconfig-check",
              Kind.BOOL,
              "true",
              "Refuse membership changes that would cost the cluster its quorum."),
          flag(
              Section.CLUSTERING,
              "pre-vote",
              Kind.BOOL,
              "false",
              "Run raft's pre-vote phase before an election."),
          flag(
              Section.CLUSTERING,
              "auto-compaction-retention",
              Kind.STRING,
              "0",
              "History to keep: hours or a duration in periodic mode, revisions in revision"
                  + " mode (0 disables auto compaction)."),
          flag(
              Section.CLUSTERING,
              "auto-compaction-mode",
              Kind.STRING,
              "periodic",
              "How to read --auto-compaction-retention: 'periodic' or 'revision'."),
          flag(
              Section.AUTH,
              "auth-token",
              Kind.STRING,
              "simple",
              "Token type for v3 authentication: 'simple' or 'jwt,...'."),
          flag(
              Section.AUTH,
              "bcrypt-cost",
              Kind.INT,
              "10",
              "bcrypt cost for password hashes, 4 to 31."),
          flag(
              Section.AUTH,
              "auth-token-ttl",
              Kind.LONG,
              "300",
              "Seconds a simple token lives without use."),
          flag(
              Section.MONITORING,
              "metrics",
              Kind.STRING,
              "basic",
              "Metrics detail: 'basic', or 'extensive' to add histograms."),
          flag(
              Section.MONITORING,
              "listen-metrics-urls",
              Kind.URLS,
              "",
              "Extra URLs that serve only /metrics and /health."),
          flag(
              Section.LOGGING,
              "logger",
              Kind.STRING,
              "capnslog",
              "Accepted for etcd's command lines ('capnslog' or 'zap'); etcdj always logs JSON"
                  + " lines."),
          flag(
              Section.LOGGING,
              "log-outputs",
              Kind.STRING,
              "default",
              "Accepted for etcd's command lines; etcdj logs to stderr."),
          flag(
              Section.LOGGING,
              "log-level",
              Kind.STRING,
              "info",
              "Log level: debug, info, warn, error, panic or fatal."),
          flag(
              Section.EXPERIMENTAL,
              "experimental-initial-corrupt-check",
              Kind.BOOL,
              "false",
              "Compare data with the other members before serving."),
          flag(
              Section.EXPERIMENTAL,
              "experimental-corrupt-check-time",
              Kind.DURATION,
              "0s",
              "Interval of periodic corruption checks across the cluster (0 disables)."),
          flag(
              Section.EXPERIMENTAL,
              "experimental-enable-lease-checkpoint",
              Kind.BOOL,
              "false",
              "Let the leader record leases' remaining TTL through raft."),
          flag(
              Section.EXPERIMENTAL,
              "experimental-compaction-batch-limit",
              Kind.INT,
              "1000",
              "Most revisions deleted in one compaction batch."),
          flag(
              Section.EXPERIMENTAL,
              "experimental-watch-progress-notify-interval",
              Kind.DURATION,
              "10m",
              "Interval of progress notifications to idle watchers."),
          flag(
              Section.UNSAFE,
              "force-new-cluster",
              Kind.BOOL,
              "false",
              "Rewrite the membership to this member alone (unsafe)."),
          flag(
              Section.UNSAFE,
              "unsafe-no-fsync",
              Kind.BOOL,
              "false",
              "Never fsync (unsafe: a power failure loses data)."));

  /** What a command line asks for. */
  sealed interface Parsed {}

  /** Start a member with this configuration; {@code warnings} are for the log. */
  record Run(ServerConfig config, List<String> warnings) implements Parsed {}

  /** Print the help ({@code -h}, {@code --help}). */
  record Help() implements Parsed {}

  /** Print the version ({@code --version}). */
  record Version() implements Parsed {}

  /**
   * Refuse to start: print {@code message} (and the usage if {@code showUsage}) to stderr, exit
   * with {@code exitCode} (2 for a flag that does not parse, as Go's flag package; 1 otherwise).
   */
  record Failure(String message, int exitCode, boolean showUsage) implements Parsed {}

  private ServerFlags() {}

  /** Parses {@code args}, taking unset flags from {@code environment}. */
  static Parsed parse(List<String> args, Map<String, String> environment) {
    CommandSpec spec = CommandSpec.create().name("etcdj");
    spec.parser().overwrittenOptionsAllowed(true).unmatchedOptionsArePositionalParams(false);
    Map<String, OptionSpec> options = new LinkedHashMap<>();
    for (Flag flag : FLAGS) {
      OptionSpec.Builder option =
          OptionSpec.builder("--" + flag.name(), "-" + flag.name()).type(String.class);
      if (flag.kind() == Kind.BOOL) {
        option.arity("0..1").fallbackValue("true");
      } else {
        option.arity("1");
      }
      OptionSpec built = option.build();
      spec.addOption(built);
      options.put(flag.name(), built);
    }
    spec.addOption(
        OptionSpec.builder("--version", "-version").versionHelp(true).arity("0").build());
    spec.addOption(OptionSpec.builder("-h", "--help", "-help").usageHelp(true).arity("0").build());
    spec.addPositional(PositionalParamSpec.builder().arity("0..*").type(String.class).build());

    ParseResult result;
    try {
      result = new CommandLine(spec).parseArgs(args.toArray(String[]::new));
    } catch (CommandLine.UnmatchedArgumentException e) {
      String first = e.getUnmatched().isEmpty() ? "" : e.getUnmatched().get(0);
      return new Failure("flag provided but not defined: -" + goFlagName(first), 2, true);
    } catch (CommandLine.MissingParameterException e) {
      String name =
          e.getMissing().isEmpty() || !(e.getMissing().get(0) instanceof OptionSpec option)
              ? ""
              : option.longestName();
      return new Failure("flag needs an argument: -" + goFlagName(name), 2, true);
    } catch (CommandLine.ParameterException e) {
      return new Failure(String.valueOf(e.getMessage()), 2, true);
    }
    if (result.isUsageHelpRequested()) {
      return new Help();
    }
    if (result.isVersionHelpRequested()) {
      return new Version();
    }
    List<String> positional = new ArrayList<>();
    for (PositionalParamSpec matched : result.matchedPositionals()) {
      positional.addAll(matched.stringValues());
    }
    if (!positional.isEmpty()) {
      return new Failure(
          "error verifying flags, '"
              + positional.get(0)
              + "' is not a valid flag."
              + " See 'etcdj --help'.",
          1,
          false);
    }

    List<String> warnings = new ArrayList<>();
    Map<String, String> values = new TreeMap<>();
    Map<String, Boolean> explicit = new TreeMap<>();
    Map<String, Flag> byVariable = new TreeMap<>();
    for (Flag flag : FLAGS) {
      byVariable.put(flag.environmentVariable(), flag);
    }
    for (Map.Entry<String, String> variable : new TreeMap<>(environment).entrySet()) {
      String key = variable.getKey();
      if (!key.startsWith("ETCD_")) {
        continue;
      }
      Flag flag = byVariable.get(key);
      if (flag == null) {
        warnings.add("unrecognized environment variable " + key + "=" + variable.getValue());
        continue;
      }
      if (result.hasMatchedOption(options.get(flag.name()))) {
        return new Failure(
            "conflicting environment variable \""
                + key
                + "\" is shadowed by corresponding command-line flag (either unset environment"
                + " variable or disable flag)",
            1,
            false);
      }
      values.put(flag.name(), variable.getValue());
      explicit.put(flag.name(), true);
      warnings.add("recognized and used environment variable " + key + "=" + variable.getValue());
    }
    for (Flag flag : FLAGS) {
      OptionSpec option = options.get(flag.name());
      if (result.hasMatchedOption(option)) {
        String value = result.matchedOption("--" + flag.name()).getValue();
        values.put(flag.name(), value);
        explicit.put(flag.name(), true);
      } else {
        values.putIfAbsent(flag.name(), flag.defaultValue());
      }
    }
    try {
      return new Run(toConfig(new Values(values, explicit)), List.copyOf(warnings));
    } catch (FlagException e) {
      return new Failure(String.valueOf(e.getMessage()), e.exitCode, e.exitCode == 2);
    }
  }

  /** The flag's name as Go prints it: no dashes, no {@code =value}. */
  private static String goFlagName(String argument) {
    String name = argument.replaceFirst("^-+", "");
    int equals = name.indexOf('=');
    return equals >= 0 ? name.substring(0, equals) : name;
  }

  /** A flag value that does not parse (exit 2) or flags that do not agree (exit 1). */
  private static final class FlagException extends Exception {
    private static final long serialVersionUID = 1L;
    final int exitCode;

    FlagException(String message, int exitCode) {
      super(message);
      this.exitCode = exitCode;
    }
  }

  /** Raw values by flag name, and which of them the user gave. */
  private record Values(Map<String, String> raw, Map<String, Boolean> explicit) {
    String string(String name) {
      String value = raw.get(name);
      if (value == null) {
        throw new IllegalStateException("flag not in the table: " + name);
      }
      return value;
    }

    boolean isExplicit(String name) {
      return explicit.getOrDefault(name, false);
    }

    long longValue(String name) throws FlagException {
      try {
        return Long.parseLong(string(name));
      } catch (NumberFormatException e) {
        throw parseError(name);
      }
    }

    int intValue(String name) throws FlagException {
      try {
        return Integer.parseInt(string(name));
      } catch (NumberFormatException e) {
        throw parseError(name);
      }
    }

    boolean bool(String name) throws FlagException {
      return switch (string(name)) {
        case "1", "t", "T", "TRUE", "true", "True" -> true;
        case "0", "f", "F", "FALSE", "false", "False" -> false;
        default ->
            throw new FlagException(
                "invalid boolean value \"" + string(name) + "\" for -" + name + ": parse error", 2);
      };
    }

    Duration duration(String name) throws FlagException {
      try {
        return GoDuration.parse(string(name));
      } catch (IllegalArgumentException e) {
        throw parseError(name);
      }
    }

    List<URI> urls(String name) throws FlagException {
      String text = string(name);
      List<URI> urls = new ArrayList<>();
      if (text.isEmpty()) {
        return urls;
      }
      for (String part : text.split(",", -1)) {
        URI uri;
        try {
          uri = new URI(part.trim());
        } catch (URISyntaxException e) {
          throw new FlagException(
              "invalid value \"" + text + "\" for flag -" + name + ": " + e.getMessage(), 2);
        }
        String scheme = uri.getScheme();
        if (scheme == null
            || !List.of("http", "https", "unix", "unixs").contains(scheme)
            || uri.getHost() == null) {
          throw new FlagException(
              "invalid value \""
                  + text
                  + "\" for flag -"
                  + name
                  + ": URL scheme must be http, https, unix, or unixs: "
                  + part,
              2);
        }
        if (uri.getPath() != null && !uri.getPath().isEmpty()) {
          throw new FlagException(
              "invalid value \""
                  + text
                  + "\" for flag -"
                  + name
                  + ": URL must not contain a path: "
                  + part,
              2);
        }
        urls.add(uri);
      }
      return urls;
    }

    private FlagException parseError(String name) {
      return new FlagException(
          "invalid value \"" + string(name) + "\" for flag -" + name + ": parse error", 2);
    }
  }

  private static ServerConfig toConfig(Values v) throws FlagException {
    String name = v.string("name");
    String dataDir = v.string("data-dir").isEmpty() ? name + ".etcdj" : v.string("data-dir");
    String walDir = v.string("wal-dir");
    long heartbeat = v.longValue("heartbeat-interval");
    long election = v.longValue("election-timeout");
    if (heartbeat <= 0) {
      throw verifyError("--heartbeat-interval must be positive, got " + heartbeat + "ms");
    }
    if (election < 5 * heartbeat) {
      throw verifyError(
          "--election-timeout["
              + election
              + "ms] should be at least as 5 times as --heartbeat-interval["
              + heartbeat
              + "ms]");
    }
    if (election > 50000) {
      throw verifyError(
          "--election-timeout["
              + election
              + "ms] is too long, and should be set less than 50 seconds");
    }
    if (v.isExplicit("listen-client-urls") && !v.isExplicit("advertise-client-urls")) {
      throw verifyError(
          "--advertise-client-urls is required when --listen-client-urls is set explicitly");
    }
    ServerConfig.ClusterState state =
        switch (v.string("initial-cluster-state")) {
          case "new" -> ServerConfig.ClusterState.NEW;
          case "existing" -> ServerConfig.ClusterState.EXISTING;
          default ->
              throw new FlagException(
                  "invalid value \""
                      + v.string("initial-cluster-state")
                      + "\" for flag -initial-cluster-state: invalid value",
                  2);
        };
    ServerConfig.CompactionMode mode =
        switch (v.string("auto-compaction-mode")) {
          case "periodic" -> ServerConfig.CompactionMode.PERIODIC;
          case "revision" -> ServerConfig.CompactionMode.REVISION;
          default ->
              throw verifyError(
                  "unknown auto-compaction-mode \"" + v.string("auto-compaction-mode") + "\"");
        };
    String logLevel = v.string("log-level");
    if (!List.of("debug", "info", "warn", "error", "panic", "fatal").contains(logLevel)) {
      throw verifyError("unknown log-level \"" + logLevel + "\"");
    }
    String metrics = v.string("metrics");
    if (!metrics.equals("basic") && !metrics.equals("extensive")) {
      throw verifyError("unknown metrics level \"" + metrics + "\"");
    }
    int bcryptCost = v.intValue("bcrypt-cost");
    if (bcryptCost < 4 || bcryptCost > 31) {
      throw verifyError(
          "invalid bcrypt-cost: " + bcryptCost + " (valid values are between 4 and 31)");
    }
    List<URI> listenClient = v.urls("listen-client-urls");
    List<URI> listenPeer = v.urls("listen-peer-urls");
    if (listenClient.isEmpty() || listenPeer.isEmpty()) {
      throw verifyError("--listen-client-urls and --listen-peer-urls must not be empty");
    }
    try {
      return new ServerConfig(
          name,
          Path.of(dataDir),
          walDir.isEmpty() ? null : Path.of(walDir),
          positive(v, "snapshot-count"),
          heartbeat,
          election,
          listenPeer,
          listenClient,
          v.urls("advertise-client-urls"),
          v.urls("initial-advertise-peer-urls"),
          v.string("initial-cluster"),
          state,
          v.string("initial-cluster-token"),
          nonNegative(v, "max-snapshots"),
          nonNegative(v, "max-wals"),
          v.longValue("quota-backend-bytes"),
          v.duration("backend-batch-interval"),
          (int) positive(v, "backend-batch-limit"),
          (int) positive(v, "max-txn-ops"),
          (int) positive(v, "max-request-bytes"),
          positive(v, "max-concurrent-streams"),
          v.duration("grpc-keepalive-min-time"),
          v.duration("grpc-keepalive-interval"),
          v.duration("grpc-keepalive-timeout"),
          v.bool("strict-reconfig-check"),
          v.bool("pre-vote"),
          mode,
          v.string("auto-compaction-retention"),
          v.string("auth-token"),
          bcryptCost,
          positive(v, "auth-token-ttl"),
          metrics,
          logLevel,
          v.urls("listen-metrics-urls"),
          v.bool("force-new-cluster"),
          v.bool("unsafe-no-fsync"),
          v.bool("experimental-initial-corrupt-check"),
          v.duration("experimental-corrupt-check-time"),
          v.bool("experimental-enable-lease-checkpoint"),
          ServerConfig.DEFAULT_LEASE_CHECKPOINT_INTERVAL,
          (int) positive(v, "experimental-compaction-batch-limit"),
          v.duration("experimental-watch-progress-notify-interval"),
          io.etcdj.wal.WalOptions.DEFAULT_SEGMENT_BYTES);
    } catch (IllegalArgumentException e) {
      throw verifyError(e.getMessage());
    }
  }

  private static long positive(Values v, String name) throws FlagException {
    long value = v.longValue(name);
    if (value <= 0) {
      throw verifyError("--" + name + " must be positive, got " + value);
    }
    return value;
  }

  private static int nonNegative(Values v, String name) throws FlagException {
    int value = v.intValue(name);
    if (value < 0) {
      throw verifyError("--" + name + " must not be negative, got " + value);
    }
    return value;
  }

  private static FlagException verifyError(@Nullable String detail) {
    return new FlagException("error verifying flags, " + detail + ". See 'etcdj --help'.", 1);
  }

  /** The help text, laid out as etcd lays out its own. */
  static String usage() {
    StringBuilder out = new StringBuilder();
    out.append("Usage:\n\n")
        .append("  etcdj [flags]\n")
        .append("    Start an etcdj member.\n\n")
        .append("  etcdj --version\n")
        .append("    Show the version of etcdj.\n\n")
        .append("  etcdj -h | --help\n")
        .append("    Show this help.\n\n")
        .append("Every flag can also be set by an environment variable: --data-dir is")
        .append(" ETCD_DATA_DIR.\n");
    Section current = null;
    for (Flag flag : FLAGS) {
      if (flag.section() != current) {
        current = flag.section();
        out.append('\n').append(current.heading).append(":\n");
      }
      out.append("  --")
          .append(flag.name())
          .append(" '")
          .append(flag.shownDefault())
          .append("'\n")
          .append("    ")
          .append(flag.help())
          .append('\n');
    }
    return out.toString();
  }
}
