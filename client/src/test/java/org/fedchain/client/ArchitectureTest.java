package org.fedchain.client;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The modules' layering, from the compiled classes of every module the command line is built of: no
 * module reaches above itself, command-line types stay in {@code client}, and each package lives in
 * one module.
 */
class ArchitectureTest {
  static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.fedchain");
  }

  /** Who may use whom: each layer lists the layers allowed to depend on it. */
  @Test
  void no_module_reaches_above_itself() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("core")
        .definedBy("org.fedchain.core..")
        .layer("wallet")
        .definedBy("org.fedchain.wallet..")
        .layer("trainer")
        .definedBy("org.fedchain.trainer..")
        .layer("ledger api")
        .definedBy("org.fedchain.ledger", "org.fedchain.ledger.rules..")
        .layer("embedded")
        .definedBy("org.fedchain.ledger.embedded..")
        .layer("ethereum")
        .definedBy("org.fedchain.ledger.ethereum..")
        .layer("fabric")
        .definedBy("org.fedchain.ledger.fabric..")
        .layer("chaincode wire")
        .definedBy("org.fedchain.chaincode.wire..")
        // the chaincode runs in Fabric, not in the client: nothing here may reach it
        .optionalLayer("chaincode")
        .definedBy("org.fedchain.chaincode")
        .layer("verifier")
        .definedBy("org.fedchain.verifier..")
        .layer("comms")
        .definedBy("org.fedchain.comms..")
        .layer("node")
        .definedBy("org.fedchain.node..")
        .layer("client")
        .definedBy("org.fedchain.client..")
        .whereLayer("client")
        .mayNotBeAccessedByAnyLayer()
        .whereLayer("node")
        .mayOnlyBeAccessedByLayers("client")
        .whereLayer("ethereum")
        .mayOnlyBeAccessedByLayers("client")
        .whereLayer("fabric")
        .mayOnlyBeAccessedByLayers("client")
        .whereLayer("chaincode")
        .mayNotBeAccessedByAnyLayer()
        .whereLayer("chaincode wire")
        .mayOnlyBeAccessedByLayers("chaincode", "fabric")
        .whereLayer("verifier")
        .mayOnlyBeAccessedByLayers("node", "client")
        .whereLayer("comms")
        .mayOnlyBeAccessedByLayers("node", "client")
        .whereLayer("wallet")
        .mayOnlyBeAccessedByLayers("node", "client")
        .whereLayer("trainer")
        .mayOnlyBeAccessedByLayers("verifier", "node", "client")
        .whereLayer("embedded")
        .mayOnlyBeAccessedByLayers("client")
        .whereLayer("ledger api")
        .mayOnlyBeAccessedByLayers(
            "embedded",
            "ethereum",
            "fabric",
            "chaincode wire",
            "chaincode",
            "verifier",
            "node",
            "client")
        .check(classes);
  }

  @Test
  void command_line_types_stay_in_the_client() {
    ArchRuleDefinition.noClasses()
        .that()
        .resideOutsideOfPackage("org.fedchain.client..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("picocli..")
        .because("the node, ledgers and other modules are libraries; only the CLI parses flags")
        .check(classes);
  }

  /** A package whose classes come from two modules' class folders or jars is split. */
  @Test
  void no_package_is_split_across_modules() {
    Map<String, Set<String>> origins = new TreeMap<>();
    for (JavaClass c : classes) {
      c.getSource()
          .ifPresent(
              s ->
                  origins
                      .computeIfAbsent(c.getPackageName(), k -> new TreeSet<>())
                      .add(module(s.getUri().toString())));
    }
    assertThat(origins).isNotEmpty().containsKey("org.fedchain.node");
    Map<String, Set<String>> split = new TreeMap<>();
    origins.forEach(
        (pkg, where) -> {
          if (where.size() > 1) {
            split.put(pkg, where);
          }
        });
    assertThat(split).as("packages found in more than one module").isEmpty();
  }

  /** The class folder or jar a class was loaded from: {@code .../node/target/classes}. */
  static String module(String uri) {
    int classes = uri.indexOf("/target/classes/");
    if (classes >= 0) {
      return uri.substring(0, classes);
    }
    int jar = uri.indexOf(".jar!");
    return jar >= 0 ? uri.substring(0, jar) : uri;
  }
}
