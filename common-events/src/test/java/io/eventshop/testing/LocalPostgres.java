package io.eventshop.testing;

import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgPool;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
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
    /** The role that owns the store's tables and runs migrations, as the services' configuration names it. */
    public static final String MIGRATOR = "eventshop_migrator";

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

    /**
     * As {@link #createDatabase(String, boolean)}, on the server at {@code port} (e.g. an {@link OwnPostgres}).
     * Where the eventshop roles exist (deploy/local/infra makes them on the machine's server), the database
     * belongs to {@value #MIGRATOR}, as in production; one made before those roles, by a superuser, is made
     * afresh: a test database holds nothing to keep.
     */
    public static void createDatabase(int port, String database, boolean fresh) {
        try (Connection admin = DriverManager.getConnection(jdbcUrl(port, "postgres"), USER, PASSWORD);
             Statement sql = admin.createStatement()) {
            boolean roles = hasRoles(sql);
            if (fresh || roles && !MIGRATOR.equals(owner(sql, database).orElse(MIGRATOR))) {
                sql.execute("drop database if exists \"" + database + "\" with (force)");
            }
            sql.execute("create database \"" + database + "\"" + (roles ? " owner " + MIGRATOR : ""));
        } catch (SQLException e) {
            if (!"42P04".equals(e.getSQLState())) { // duplicate_database: another run made it first
                throw new IllegalStateException("cannot create database " + database + " at " + HOST + ":" + port
                        + ": " + e.getMessage() + " (is Postgres running? see the README, Quick start)", e);
            }
        }
    }

    /** Runs the event store's migrations against {@code database}, as the services do at start-up. */
    public static void migrateEventStore(String database) {
        migrateEventStore(PORT, database);
    }

    public static void migrateEventStore(int port, String database) {
        String user;
        try (Connection admin = DriverManager.getConnection(jdbcUrl(port, "postgres"), USER, PASSWORD);
             Statement sql = admin.createStatement()) {
            user = hasRoles(sql) ? MIGRATOR : USER;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot reach Postgres at " + HOST + ":" + port + ": " + e.getMessage(), e);
        }
        Flyway.configure()
                .dataSource(jdbcUrl(port, database), user, PASSWORD)
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

    private static boolean hasRoles(Statement sql) throws SQLException {
        try (ResultSet rows = sql.executeQuery("select 1 from pg_roles where rolname = '" + MIGRATOR + "'")) {
            return rows.next();
        }
    }

    private static Optional<String> owner(Statement sql, String database) throws SQLException {
        try (ResultSet rows = sql.executeQuery("select pg_get_userbyid(datdba) from pg_database where datname = '"
                + database.replace("'", "''") + "'")) {
            return rows.next() ? Optional.of(rows.getString(1)) : Optional.empty();
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
