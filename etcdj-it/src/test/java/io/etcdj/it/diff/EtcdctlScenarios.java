package io.etcdj.it.diff;

import static io.etcdj.it.diff.Step.of;

import java.time.Duration;
import java.util.List;

/**
 * The differential etcdctl script: one ordered list of steps run against a fresh single member of
 * each target. Steps build on each other (revisions are asserted by equality, so the order
 * matters); comments give the revision after each write on a fresh member (which starts at 1).
 * Extend by appending steps, or inserting them where their revisions are not relied upon by a later
 * {@code --rev} or {@code compaction} step.
 */
public final class EtcdctlScenarios {
  private EtcdctlScenarios() {}

  /** A lease ID no member granted, for the error cases (masked as {@code UNKNOWN_LEASE}). */
  public static final String UNKNOWN_LEASE = "1234abcd";

  private static final Duration WATCH_BOUND = Duration.ofSeconds(8);

  /** Client-side only, but cheap and pins the etcdctl in use. */
  static final List<Step> CLIENT = List.of(of("etcdctl version", "version"));

  static final List<Step> PUT =
      List.of(
          of("put plain", "put", "foo", "bar"), // r2
          of("put --prev-kv", "put", "foo", "bar2", "--prev-kv"), // r3
          of("put -w json", "put", "foo", "bar3", "-w", "json"), // r4
          of("put -w fields", "put", "foo", "bar4", "-w", "fields"), // r5
          of("put --prev-kv -w fields", "put", "foo", "bar5", "--prev-kv", "-w", "fields"), // r6
          of("put -w protobuf", "put", "foo", "bar6", "-w", "protobuf")
              .stdoutAs(Step.StdoutFormat.PUT_PROTOBUF), // r7
          of("put empty key", "put", "", "x"),
          of("put value from stdin", "put", "fromstdin").stdin("piped value\n"), // r8
          of("put --ignore-value", "put", "foo", "--ignore-value"), // r9
          of("put --ignore-value with a value", "put", "foo", "x", "--ignore-value"),
          of("put --ignore-value missing key", "put", "nokey1", "--ignore-value"),
          of("put --ignore-lease", "put", "foo", "bar7", "--ignore-lease"), // r10
          of("put --ignore-lease missing key", "put", "nokey2", "v", "--ignore-lease"),
          of("put without arguments", "put"));

  static final List<Step> GET_SINGLE =
      List.of(
          of("get", "get", "foo"),
          of("get -w json", "get", "foo", "-w", "json"),
          of("get -w fields", "get", "foo", "-w", "fields"),
          of("get -w protobuf", "get", "foo", "-w", "protobuf")
              .stdoutAs(Step.StdoutFormat.RANGE_PROTOBUF),
          of("get --hex", "get", "foo", "--hex"),
          of("get --print-value-only", "get", "foo", "--print-value-only"),
          of("get --keys-only", "get", "foo", "--keys-only"),
          of("get stdin-put value", "get", "fromstdin", "-w", "json"),
          of("get missing", "get", "nokey"),
          of("get missing -w json", "get", "nokey", "-w", "json"),
          of("get missing -w fields", "get", "nokey", "-w", "fields"),
          of("get empty key", "get", ""),
          of("get without arguments", "get"));

