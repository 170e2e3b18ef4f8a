package io.eventshop.testing;

import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgPool;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.Flyway;

/**
 * The machine's real Postgres, as tests and benchmarks use it: creates a database when missing and
 * migrates the event store into it with the same Flyway scripts the services run. Host and port
 * come from EVENTSHOP_DB_HOST / EVENTSHOP_DB_PORT (default 127.0.0.1:5432), user from PGUSER
 * (default postgres).
 */
public final class LocalPostgres {

    public static final String HOST = env("EVENTSHOP_DB_HOST", "127.0.0.1");
    public static final int PORT = Integer.parseInt(env("EVENTSHOP_DB_PORT", "5432"));
    public static final String USER = env("PGUSER", "postgres");
    public static final String PASSWORD = env("PGPASSWORD", "");

    private LocalPostgres() {
    }

    public static String jdbcUrl(String database) {
        return jdbcUrl(PORT, database);
    }

    static String jdbcUrl(int port, String database) {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + database;
    }

    /** Creates {@code database} if it does not exist; with {@code fresh}, drops it first. */
    public static void createDatabase(String database, boolean fresh) {
        createDatabase(PORT, database, fresh);
    }

    /** As {@link #createDatabase(String, boolean)}, on the server at {@code port} (e.g. an {@link OwnPostgres}). */
    public static void createDatabase(int port, String database, boolean fresh) {
        try (Connection admin = DriverManager.getConnection(jdbcUrl(port, "postgres"), USER, PASSWORD);
             Statement sql = admin.createStatement()) {
            if (fresh) {
                sql.execute("drop database if exists \"" + database + "\" with (force)");
            }
            sql.execute("create database \"" + database + "\"");
        } catch (SQLException e) {
            if (!"42P04".equals(e.getSQLState())) { // duplicate_database: another run made it first
                throw new IllegalStateException("cannot create database " + database + " at " + HOST + ":" + port
                        + ": " + e.getMessage() + " (is Postgres running? see README, Quick start)", e);
            }
        }
    }

    /** Runs the event store's migrations against {@code database}, as the services do at start-up. */
    public static void migrateEventStore(String database) {
        migrateEventStore(PORT, database);
    }

    public static void migrateEventStore(int port, String database) {
        Flyway.configure()
                .dataSource(jdbcUrl(port, database), USER, PASSWORD)
                .schemas("event_store")
                .locations("classpath:db/event-store")
                .load()
                .migrate();
    }

    public static Pool pool(Vertx vertx, String database, int size) {
        return PgPool.pool(vertx, connectOptions(PORT, database), new PoolOptions().setMaxSize(size));
    }

    public static Pool pool(Vertx vertx, int port, String database, int size) {
        return PgPool.pool(vertx, connectOptions(port, database), new PoolOptions().setMaxSize(size));
    }

    public static PgConnectOptions connectOptions(int port, String database) {
        return new PgConnectOptions()
                .setHost(HOST).setPort(port).setDatabase(database).setUser(USER).setPassword(PASSWORD)
                .setCachePreparedStatements(true);
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
