package dev.graft.growth;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The domain is where the ideas live and is tested without a cluster: nothing in {@code growth} may
 * depend on Flink or Kafka (DESIGN.md, "Modules"). Decisions and detectors are pure too: no tensor
 * library either.
 */
class DomainArchitectureTest {
    private static JavaClasses domain;

    @BeforeAll
    static void importDomain() {
        domain =
                new ClassFileImporter()
                        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                        .importPackages("dev.graft.growth");
    }

    @Test
    void growthImportsNeitherFlinkNorKafka() {
        noClasses()
                .that()
                .resideInAPackage("dev.graft.growth..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.apache.flink..", "org.apache.kafka..", "kafka..")
                .because("growth is the pure domain; Flink and Kafka code is wiring around it")
                .check(domain);
    }

    @Test
    void growthDoesNotDependOnTheAdaptersOrJobs() {
        noClasses()
                .that()
                .resideInAPackage("dev.graft.growth..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("dev.graft.connectors..", "dev.graft.jobs..", "dev.graft.cli..")
                .because(
                        "dependencies point one way: schemas <- growth <- connectors <- flink-jobs")
                .check(domain);
    }

    @Test
    void detectorsAndPolicyAreFreeOfTensorLibraries() {
        noClasses()
                .that()
                .resideInAnyPackage("dev.graft.growth.detect..", "dev.graft.growth.policy..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.nd4j..")
                .because("decisions are pure and cheap; tensors belong to ops, model and verify")
                .check(domain);
    }
}
