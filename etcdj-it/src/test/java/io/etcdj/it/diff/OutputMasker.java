package io.etcdj.it.diff;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hides, in etcdctl output, exactly what legitimately differs between two members given the same
 * commands: member and cluster IDs (they hash the peer URLs, hence the ports), ports and the run's
 * directory, raft terms, lease IDs (time-based; the N-th distinct lease becomes {@code LEASEN}
 * everywhere, so references still match), database sizes, durations, remaining lease TTLs, and the
 * Go client's log timestamps and connection UUIDs. Revisions, keys, values, counts, hashes, errors,
 * versions and exit codes are left as they are: those must be equal. The one exception is opt-in
 * ({@link #revisionsFrom}): a script whose revision count legitimately differs (puts until the
 * backend quota) names the revision reached, and revisions from it on are shown relative to it.
 *
 * <p>One masker per target run: it is stateful (the lease numbering) and knows that run's IDs,
 * ports and directory.
 */
public final class OutputMasker {
  private final Map<String, String> decimalIds = new HashMap<>();
  private final Map<String, String> hexIds = new HashMap<>();
  private final Map<Integer, String> ports = new HashMap<>();
  private final String workDir;
  private final Map<Long, String> leases = new LinkedHashMap<>();
  private final Map<Long, String> namedLeases = new HashMap<>();
  private final Map<String, String> placeholders = new HashMap<>();
  private long revisionBase = Long.MAX_VALUE;
  private String revisionName = "";

  /**
   * @param workDir the run's working directory (replaced by {@code WORKDIR})
   */
  public OutputMasker(String workDir) {
    this.workDir = workDir;
  }

  /** Masks {@code id} (decimal or {@code %x} hex) as {@code name}, e.g. MEMBER_ID. */
  public OutputMasker id(long id, String name) {
    decimalIds.put(Long.toUnsignedString(id), name);
    hexIds.put(Long.toHexString(id), name);
    return this;
  }

  /** Masks {@code 127.0.0.1:port} as {@code 127.0.0.1:name}. */
  public OutputMasker port(int port, String name) {
    ports.put(port, name);
    return this;
  }

  /**
   * Names lease {@code id} (one a step makes up, such as an unknown ID for an error case) so that
   * it is shown as {@code name} and does not take a {@code LEASEn} number.
   */
  public OutputMasker lease(long id, String name) {
    namedLeases.put(id, name);
    return this;
  }

  /** Defines placeholder {@code ${name}} of step arguments (e.g. MEMBER_ID, ENDPOINT). */
  public OutputMasker placeholder(String name, String value) {
    placeholders.put(name, value);
    return this;
  }

  /**
   * From now on shows revisions {@code >= base} (in revision fields and {@code compacted revision
   * N}) as {@code name} and {@code name+k}, and defines placeholder {@code ${name}} as {@code
   * base}. Lower revisions stay as they are.
   */
  public OutputMasker revisionsFrom(long base, String name) {
    revisionBase = base;
    revisionName = name;
    return placeholder(name, Long.toString(base));
  }

  /** The lease IDs seen so far, in order: {@code LEASE1} is the first. */
  public List<Long> leases() {
    return List.copyOf(leases.keySet());
  }

  /**
   * Fills the placeholders of a step's argument: {@code ${LEASEn}}, {@code ${WORKDIR}} and those
   * defined by {@link #placeholder}; an unknown {@code ${NAME}} is an error (a typo in the script).
   */
  public String resolve(String arg) {
    String resolved = arg.replace("${WORKDIR}", workDir);
    resolved =
        replace(
            PLACEHOLDER,
            resolved,
            r -> {
              String value = placeholders.get(r.group(1));
              if (value == null) {
                throw new IllegalStateException(
                    "step refers to ${" + r.group(1) + "}, which is not defined (yet)");
              }
              return value;
            });
    Matcher m = Pattern.compile("\\$\\{LEASE(\\d+)}").matcher(resolved);
    return m.replaceAll(
        r -> {
          int n = Integer.parseInt(r.group(1));
          List<Long> seen = leases();
          if (n < 1 || n > seen.size()) {
            throw new IllegalStateException(
                "step refers to LEASE" + n + " but only " + seen.size() + " leases were seen");
          }
          return String.format("%016x", seen.get(n - 1));
        });
  }

  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z][A-Z_]*)}");
  private static final Pattern REVISION =
      Pattern.compile(
          "(\"(?:revision|create_revision|mod_revision|compact_revision)\":"
              + "|\"(?:Revision|CreateRevision|ModRevision|CompactRevision)\" : "
              + "|compacted revision )(\\d+)");
  private static final Pattern LOOPBACK_PORT = Pattern.compile("127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern CLIENT_UUID =
      Pattern.compile("client-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  private static final Pattern DECIMAL_TOKEN = Pattern.compile("(?<![\\w.])\\d{6,20}(?![\\w.])");
  private static final Pattern HEX_TOKEN = Pattern.compile("(?<![\\w.])[0-9a-f]{6,16}(?![\\w.])");
  private static final Pattern LEASE_HEX = Pattern.compile("(?<![\\w.])[0-9a-f]{16}(?![\\w.])");

  /**
   * A session lease in a lock or election key ({@code mylock/694d7a3b5c1e2f0}): etcdctl prints it
   * with {@code %x}, so an ID whose first hex digit is 0 has 15 digits (or fewer).
   */
  private static final Pattern LEASE_IN_KEY =
      Pattern.compile("(?<=[\\w-]/)[0-9a-f]{10,15}(?![\\w.])");

  private static final Pattern LEASE_JSON = Pattern.compile("\"(ID|id|lease)\":([1-9]\\d*)");
  private static final Pattern LEASE_FIELDS =
      Pattern.compile("\"(ID|Lease|PrevLease)\" : ([1-9]\\d*)");

  /** Ordered rules applied after the IDs, ports and leases: {regex, replacement}. */
  private static final List<Rule> RULES =
      List.of(
          // Go client (zap) log lines on stderr.
          new Rule("\"ts\":\"[^\"]*\"", "\"ts\":\"TS\""),
          new Rule("\"took\":\"[^\"]*\"", "\"took\":\"DURATION\""),
          new Rule("\"size\":\"[^\"]*\"", "\"size\":\"SIZE\""),
          // Any ID not known by value (other members, other clusters).
          new Rule("\"(cluster_id|member_id|leader|memberID)\":[1-9]\\d*", "\"$1\":ID"),
          new Rule("\"(ClusterID|MemberID|Leader)\" : [1-9]\\d*", "\"$1\" : ID"),
          new Rule("memberID:[1-9]\\d*", "memberID:ID"),
          // Raft terms.
          new Rule("\"(raft_term|raftTerm)\":\\d+", "\"$1\":TERM"),
          new Rule("\"RaftTerm\" : \\d+", "\"RaftTerm\" : TERM"),
          // Sizes.
          new Rule("\"(dbSize|dbSizeInUse)\":\\d+", "\"$1\":SIZE"),
          new Rule("\"(DBSize|DBSizeInUse)\" : \\d+", "\"$1\" : SIZE"),
          new Rule("(?<![\\w.])\\d+(\\.\\d+)? (B|kB|MB|GB)(?!\\w)", "SIZE"),
          // Durations and remaining TTLs.
          new Rule("took = \\S+", "took = DURATION"),
          new Rule("\"Took\" : \\S+", "\"Took\" : DURATION"),
          new Rule("remaining\\(\\d+s\\)", "remaining(REMAINING)"),
          new Rule("\"ttl\":\\d+", "\"ttl\":REMAINING"),
          // Raft indexes count internal entries (etcd 3.4 also logs its cluster version and v2
          // attribute writes); revisions, which clients see, are compared unmasked.
          new Rule("\"(raftIndex|raftAppliedIndex)\":\\d+", "\"$1\":INDEX"),
          new Rule("\"(RaftIndex|RaftAppliedIndex)\" : \\d+", "\"$1\" : INDEX"),
          // endpoint status (simple): endpoint, id, version, size, leader, learner, term, index,
          // applied index, errors.
          new Rule(
              "(?m)^([^,\\n]+, [^,\\n]+, [^,\\n]+, SIZE, (?:true|false), (?:true|false), )\\d+, \\d+, \\d+(, )",
              "$1TERM, INDEX, INDEX$2"));

  private record Rule(Pattern pattern, String replacement) {
    Rule(String regex, String replacement) {
      this(Pattern.compile(regex), replacement);
    }
  }

  /** The masked form of one output (stdout or stderr). */
  public String mask(String text) {
    String s = workDir.isEmpty() ? text : text.replace(workDir, "WORKDIR");
    s =
        replace(
            LOOPBACK_PORT,
            s,
            m -> "127.0.0.1:" + ports.getOrDefault(Integer.parseInt(m.group(1)), "PORT"));
    s = CLIENT_UUID.matcher(s).replaceAll("client-UUID");
    s = replace(DECIMAL_TOKEN, s, m -> decimalIds.getOrDefault(m.group(), m.group()));
    s = replace(HEX_TOKEN, s, m -> hexIds.getOrDefault(m.group(), m.group()));
    s = replace(LEASE_HEX, s, m -> lease(Long.parseUnsignedLong(m.group(), 16)));
    s = replace(LEASE_IN_KEY, s, m -> lease(Long.parseUnsignedLong(m.group(), 16)));
    s = replace(LEASE_JSON, s, m -> "\"" + m.group(1) + "\":" + lease(Long.parseLong(m.group(2))));
    s =
        replace(
            LEASE_FIELDS, s, m -> "\"" + m.group(1) + "\" : " + lease(Long.parseLong(m.group(2))));
    if (!revisionName.isEmpty()) {
      s =
          replace(
              REVISION,
              s,
              m -> {
                long rev = Long.parseLong(m.group(2));
                String shown =
                    rev < revisionBase
                        ? m.group(2)
                        : rev == revisionBase
                            ? revisionName
                            : revisionName + "+" + (rev - revisionBase);
                return m.group(1) + shown;
              });
    }
    for (Rule rule : RULES) {
      s = rule.pattern().matcher(s).replaceAll(rule.replacement());
    }
    if (s.contains("\"GrantedTTL\" : ")) {
      // lease timetolive -w fields: "TTL" is the remaining time there (lease grant's is not).
      s = s.replaceAll("\"TTL\" : \\d+", "\"TTL\" : REMAINING");
    }
    return s;
  }

  private String lease(long id) {
    String named = namedLeases.get(id);
    if (named != null) {
      return named;
    }
    return leases.computeIfAbsent(id, k -> "LEASE" + (leases.size() + 1));
  }

  private static String replace(Pattern pattern, String s, Function<Matcher, String> f) {
    Matcher m = pattern.matcher(s);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(f.apply(m)));
    }
    m.appendTail(out);
    return out.toString();
  }
}
