package io.eventshop.settings;

import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.eclipse.microprofile.config.Config;

/**
 * In production ({@code eventshop.settings.refuse-unsafe}, true in the prod profile) a serving replica refuses to
 * start with the settings that make the local machine easy and a real deployment unsafe: the Postgres superuser
 * (asked of Postgres) or the migration role, empty or well-known passwords, the migration role's password or
 * migrations at start, RabbitMQ's {@code guest}, no key to verify tokens with. Each refusal names the setting to
 * change. The machine's own runs use the {@code local} profile instead.
 */
@ApplicationScoped
public class ProductionSettings {

    /** Passwords that anyone knows: RabbitMQ's default and the one deploy/local gives the service users. */
    static final Set<String> KNOWN_PASSWORDS = Set.of("guest", "eventshop-dev", "postgres");

    @Inject
    Config config;

    @Inject
    Pool pool;

    /** Thrown at start-up: the message lists every unsafe setting. */
    public static final class UnsafeSettingsException extends IllegalStateException {
        UnsafeSettingsException(List<String> problems) {
            super("refusing to start with production settings that are not safe (set eventshop.settings.refuse-unsafe=false,"
                    + " or run another profile, only where that is meant):\n  - " + String.join("\n  - ", problems));
        }
    }

    // Before anything else starts (relays, subscribers) connects with these settings.
    void onStart(@Observes @Priority(1) StartupEvent start) {
        if (!config.getOptionalValue("eventshop.settings.refuse-unsafe", Boolean.class).orElse(false)
                || config.getOptionalValue("quarkus.init-and-exit", Boolean.class).orElse(false)) {
            return; // not production, or the migration Job, which holds the migration role's password by design
        }
        List<String> problems = problems(name -> config.getOptionalValue(name, String.class));
        if (problems.isEmpty()) {
            problems = superuser();
        }
        if (!problems.isEmpty()) {
            throw new UnsafeSettingsException(problems);
        }
    }

    /** What is unsafe about the settings {@code setting} looks up (empty when nothing is). */
    static List<String> problems(Function<String, Optional<String>> setting) {
        List<String> problems = new ArrayList<>();
        String dbUser = setting.apply("quarkus.datasource.username").orElse("");
        if (dbUser.isBlank() || dbUser.equals("postgres") || dbUser.equals(setting.apply("eventshop.db.migrator.username").orElse(""))) {
            problems.add("quarkus.datasource.username is '" + dbUser + "': use the service's own role (eventshop_order, ...),"
                    + " never a superuser or the migration role");
        }
        password(problems, setting, "quarkus.datasource.password");
        // A serving replica never holds the migration role's password, and never migrates: with no password Quarkus'
        // Flyway would quietly migrate as the service's own role. Migrations run once per release, as a Job of the
        // same image (QUARKUS_INIT_AND_EXIT=true, with the migrate-at-start settings and the migration role's password).
        if (setting.apply("eventshop.db.migrator.password").filter(v -> !v.isBlank()).isPresent()) {
            problems.add("eventshop.db.migrator.password is set: a serving replica must not hold the migration role's password;"
                    + " run the migrations as a Job (QUARKUS_INIT_AND_EXIT=true)");
        }
        for (String migrate : List.of("quarkus.flyway.migrate-at-start", "quarkus.flyway.eventstore.migrate-at-start")) {
            if (setting.apply(migrate).map(Boolean::parseBoolean).orElse(false)) {
                problems.add(migrate + " is true: a serving replica does not migrate; run the migrations as a Job (QUARKUS_INIT_AND_EXIT=true)");
            }
        }
        String brokerUser = setting.apply("rabbitmq.username").orElse("");
        if (brokerUser.isBlank() || brokerUser.equals("guest")) {
            problems.add("rabbitmq.username is '" + brokerUser + "': use the service's own user (eventshop-order, ...), never guest");
        }
        password(problems, setting, "rabbitmq.password");
        if (setting.apply("mp.jwt.verify.publickey.location").filter(v -> !v.isBlank()).isEmpty()
                && setting.apply("mp.jwt.verify.publickey").filter(v -> !v.isBlank()).isEmpty()) {
            problems.add("mp.jwt.verify.publickey.location is not set: without the key that verifies tokens, no caller can be trusted");
        }
        return problems;
    }

    private static void password(List<String> problems, Function<String, Optional<String>> setting, String name) {
        String value = setting.apply(name).orElse("");
        if (value.isBlank()) {
            problems.add(name + " is empty: set the password (from a Secret)");
        } else if (KNOWN_PASSWORDS.contains(value)) {
            problems.add(name + " is a well-known default or dev password: set a password of its own (from a Secret)");
        }
    }

    // The role's name says little (a superuser may be called anything): ask Postgres. A replica that cannot ask does
    // not start either: Kubernetes starts it again, and it asks again.
    private List<String> superuser() {
        try {
            Boolean superuser = pool.query("select rolsuper or rolbypassrls from pg_roles where rolname = current_user").execute()
                    .map(rows -> rows.iterator().next().getBoolean(0)).await().atMost(Duration.ofSeconds(10));
            return Boolean.TRUE.equals(superuser)
                    ? List.of("quarkus.datasource.username logs in as a Postgres superuser (or a role that bypasses row-level security):"
                            + " use the service's own role")
                    : List.of();
        } catch (RuntimeException e) {
            return List.of("could not ask Postgres whether quarkus.datasource.username is a superuser (" + e.getMessage() + ")");
        }
    }
}