  static final List<Step> GET_RANGE =
      List.of(
          of("put a", "put", "a", "1"), // r11
          of("put b", "put", "b", "2"), // r12
          of("put c", "put", "c", "3"), // r13
          of("put d", "put", "d", "4"), // r14
          of("put a/x", "put", "a/x", "ax"), // r15
          of("put a/y", "put", "a/y", "ay"), // r16
          of("put ab", "put", "ab", "5"), // r17
          of("put b again", "put", "b", "22"), // r18
          of("get range [a, c)", "get", "a", "c"),
          of("get --prefix a", "get", "a", "--prefix"),
          of("get --prefix a/ -w json", "get", "a/", "--prefix", "-w", "json"),
          of("get --from-key b", "get", "b", "--from-key"),
          of("get all --limit 2 -w json", "get", "", "--prefix", "--limit", "2", "-w", "json"),
          of("get all --from-key --keys-only", "get", "", "--from-key", "--keys-only"),
          of("get all --order DESCEND", "get", "", "--prefix", "--order=DESCEND"),
          of("get all --order ASCEND", "get", "", "--prefix", "--order=ASCEND"),
          of("get all --sort-by CREATE", "get", "", "--prefix", "--sort-by=CREATE"),
          of(
              "get all --sort-by CREATE DESCEND",
              "get",
              "",
              "--prefix",
              "--sort-by=CREATE",
              "--order=DESCEND"),
          of(
              "get all --sort-by MODIFY DESCEND",
              "get",
              "",
              "--prefix",
              "--sort-by=MODIFY",
              "--order=DESCEND"),
          of("get all --sort-by VALUE", "get", "", "--prefix", "--sort-by=VALUE"),
          of(
              "get all --sort-by VERSION DESCEND (ties)",
              "get",
              "",
              "--prefix",
              "--sort-by=VERSION",
              "--order=DESCEND",
              "-w",
              "json"),
          of("get all --sort-by VERSION ASCEND", "get", "", "--prefix", "--sort-by=VERSION"),
          of(
              "get all --sort-by KEY DESCEND --limit 3",
              "get",
              "",
              "--prefix",
              "--sort-by=KEY",
              "--order=DESCEND",
              "--limit=3",
              "-w",
              "json"),
          of("get --rev=2", "get", "foo", "--rev=2"),
          of("get --rev=2 -w json", "get", "foo", "--rev=2", "-w", "json"),
          of("get --rev=0", "get", "foo", "--rev=0"),
          of("get --rev=-1", "get", "foo", "--rev=-1", "-w", "json"),
          of("get future --rev", "get", "foo", "--rev=1000"),
          of("get --consistency=s", "get", "foo", "--consistency=s", "-w", "json"),
          of("get range end before key", "get", "c", "a"),
          of("get range end before key -w json", "get", "c", "a", "-w", "json"),
          of(
              "get --prefix -w fields --limit 1",
              "get",
              "a",
              "--prefix",
              "-w",
              "fields",
              "--limit",
              "1"));

  static final List<Step> DEL =
      List.of(
          of("del missing", "del", "nokey"),
          of("del single", "del", "d"), // r19
          of("del --prev-kv", "del", "c", "--prev-kv"), // r20
          of("del --prefix", "del", "a/", "--prefix"), // r21 (a/x, a/y)
          of("del range [a, ab)", "del", "a", "ab"), // r22 (a)
          of("del --from-key nothing", "del", "zz", "--from-key"),
          of("del -w json", "del", "ab", "-w", "json"), // r23
          of("del --prev-kv -w fields", "del", "b", "--prev-kv", "-w", "fields"), // r24
          of("del empty key", "del", ""),
          of("del without arguments", "del"));

  static final List<Step> TXN =
      List.of(
          of("put k1", "put", "k1", "v1"), // r25
          of("txn success branch", "txn")
              .stdin("value(\"k1\") = \"v1\"\n\nput k1 v2\nput k2 x\n\nget k1\n\n"), // r26
          of("txn failure branch", "txn")
              .stdin("value(\"k1\") = \"zz\"\n\nput k1 v3\n\nget k1\nget k2\n\n"),
          of("txn mod compare -w json", "txn", "-w", "json")
              .stdin("mod(\"k1\") > \"0\"\n\nput k3 v3\n\n\n"), // r27
          of("txn version compare fails -w json", "txn", "-w", "json")
              .stdin("version(\"k1\") = \"3\"\n\n\nget k1\n\n"),
          of("txn create compare, del/put --prev-kv -w json", "txn", "-w", "json")
              .stdin(
                  "create(\"k2\") = \"26\"\n\ndel k2 --prev-kv\nput k1 v4 --prev-kv\n\n\n"), // r28
          of("txn != compare, failure put", "txn")
              .stdin("value(\"k1\") != \"v4\"\n\nput k1 no\n\nput k4 yes\n\n"), // r29
          of("txn two compares, range get", "txn")
              .stdin("version(\"k1\") < \"10\"\nmod(\"k3\") < \"1000\"\n\nget k --prefix\n\n\n"),
          of("txn compare on missing key", "txn", "-w", "json")
              .stdin("create(\"nokey\") = \"0\"\n\nget nokey\n\n\n"),
          of("txn empty", "txn").stdin("\n\n\n"),
          of("txn empty -w json", "txn", "-w", "json").stdin("\n\n\n"),
          of("txn -w fields", "txn", "-w", "fields")
              .stdin("value(\"k1\") = \"v4\"\n\nget k1\nput k5 v5\n\n\n"), // r30
          of("txn duplicate key", "txn")
              .stdin("value(\"k1\") = \"v4\"\n\nput k6 a\nput k6 b\n\n\n"),
          of("txn EOF before the end", "txn").stdin("value(\"k1\") = \"v4\"\n"),
          of("txn bad compare", "txn").stdin("bogus(\"k1\") = \"x\"\n\n\n\n"),
          of("txn empty key in op", "txn").stdin("\n\nput \"\" x\n\n\n"));

