package io.etcdj.it.harness;

import io.etcdj.bench.EtcdProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What runs a member: real etcd 3.4 (the oracle) or etcdj. Both get exactly the same etcd flags;
 * only the command in front of them differs.
 */
public enum Target {
  /** Debian's etcd 3.4: {@code $ETCD_BINARY}, else {@code /usr/bin/etcd}. */
  ETCD,
  /** {@code <this JDK's java> <JVM flags> -jar <project root>/etcdj-app/target/etcdj.jar}. */
  ETCDJ;

  /** The JVM flags lmdbjava needs on JDK 25, as {@code bin/launch} passes them. */
  static final List<String> ETCDJ_JVM_FLAGS =
      List.of(
          "--add-opens",
          "java.base/java.nio=ALL-UNNAMED",
          "--add-exports",
          "java.base/sun.nio.ch=ALL-UNNAMED",
          "--enable-native-access=ALL-UNNAMED",
          "--sun-misc-unsafe-memory-access=allow");

  /** The command that, followed by etcd's flags, starts a member of this target. */
  public List<String> command() {
    return switch (this) {
      case ETCD -> List.of(EtcdProcess.binary());
      case ETCDJ -> {
        Path jar = projectRoot().resolve("etcdj-app/target/etcdj.jar");
        if (!Files.isRegularFile(jar)) {
          throw new IllegalStateException(
              jar + " not found: build it first (./mvnw -pl etcdj-app -am package -DskipTests)");
        }
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.addAll(ETCDJ_JVM_FLAGS);
        command.add("-jar");
        command.add(jar.toString());
        yield List.copyOf(command);
      }
    };
  }

  /** The java that runs this test. */
  static String javaExecutable() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /** The project root: system property {@code etcdj.project.root} (set by failsafe), else "..". */
  public static Path projectRoot() {
    String root = System.getProperty("etcdj.project.root");
    return Path.of(root == null || root.isBlank() ? ".." : root).toAbsolutePath().normalize();
  }

  /** {@code etcd} or {@code etcdj}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Target parse(String name) {
    return switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "etcd" -> ETCD;
      case "etcdj" -> ETCDJ;
      default -> throw new IllegalArgumentException("unknown target " + name + " (etcd, etcdj)");
    };
  }

  /** A comma list such as {@code etcd,etcdj}. */
  public static List<Target> parseList(String names) {
    List<Target> targets = new ArrayList<>();
    for (String name : names.split(",", -1)) {
      if (!name.isBlank()) {
        targets.add(parse(name));
      }
    }
    return List.copyOf(targets);
  }

  /** The targets named by system property {@code key}, else by {@code defaultValue}. */
  public static List<Target> fromProperty(String key, String defaultValue) {
    return parseList(System.getProperty(key, defaultValue));
  }
}
