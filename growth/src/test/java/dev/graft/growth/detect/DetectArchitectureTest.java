package dev.graft.growth.detect;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The detectors are pure decision code: no stream processor, broker or tensor library. */
class DetectArchitectureTest {

    @Test
    void detectDependsOnNoFlinkKafkaOrNd4j() {
        JavaClasses classes =
                new ClassFileImporter()
                        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                        .importPackages("dev.graft.growth.detect");

        noClasses()
                .that()
                .resideInAPackage("dev.graft.growth.detect..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.apache.flink..", "org.apache.kafka..", "org.nd4j..")
                .check(classes);
    }
}