  /** Historical watches (--rev): all events come at once; etcdctl is stopped after them. */
  static final List<Step> WATCH =
      List.of(
          // foo: r2..r7, r9, r10 = 8 PUT events of 3 lines.
          of("watch foo --rev=1", "watch", "foo", "--rev=1").stopAfter(24, WATCH_BOUND),
          // a*: PUT a(11), a/x(15), a/y(16), ab(17); DELETE a/x, a/y(21), a(22), ab(23).
          of("watch --prefix --rev=11", "watch", "a", "--prefix", "--rev=11")
              .stopAfter(24, WATCH_BOUND),
          // b: PUT 2 (3 lines); PUT 22 with prev (5); DELETE with prev (5).
          of("watch --prev-kv --rev=12", "watch", "b", "--prev-kv", "--rev=12")
              .stopAfter(13, WATCH_BOUND),
          of("watch -w json --rev=25", "watch", "k1", "--rev=25", "-w", "json")
              .stopAfter(1, WATCH_BOUND),
          of("watch range [k2, k4) --rev=26", "watch", "k2", "k4", "--rev=26")
              .stopAfter(9, WATCH_BOUND),
          of("watch -i bad line", "watch", "-i").stdin("bogus\n"));

  static final List<Step> COMPACTION =
      List.of(
          of("hashkv before compaction", "endpoint", "hashkv"),
          of("compaction", "compaction", "5"),
          of("get compacted --rev", "get", "foo", "--rev=4"),
          of("get at the compact revision", "get", "foo", "--rev=5"),
          of("compaction again below", "compaction", "3"),
          of("compaction at the same revision", "compaction", "5"),
          of("compaction future", "compaction", "1000"),
          of("compaction --physical", "compaction", "8", "--physical"),
          of("watch compacted --rev", "watch", "foo", "--rev=2").stopAfter(0, WATCH_BOUND),
          of("watch compacted --rev -w json", "watch", "foo", "--rev=2", "-w", "json")
              .stopAfter(0, WATCH_BOUND),
          of("hashkv after compaction", "endpoint", "hashkv"),
          of("hashkv -w json", "endpoint", "hashkv", "-w", "json"),
          of("get all after compaction -w json", "get", "", "--prefix", "-w", "json"));

