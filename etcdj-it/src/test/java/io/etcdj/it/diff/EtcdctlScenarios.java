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

  /** Bound on a command expected to block (a lock or campaign behind another holder). */
  private static final Duration BLOCKED_BOUND = Duration.ofSeconds(3);

  /**
   * lock: exec mode (the key and revision handed to the command, the key held with the session
   * lease while it runs, gone after; the command's failure), the default mode stopped by SIGTERM
   * (which unlocks), and a lock behind an older key under the prefix (blocks; SIGTERM withdraws).
   * Session leases stay until their TTL (etcdctl does not revoke them), so no lease list here.
   */
  static final List<Step> LOCK =
      List.of(
          of("lock exec", "lock", "mylock", "echo", "hello"), // r38 put, r39 del
          of(
              "lock --ttl exec sees ETCD_LOCK_KEY and ETCD_LOCK_REV",
              "lock",
              "--ttl",
              "30",
              "mylock",
              "--",
              "sh",
              "-c",
              "echo \"key=$ETCD_LOCK_KEY rev=$ETCD_LOCK_REV\""), // LEASE5; r40, r41
          of("lease timetolive of the --ttl session", "lease", "timetolive", "${LEASE5}", "--keys"),
          of(
              "lock exec: the key is held with the session lease",
              "lock",
              "mylock",
              "--",
              "${ETCDCTL}",
              "--endpoints=${ENDPOINT}",
              "get",
              "mylock",
              "--prefix",
              "-w",
              "fields"), // LEASE6; r42, r43
          of("get lock prefix after exec", "get", "mylock", "--prefix", "-w", "json"),
          of("lock exec failing command", "lock", "mylock", "false"), // r44, r45
          of("lock exec missing command", "lock", "mylock", "/nonexistent/cmd"), // r46, r47
          of("lock without arguments", "lock"),
          of("lock until SIGTERM", "lock", "mylock").stopAfter(2, WATCH_BOUND), // LEASE7; r48, r49
          of("lease timetolive of the default-TTL session", "lease", "timetolive", "${LEASE7}"),
          of("get lock prefix after SIGTERM", "get", "mylock", "--prefix", "-w", "json"),
          of("put a key older than any waiter", "put", "mylock/held", "x"), // r50
          of("lock behind an older key blocks", "lock", "mylock", "echo", "never")
              .stopAfter(0, BLOCKED_BOUND), // r51 put, r52 del on SIGTERM
          of("get lock prefix after the blocked lock", "get", "mylock", "--prefix", "-w", "json"),
          of("del the older key", "del", "mylock/held")); // r53

  /**
   * elect: a campaign stopped by SIGTERM (which resigns), a listener seeing the current leader (a
   * key put under the prefix), a campaign behind it (blocks; SIGTERM withdraws), argument errors.
   */
  static final List<Step> ELECT =
      List.of(
          of("elect until SIGTERM", "elect", "myelection", "cand1")
              .stopAfter(2, WATCH_BOUND), // LEASE8; r54, r55
          of("lease timetolive of the elect session", "lease", "timetolive", "${LEASE8}"),
          of("get election prefix after resign", "get", "myelection", "--prefix", "-w", "json"),
          of("put a leader key", "put", "myelection/manual", "cand0"), // r56
          of("elect -l shows the leader", "elect", "-l", "myelection").stopAfter(2, WATCH_BOUND),
          of("elect behind the leader blocks", "elect", "myelection", "cand2")
              .stopAfter(0, BLOCKED_BOUND), // r57 put, r58 del on SIGTERM
          of("get election prefix after the blocked campaign", "get", "myelection", "--prefix"),
          of("del the leader key", "del", "myelection/manual"), // r59
          of("elect without arguments", "elect"),
          of("elect without a proposal", "elect", "myelection"));

  static final List<Step> MOVE_LEADER =
      List.of(
          of("move-leader to itself", "move-leader", "${MEMBER_ID}"),
          of("move-leader to an unknown member", "move-leader", "1234"),
          of("move-leader to 0", "move-leader", "0"),
          of("move-leader without arguments", "move-leader"),
          of("move-leader bad ID", "move-leader", "zz"));

  /** txn -i: the same grammar as txn, with its prompts on stdout. */
  static final List<Step> TXN_INTERACTIVE =
      List.of(
          of("put ik", "put", "ik", "v1"), // r60
          of("txn -i success branch", "txn", "-i")
              .stdin("value(\"ik\") = \"v1\"\n\nput ik v2\n\nget ik\n\n"), // r61
          of("txn -i -w json failure branch", "txn", "-i", "-w", "json")
              .stdin("value(\"ik\") = \"v1\"\n\nput ik v3\n\nget ik\n\n"),
          of("txn -i EOF", "txn", "-i").stdin("value(\"ik\") = \"v2\"\n"),
          of("txn -i bad compare", "txn", "-i").stdin("bogus\n\n\n\n"));

  /** The whole script, in order. */
  public static final List<Step> STEPS =
      java.util.stream.Stream.of(
              CLIENT,
              PUT,
              GET_SINGLE,
              GET_RANGE,
              DEL,
              TXN,
              WATCH,
              COMPACTION,
              LEASE,
              MAINTENANCE,
              LOCK,
              ELECT,
              MOVE_LEADER,
              TXN_INTERACTIVE)
          .flatMap(List::stream)
          .toList();

  /** The flags of the quota script's members (etcd's quota check counts backend bytes in use). */
  public static final List<String> QUOTA_FLAGS = List.of("--quota-backend-bytes", "300000");

  /** One fill value: 10000 bytes, so the quota is reached after a few dozen puts. */
  private static final String FILL_VALUE = "v".repeat(10_000);

  /**
   * The backend quota script, run on members started with {@link #QUOTA_FLAGS}: puts until {@code
   * database space exceeded} (how many fit differs between bbolt and LMDB; revisions from the one
   * reached are shown as {@code FILLED+k}), then the NOSPACE alarm and what it allows, compaction,
   * defrag (the alarm stays), disarm, and writes working again.
   */
  public static final List<Step> QUOTA =
      List.of(
          of("endpoint status before", "endpoint", "status"),
          of("put small", "put", "small", "x"), // r2
          of("alarm list before", "alarm", "list"),
          of("fill until NOSPACE", "put", "big")
              .stdin(FILL_VALUE)
              .repeatUntilFailure(300)
              .thenMarkRevision("FILLED"),
          of("alarm list", "alarm", "list"),
          of("alarm list -w json", "alarm", "list", "-w", "json"),
          of("endpoint status shows the alarm", "endpoint", "status"),
          of("endpoint status -w json shows the alarm", "endpoint", "status", "-w", "json"),
          of("put under NOSPACE", "put", "small", "y"),
          of("put of a smaller value under NOSPACE", "put", "big", "small"),
          of("txn with a put under NOSPACE", "txn").stdin("\n\nput t v\n\n\n"),
          of("lease grant under NOSPACE", "lease", "grant", "100"),
          of("get under NOSPACE", "get", "small"),
          of("get -w json under NOSPACE", "get", "small", "-w", "json"),
          of("del of a missing key under NOSPACE", "del", "nokey"),
          of("compaction under NOSPACE", "compaction", "${FILLED}"),
          of("put after compaction", "put", "small", "y"),
          of("defrag under NOSPACE", "defrag"),
          of("alarm list after defrag", "alarm", "list"),
          of("put after defrag, alarm still raised", "put", "small", "y"),
          of("read-only txn after defrag", "txn").stdin("\n\nget small\n\n\n"),
          of("alarm disarm", "alarm", "disarm"),
          of("alarm disarm again -w json", "alarm", "disarm", "-w", "json"),
          of("alarm list after disarm", "alarm", "list"),
          of("alarm list -w json after disarm", "alarm", "list", "-w", "json"),
          of("endpoint status after disarm", "endpoint", "status"),
          of("put after disarm", "put", "small", "y"), // FILLED+1
          of("get after disarm -w json", "get", "small", "-w", "json"),
          of("del the fill key", "del", "big"), // FILLED+2
          of("lease grant after disarm", "lease", "grant", "100"), // LEASE1
          of("final keyspace -w json", "get", "", "--prefix", "-w", "json"));
}
