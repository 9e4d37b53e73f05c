package io.etcdj.it;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.etcdj.it.fixture.CoreCodeThatBreaksTheRules;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layer arrows of STYLE.md and ARCHITECTURE.md, and the APIs banned in the deterministic core,
 * checked over the compiled main classes of every module.
 */
class LayerArchitectureTest {
  private static JavaClasses etcdj;

  @BeforeAll
  static void importMainClasses() {
    etcdj =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.etcdj");
    // Guard against a vacuous pass: the modules' classes must really be on the class path.
    assertThat(etcdj.containPackage("io.etcdj.app")).isTrue();
    assertThat(etcdj.containPackage("io.etcdj.api.etcdserverpb")).isTrue();
  }

  /** Classes in {@code layer} may depend only on the JDK, JSpecify and {@code allowed}. */
  static ArchRule onlyDependsOn(String layer, String... allowed) {
    List<String> packages = new java.util.ArrayList<>(List.of("java..", "org.jspecify..", layer));
    packages.addAll(List.of(allowed));
    return com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes()
        .that()
        .resideInAPackage(layer)
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage(packages.toArray(String[]::new))
        .allowEmptyShould(true);
  }

  /**
   * The deterministic core takes time and randomness as arguments: no clock reads, no global random
   * generator, no threads of its own.
   */
  static ArchRule noClockRandomOrThreadsIn(String... layers) {
    return noClasses()
        .that()
        .resideInAnyPackage(layers)
        .should()
        .callMethod(System.class, "currentTimeMillis")
        .orShould()
        .callMethod(System.class, "nanoTime")
        .orShould()
        .callMethod(java.time.Instant.class, "now")
        .orShould()
        .callMethod(Math.class, "random")
        .orShould()
        .dependOnClassesThat()
        .belongToAnyOf(
            java.util.Random.class,
            java.security.SecureRandom.class,
            java.util.concurrent.ThreadLocalRandom.class,
            java.time.Clock.class,
            Thread.class,
            java.util.concurrent.Executors.class)
        .allowEmptyShould(true);
  }

  @Test
  void raftDependsOnNothingButTheJdk() {
    onlyDependsOn("io.etcdj.raft..").check(etcdj);
  }

  @Test
  void raftDoesNoIo() {
    noClasses()
        .that()
        .resideInAPackage("io.etcdj.raft..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("java.io..", "java.nio.file..", "java.nio.channels..", "java.net..")
        .allowEmptyShould(true)
        .check(etcdj);
  }

  @Test
  void walAndSnapDependOnlyOnRaft() {
    onlyDependsOn("io.etcdj.wal..", "io.etcdj.raft..").check(etcdj);
    // Snapshot files share the WAL's file port (same module, same durability rules).
    onlyDependsOn("io.etcdj.snap..", "io.etcdj.raft..", "io.etcdj.wal..").check(etcdj);
  }

  @Test
  void backendPortDependsOnNothingButTheJdk() {
    noClasses()
        .that()
        .resideInAPackage("io.etcdj.backend")
        .should()
        .dependOnClassesThat()
        .resideOutsideOfPackages("java..", "org.jspecify..", "io.etcdj.backend")
        .allowEmptyShould(true)
        .check(etcdj);
  }

  @Test
  void lmdbBackendDependsOnlyOnTheBackendPortAndLmdbjava() {
    onlyDependsOn("io.etcdj.backend.lmdb..", "io.etcdj.backend", "org.lmdbjava..", "jnr..")
        .check(etcdj);
  }

  @Test
  void mvccKnowsNothingOfRaftTheLessorOrTheServer() {
    onlyDependsOn("io.etcdj.mvcc..", "io.etcdj.backend").check(etcdj);
  }

  /**
   * The server core speaks etcd's message types (as etcd's etcdserver does, see
   * docs/decisions/0006) but knows nothing of gRPC: not the runtime, not the generated service
   * stubs ({@code *Grpc}), not the edge, not LMDB.
   */
  @Test
  void serverCoreUsesNoGrpcAndNoLmdb() {
    noClasses()
        .that()
        .resideInAPackage("io.etcdj.server..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.grpc..",
            "org.lmdbjava..",
            "io.etcdj.grpc..",
            "io.etcdj.http..",
            "io.etcdj.backend.lmdb..",
            "io.etcdj.app..")
        .orShould()
        .dependOnClassesThat()
        .haveSimpleNameEndingWith("Grpc")
        .allowEmptyShould(true)
        .check(etcdj);
  }

  @Test
  void theEdgeTalksToTheServerCoreNotToTheLayersBelowIt() {
    noClasses()
        .that()
        .resideInAnyPackage("io.etcdj.grpc..", "io.etcdj.http..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.etcdj.raft..", "io.etcdj.mvcc..", "io.etcdj.backend..", "io.etcdj.wal..")
        .allowEmptyShould(true)
        .check(etcdj);
  }

  @Test
  void clientAndCliKnowOnlyTheWireTypes() {
    noClasses()
        .that()
        .resideInAnyPackage("io.etcdj.client..", "io.etcdj.ctl..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.etcdj.server..",
            "io.etcdj.grpc..",
            "io.etcdj.http..",
            "io.etcdj.raft..",
            "io.etcdj.mvcc..",
            "io.etcdj.backend..",
            "io.etcdj.wal..",
            "io.etcdj.app..")
        .allowEmptyShould(true)
        .check(etcdj);
  }

  @Test
  void wireTypesDependOnNoOtherModule() {
    onlyDependsOn("io.etcdj.api..", "com.google.protobuf..", "io.grpc..", "com.google.common..")
        .check(etcdj);
  }

  @Test
  void nothingDependsOnTheCompositionRootOrTheTools() {
    noClasses()
        .that()
        .resideOutsideOfPackages("io.etcdj.app..", "io.etcdj.bench..", "io.etcdj.simulation..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.etcdj.app..", "io.etcdj.bench..", "io.etcdj.simulation..")
        .check(etcdj);
  }

  @Test
  void theDeterministicCoreReadsNoClockAndStartsNoThreads() {
    noClockRandomOrThreadsIn(
            "io.etcdj.raft..", "io.etcdj.mvcc..", "io.etcdj.backend", "io.etcdj.server..")
        .check(etcdj);
  }

  @Test
  void thereIsNoStaticMutableState() {
    fields()
        .that()
        .areStatic()
        .and()
        .areDeclaredInClassesThat()
        .resideInAPackage("io.etcdj..")
        .and()
        .areDeclaredInClassesThat()
        // Generated code (protoc, JMH) is not ours to hold to this.
        .resideOutsideOfPackages("io.etcdj.api..", "..jmh_generated..")
        .should()
        .beFinal()
        .check(etcdj);
  }

  @Test
  void theRulesCatchViolations() {
    JavaClasses fixture = new ClassFileImporter().importClasses(CoreCodeThatBreaksTheRules.class);
    assertThatThrownBy(() -> noClockRandomOrThreadsIn("io.etcdj.it.fixture..").check(fixture))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("System.nanoTime()")
        .hasMessageContaining("java.util.Random");
    assertThatThrownBy(() -> onlyDependsOn("io.etcdj.it.fixture..").check(fixture))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("io.etcdj.app.EtcdjMain");
  }
}