  static final List<Step> LEASE =
      List.of(
          of("lease grant", "lease", "grant", "100"), // LEASE1
          of("lease grant -w json", "lease", "grant", "200", "-w", "json"), // LEASE2
          of("lease grant -w fields", "lease", "grant", "300", "-w", "fields"), // LEASE3
          of("lease list", "lease", "list"),
          of("lease list -w json", "lease", "list", "-w", "json"),
          of("put --lease", "put", "lk", "v", "--lease=${LEASE1}"), // r31
          of("put --lease 2", "put", "lk2", "v2", "--lease=${LEASE2}"), // r32
          of("get leased -w json", "get", "lk", "-w", "json"),
          of("get leased -w fields", "get", "lk", "-w", "fields"),
          of("put --ignore-lease keeps the lease", "put", "lk", "v1", "--ignore-lease"), // r33
          of("get after --ignore-lease -w json", "get", "lk", "-w", "json"),
          of(
              "put --ignore-lease with --lease",
              "put",
              "lk",
              "x",
              "--ignore-lease",
              "--lease=${LEASE1}"),
          of("lease timetolive", "lease", "timetolive", "${LEASE1}"),
          of("lease timetolive --keys", "lease", "timetolive", "${LEASE1}", "--keys"),
          of(
              "lease timetolive --keys -w json",
              "lease",
              "timetolive",
              "${LEASE1}",
              "--keys",
              "-w",
              "json"),
          of(
              "lease timetolive --keys -w fields",
              "lease",
              "timetolive",
              "${LEASE1}",
              "--keys",
              "-w",
              "fields"),
          of("lease keep-alive --once", "lease", "keep-alive", "--once", "${LEASE1}"),
          of(
              "lease keep-alive --once -w json",
              "lease",
              "keep-alive",
              "--once",
              "${LEASE1}",
              "-w",
              "json"),
          of("lease revoke", "lease", "revoke", "${LEASE2}"), // r34 (lk2 deleted)
          of("get key of revoked lease", "get", "lk2", "-w", "json"),
          of("lease revoke again", "lease", "revoke", "${LEASE2}"),
          of("lease timetolive revoked", "lease", "timetolive", "${LEASE2}"),
          of("lease timetolive revoked -w json", "lease", "timetolive", "${LEASE2}", "-w", "json"),
          of("lease revoke unknown", "lease", "revoke", UNKNOWN_LEASE),
          of("put --lease unknown", "put", "x", "y", "--lease=" + UNKNOWN_LEASE),
          of("lease timetolive unknown", "lease", "timetolive", UNKNOWN_LEASE),
          of("lease keep-alive --once unknown", "lease", "keep-alive", "--once", UNKNOWN_LEASE),
          of("lease grant too large", "lease", "grant", "100000000000"),
          of("lease grant below the minimum TTL", "lease", "grant", "1"), // LEASE4
          of("put on the short lease", "put", "ek", "ev", "--lease=${LEASE4}"), // r35
          of("lease timetolive expired", "lease", "timetolive", "${LEASE4}")
              .pauseBefore(Duration.ofSeconds(6)),
          of("get key of expired lease -w json", "get", "ek", "-w", "json"), // r36 (expiry)
          of("lease list after revoke and expiry", "lease", "list"),
          of("lease revoke 1", "lease", "revoke", "${LEASE1}"), // r37 (lk deleted)
          of("lease revoke 3", "lease", "revoke", "${LEASE3}"),
          of("lease list empty", "lease", "list"),
          of("lease list empty -w json", "lease", "list", "-w", "json"));

  static final List<Step> MAINTENANCE =
      List.of(
          of("compaction to the current revision", "compaction", "37"),
          of("hashkv with no leased revisions left", "endpoint", "hashkv"),
          of("endpoint health", "endpoint", "health"),
          of("endpoint health -w json", "endpoint", "health", "-w", "json"),
          of("endpoint health -w fields", "endpoint", "health", "-w", "fields"),
          of("endpoint status", "endpoint", "status"),
          of("endpoint status -w json", "endpoint", "status", "-w", "json"),
          of("endpoint status -w fields", "endpoint", "status", "-w", "fields"),
          of("member list", "member", "list"),
          of("member list -w json", "member", "list", "-w", "json"),
          of("member list -w fields", "member", "list", "-w", "fields"),
          of("alarm list", "alarm", "list"),
          of("alarm list -w json", "alarm", "list", "-w", "json"),
          of("defrag", "defrag"),
          of("snapshot save", "snapshot", "save", "snap.db").compareExitAndStdoutOnly(),
          of("unsupported output format", "get", "foo", "-w", "table"),
          of("final keyspace -w json", "get", "", "--prefix", "-w", "json"),
          of("final endpoint status -w json", "endpoint", "status", "-w", "json"));

  /** The whole script, in order. */
  public static final List<Step> STEPS =
      java.util.stream.Stream.of(
              CLIENT, PUT, GET_SINGLE, GET_RANGE, DEL, TXN, WATCH, COMPACTION, LEASE, MAINTENANCE)
          .flatMap(List::stream)
          .toList();
}
