package io.eventshop.structure;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The library's packages as a reader navigates them: each package one job, depending on others in one
 * direction only, and each subscriber table written by its one owning class.
 */
class PackageStructureTest {

    static JavaClasses library;

    @BeforeAll
    static void importTheLibrary() {
        library = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.eventshop");
    }

    @Test
    void no_two_packages_depend_on_each_other_directly_or_around_a_cycle() {
        slices().matching("io.eventshop.(**)").should().beFreeOfCycles().check(library);
    }

    @Test
    void the_subscriber_api_knows_nothing_of_the_runtime_behind_it() {
        noClasses().that().resideInAPackage("io.eventshop.subscriber")
                .should().dependOnClassesThat().resideInAnyPackage("io.eventshop.subscriber.(*)..", "io.eventshop.view..")
                .check(library);
    }

    @Test
    void the_store_and_the_wire_know_nothing_of_subscribers_relays_or_views() {
        noClasses().that().resideInAnyPackage("io.eventshop.store..", "io.eventshop.wire..", "io.eventshop.events..")
                .should().dependOnClassesThat().resideInAnyPackage("io.eventshop.subscriber..", "io.eventshop.relay..", "io.eventshop.view..")
                .check(library);
    }
}
