package io.eventshop.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.eventshop.testing.LocalPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A packaged service in its default profile (prod): a replica with the local machine's easy settings refuses to
 * start and names each setting to change; the migrations run as a Job of the same image, which migrates as the
 * migration role and exits. (Each check, and a safe set passing: ProductionSettingsTest.)
 */
class ProductionProfileTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @Test
    void the_prod_profile_refuses_to_start_with_dev_credentials_and_names_each_setting() throws Exception {
        LocalPostgres.createDatabase(RunningShop.DATABASE, false);
        Path log = Path.of("target", "prod-profile-order-service.log");
        Process service = orderService(log, Map.of("EVENTSHOP_DB_NAME", RunningShop.DATABASE, "RABBITMQ_PASSWORD", "guest",
                "EVENTSHOP_DB_MIGRATOR_PASSWORD", "eventshop-dev"));
        assertThat(service.waitFor(90, TimeUnit.SECONDS)).as("the service stopped by itself; its log: " + log).isTrue();
        assertThat(service.exitValue()).isNotZero();
        assertThat(Files.readString(log)).contains("refusing to start with production settings that are not safe",
                "quarkus.datasource.password is empty", "eventshop.db.migrator.password is set",
                "rabbitmq.password is a well-known default", "mp.jwt.verify.publickey.location is not set");
        // The prod profile logs JSON, one object a line, for a log pipeline to index (trace and correlation ids in its MDC).
        assertThat(Files.readAllLines(log)).filteredOn(line -> line.contains("refusing to start with production settings"))
                .isNotEmpty().allMatch(line -> line.startsWith("{") && line.endsWith("}") && line.contains("\"message\":"));
    }

    @Test
    void the_migrations_run_as_a_job_of_the_same_image_as_the_migration_role() throws Exception {
        String database = "eventshop_migration_job";
        LocalPostgres.createDatabase(database, true);
        Path log = Path.of("target", "migration-job-order-service.log");
        Process job = orderService(log, Map.of("EVENTSHOP_DB_NAME", database, "QUARKUS_INIT_AND_EXIT", "true",
                "QUARKUS_FLYWAY_MIGRATE_AT_START", "true", "QUARKUS_FLYWAY_EVENTSTORE_MIGRATE_AT_START", "true",
                "EVENTSHOP_DB_MIGRATOR_PASSWORD", "a-password-of-its-own", "RABBITMQ_PASSWORD", "unused"));
        assertThat(job.waitFor(90, TimeUnit.SECONDS)).as("the job ended by itself; its log: " + log).isTrue();
        assertThat(job.exitValue()).as(Files.readString(log)).isZero();
        try (var connection = DriverManager.getConnection(LocalPostgres.jdbcUrl(database), LocalPostgres.USER, LocalPostgres.PASSWORD);
             var rows = connection.createStatement().executeQuery("select string_agg(distinct tableowner, ',') from pg_tables"
                     + " where schemaname in ('event_store', 'orders')")) {
            rows.next();
            assertThat(rows.getString(1)).isEqualTo(LocalPostgres.MIGRATOR);
        }
    }

    private static Process orderService(Path log, Map<String, String> environment) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                "--enable-native-access=ALL-UNNAMED", "-jar", ROOT.resolve("order-service/target/quarkus-app/quarkus-run.jar").toString())
                .directory(ROOT.resolve("order-service").toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("QUARKUS_") || name.startsWith("MP_JWT") || name.startsWith("RABBITMQ_")
                || name.startsWith("EVENTSHOP_"));
        builder.environment().put("QUARKUS_HTTP_PORT", "0");
        builder.environment().put("QUARKUS_MANAGEMENT_PORT", "0");
        builder.environment().putAll(environment);
        Process process = builder.start();
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
        return process;
    }
}
