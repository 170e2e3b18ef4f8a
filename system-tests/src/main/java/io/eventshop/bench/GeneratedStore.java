package io.eventshop.bench;

import io.eventshop.testing.LocalPostgres;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A store of generated orders for the rebuild and stand-up benchmarks, written in plain SQL (200 products and
 * 2,330,000 orders per 5 M events, {@link StoreSize}): each order placed, then 75% confirmed, 20% rejected
 * (insufficient stock) and 5% cancelled while pending; 15% of all orders are cancelled after their confirmation.
 *
 * <p>Generating 20 M events takes many minutes, so a store is kept between runs: a marker table
 * ({@code bench.generated_store}) records the generator's parameters, the last generated position and what
 * existed right after generating. A later run of the same size and store schema reuses it after putting it back
 * as generated: the events a run appended (orders placed by the load) are deleted, the services' schemas
 * dropped and the store's runtime tables (checkpoints, view generations, ...) emptied. Anything else, or
 * {@code --regenerate}, makes it afresh.
 */
final class GeneratedStore {

    /** Bumped whenever the generated events change, so that an older store is not reused. */
    private static final int GENERATOR_VERSION = 2;
    // Measured at 200,400 events (docs/benchmarks.md): the generated store with its indexes (655), and one generation
    // of the sales view with its subscriber's per-stream rows (36 MB of tables and 44 MB of rows: 400).
    static final double STORE_BYTES_PER_EVENT = 660;
    static final double VIEW_BYTES_PER_EVENT = 400;
    // WAL and temporary files while loading, vacuuming and filling (max_wal_size is 1 GB here), and room to spare.
    private static final long MARGIN = 3L << 30;
    private static final int CHUNK = 100_000;

    private final String database;
    private final StoreSize size;
    private long events;
    private long lastPosition;

    GeneratedStore(String database, StoreSize size) {
        this.database = database;
        this.size = size;
    }

    long events() {
        return events;
    }

    /**
     * Reuses the store when it has this size and schema (put back as generated), otherwise makes it afresh;
     * first checks, where Postgres runs on this machine, that its disk has room for the store and the views a
     * run builds over it. Returns whether it generated.
     */
    boolean prepare(boolean regenerate, int viewGenerations) throws Exception {
        LocalPostgres.createDatabase(database, false);
        LocalPostgres.migrateEventStore(database);
        try (Connection db = connect(); Statement sql = db.createStatement()) {
            String reason = regenerate ? "--regenerate was given" : reusable(sql);
            long viewBytes = (long) (size.events() * VIEW_BYTES_PER_EVENT * viewGenerations);
            if (reason == null) {
                checkDisk(sql, viewBytes + MARGIN, 0);
                reset(sql);
                System.out.printf("reusing the generated store: %,d events (%,d orders, %d products); --regenerate makes it afresh%n",
                        events, size.orders(), size.products());
                return false;
            }
            long existing = databaseBytes(sql);
            checkDisk(sql, (long) (size.events() * STORE_BYTES_PER_EVENT) + viewBytes + MARGIN, existing);
            System.out.printf("generating the store (%s): %,d orders, %d products, %,d events, about %.1f GB with indexes%n", reason,
                    size.orders(), size.products(), size.events(), size.events() * STORE_BYTES_PER_EVENT / 1e9);
        }
        LocalPostgres.createDatabase(database, true);
        LocalPostgres.migrateEventStore(database);
        try (Connection db = connect(); Statement sql = db.createStatement()) {
            generate(sql);
            mark(sql);
            reset(sql);
        }
        return true;
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(LocalPostgres.jdbcUrl(database), LocalPostgres.USER, LocalPostgres.PASSWORD);
    }

    // Why the store cannot be reused, or null when it can.
    private String reusable(Statement sql) throws SQLException {
        String version;
        try (ResultSet marker = sql.executeQuery("select generator_version, orders, products, events, last_position, store_version"
                + " from bench.generated_store")) {
            if (!marker.next()) {
                return "no store was generated yet";
            }
            if (marker.getInt(1) != GENERATOR_VERSION) {
                return "it was made by another version of the generator";
            }
            if (marker.getInt(2) != size.orders() || marker.getInt(3) != size.products()) {
                return "the store has " + marker.getLong(4) + " events, not " + size.events();
            }
            version = marker.getString(6);
            events = marker.getLong(4);
            lastPosition = marker.getLong(5);
        } catch (SQLException noMarker) {
            if ("42P01".equals(noMarker.getSQLState())) { // undefined_table
                return "no store was generated yet";
            }
            throw noMarker;
        }
        if (!version.equals(storeVersion(sql))) {
            return "the store's schema changed since (migration " + version + " then)";
        }
        try (ResultSet last = sql.executeQuery("select count(*) from event_store.events where global_position = " + lastPosition)) {
            last.next();
            return last.getLong(1) == 1 ? null : "its last generated event is gone";
        }
    }

    // Back to what the generator left: no events after its last, no service schemas, empty runtime tables.
    private void reset(Statement sql) throws SQLException {
        List<String> schemas = new ArrayList<>();
        List<String> runtimeTables = new ArrayList<>();
        try (ResultSet marker = sql.executeQuery("select schemas, runtime_tables from bench.generated_store")) {
            marker.next();
            schemas.addAll(Arrays.asList((String[]) marker.getArray(1).getArray()));
            runtimeTables.addAll(Arrays.asList((String[]) marker.getArray(2).getArray()));
        }
        for (String schema : schemasNow(sql)) {
            if (!schemas.contains(schema)) {
                sql.execute("drop schema \"" + schema + "\" cascade");
            }
        }
        if (!runtimeTables.isEmpty()) {
            sql.execute("truncate " + String.join(", ", runtimeTables));
        }
        int appended = sql.executeUpdate("delete from event_store.events where global_position > " + lastPosition);
        if (appended > 0) {
            sql.execute("vacuum (analyze) event_store.events");
            System.out.printf("(deleted the %,d events an earlier run appended)%n", appended);
        }
        // The generated history counts as published: otherwise order-service's relay would start by sending every
        // generated order event to the broker, and its consumers would receive them all.
        sql.execute("insert into event_store.relay_checkpoints (category, transaction_id, global_position)"
                + " select c, last.transaction_id, last.global_position from unnest(array['order', 'product']) c,"
                + " (select transaction_id, global_position from event_store.events order by transaction_id desc, global_position desc limit 1) last");
    }

    private void generate(Statement sql) throws SQLException {
        long start = System.nanoTime();
        sql.execute(parameters(PRODUCTS));
        for (int from = 0; from < size.orders(); from += CHUNK) {
            int to = Math.min(size.orders(), from + CHUNK);
            for (String statement : List.of(PLACED, DECIDED, CANCELLED_AFTER_CONFIRMATION)) {
                sql.execute(parameters(statement).replace(":from", Integer.toString(from)).replace(":to", Integer.toString(to - 1)));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("generated orders %,d of %,d (%.0f s, about %.0f s to go)%n", to, size.orders(), seconds,
                    seconds / to * (size.orders() - to));
        }
        System.out.println("VACUUM (ANALYZE) of the store ...");
        sql.execute("vacuum (analyze) event_store.events");
        try (ResultSet count = sql.executeQuery("select count(*), max(global_position), pg_total_relation_size('event_store.events')"
                + " from event_store.events")) {
            count.next();
            events = count.getLong(1);
            lastPosition = count.getLong(2);
            System.out.printf("store: %,d events, %.2f GB with indexes (%.0f bytes per event), generated and vacuumed in %.0f s%n", events,
                    count.getLong(3) / 1e9, (double) count.getLong(3) / events, (System.nanoTime() - start) / 1e9);
        }
        if (events != size.events()) {
            throw new IllegalStateException("generated " + events + " events, expected " + size.events());
        }
    }

    // The marker, with what exists now: the schemas to keep and the runtime tables (empty right after generating).
    private void mark(Statement sql) throws SQLException {
        List<String> runtimeTables = new ArrayList<>();
        List<String> tables = new ArrayList<>();
        try (ResultSet rows = sql.executeQuery("select format('%I.%I', schemaname, tablename) from pg_tables where schemaname = 'event_store'"
                + " and tablename not in ('events', 'flyway_schema_history')")) {
            while (rows.next()) {
                tables.add(rows.getString(1));
            }
        }
        for (String table : tables) {
            try (ResultSet any = sql.executeQuery("select exists (select from " + table + ")")) {
                any.next();
                if (!any.getBoolean(1)) {
                    runtimeTables.add(table);
                }
            }
        }
        sql.execute("create schema bench");
        sql.execute("create table bench.generated_store (generator_version int not null, orders int not null, products int not null,"
                + " events bigint not null, last_position bigint not null, store_version text not null, schemas text[] not null,"
                + " runtime_tables text[] not null, generated_at timestamptz not null default now())");
        List<String> schemas = schemasNow(sql);
        try (PreparedStatement insert = sql.getConnection().prepareStatement("insert into bench.generated_store (generator_version, orders,"
                + " products, events, last_position, store_version, schemas, runtime_tables) values (?, ?, ?, ?, ?, ?, ?, ?)")) {
            Array schemaArray = sql.getConnection().createArrayOf("text", schemas.toArray());
            Array tableArray = sql.getConnection().createArrayOf("text", runtimeTables.toArray());
            insert.setInt(1, GENERATOR_VERSION);
            insert.setInt(2, size.orders());
            insert.setInt(3, size.products());
            insert.setLong(4, events);
            insert.setLong(5, lastPosition);
            insert.setString(6, storeVersion(sql));
            insert.setArray(7, schemaArray);
            insert.setArray(8, tableArray);
            insert.executeUpdate();
        }
    }

    private static List<String> schemasNow(Statement sql) throws SQLException {
        List<String> schemas = new ArrayList<>();
        try (ResultSet rows = sql.executeQuery("select nspname from pg_namespace where nspname not like 'pg\\_%'"
                + " and nspname <> 'information_schema'")) {
            while (rows.next()) {
                schemas.add(rows.getString(1));
            }
        }
        return schemas;
    }

    private static String storeVersion(Statement sql) throws SQLException {
        try (ResultSet rows = sql.executeQuery("select version from event_store.flyway_schema_history where success"
                + " order by installed_rank desc limit 1")) {
            return rows.next() ? rows.getString(1) : "none";
        }
    }

    private long databaseBytes(Statement sql) throws SQLException {
        try (ResultSet rows = sql.executeQuery("select pg_database_size(current_database())")) {
            rows.next();
            return rows.getLong(1);
        }
    }

    // Only where Postgres runs on this machine and its data directory can be looked at (the benchmark's user is
    // a superuser there); otherwise says so and goes on.
    private static void checkDisk(Statement sql, long needed, long freedFirst) throws SQLException {
        String dataDirectory;
        try (ResultSet rows = sql.executeQuery("select current_setting('data_directory')")) {
            rows.next();
            dataDirectory = rows.getString(1);
        }
        if (!LocalPostgres.HOST.startsWith("127.") && !LocalPostgres.HOST.equals("localhost")) {
            System.out.printf("(disk not checked: Postgres runs on %s; this run needs about %.1f GB there)%n", LocalPostgres.HOST, needed / 1e9);
            return;
        }
        long usable;
        try {
            FileStore disk = Files.getFileStore(Path.of(dataDirectory));
            usable = disk.getUsableSpace();
        } catch (IOException | SecurityException e) {
            System.out.printf("(disk not checked: %s: %s; this run needs about %.1f GB)%n", dataDirectory, e.getMessage(), needed / 1e9);
            return;
        }
        if (usable + freedFirst < needed) {
            throw new IllegalStateException(String.format("not enough disk for this run: it needs about %.1f GB under %s, which has %.1f GB"
                    + " free%s. Free some, or choose a smaller size.", needed / 1e9, dataDirectory, usable / 1e9,
                    freedFirst > (100L << 20) ? String.format(" (plus %.1f GB of the old store, dropped first)", freedFirst / 1e9) : ""));
        }
        System.out.printf("disk: this run needs about %.1f GB under %s, %.1f GB free%s%n", needed / 1e9, dataDirectory, usable / 1e9,
                freedFirst > (100L << 20) ? String.format(" (plus %.1f GB of the old store, dropped first)", freedFirst / 1e9) : "");
    }

    private String parameters(String statement) {
        return statement.replace(":products", Integer.toString(size.products())).replace(":eur", Integer.toString(size.eurProducts()))
                .replace(":usd", Integer.toString(size.products() - size.eurProducts()));
    }

    private static final String PRODUCTS = "insert into event_store.events (event_id, stream_id, category, stream_version, type, schema_version,"
            + " data, metadata, occurred_at) select gen_random_uuid(), 'product-SKU-' || k, 'product', 1, 'io.eventshop.product.added', 1,"
            + " json_build_object('sku', 'SKU-' || k, 'name', 'Product ' || k, 'price', json_build_object('amount', 100 + (k * 37) % 5000,"
            + " 'currency', case when k < :eur then 'EUR' else 'USD' end), 'initialStock', 1000000), '{\"source\":\"bench-generator\"}',"
            + " timestamptz '2026-08-31T00:00:00Z' from generate_series(0, :products - 1) k";
    // Per order o: its id, currency (every fourth in USD), 1 to 3 distinct skus of that currency, quantities 1-4.
    private static final String ORDER = "select o, md5('order' || o)::uuid as id, case when o % 4 = 0 then 'USD' else 'EUR' end as cur,"
            + " timestamptz '2026-09-01T00:00:00Z' + o * interval '1 second' as t from generate_series(:from, :to) o";
    private static final String LINES = "select i, case when o % 4 = 0 then :eur + (o * 7 + i * 13) % :usd else (o * 7 + i * 13) % :eur end"
            + " as k, 1 + (o + i) % 4 as q from generate_series(0, o % 3) i";
    private static final String PLACED = "insert into event_store.events (event_id, stream_id, category, stream_version, type, schema_version,"
            + " data, metadata, occurred_at) select gen_random_uuid(), 'order-' || id, 'order', 1, 'io.eventshop.order.placed', 1,"
            + " json_build_object('orderId', id, 'shopperId', 'shopper-' || (o % 1000), 'lines', l.lines,"
            + " 'total', json_build_object('amount', l.total, 'currency', cur)), '{\"source\":\"bench-generator\"}', t"
            + " from (" + ORDER + ") orders, lateral (select json_agg(json_build_object('sku', 'SKU-' || k, 'quantity', q,"
            + " 'unitPrice', json_build_object('amount', 100 + (k * 37) % 5000, 'currency', cur)) order by i) as lines,"
            + " sum(q * (100 + (k * 37) % 5000)) as total from (" + LINES + ") x) l order by o";
    private static final String DECIDED = "insert into event_store.events (event_id, stream_id, category, stream_version, type, schema_version,"
            + " data, metadata, occurred_at) select gen_random_uuid(), 'order-' || id, 'order', 2,"
            + " case when o % 20 < 15 then 'io.eventshop.order.confirmed' when o % 20 < 19 then 'io.eventshop.order.rejected'"
            + " else 'io.eventshop.order.cancelled' end, case when o % 20 = 19 then 2 else 1 end,"
            + " case when o % 20 < 15 then json_build_object('orderId', id)"
            + " when o % 20 < 19 then json_build_object('orderId', id, 'rejections', json_build_array(json_build_object('sku',"
            + " 'SKU-' || case when o % 4 = 0 then :eur + (o * 7) % :usd else (o * 7) % :eur end, 'reason', 'INSUFFICIENT_STOCK',"
            + " 'requested', 1 + o % 4, 'available', 0)))"
            + " else json_build_object('orderId', id, 'cancelledBy', 'SHOPPER') end, '{\"source\":\"bench-generator\"}', t + interval '2 seconds'"
            + " from (" + ORDER + ") orders order by o";
    private static final String CANCELLED_AFTER_CONFIRMATION = "insert into event_store.events (event_id, stream_id, category, stream_version,"
            + " type, schema_version, data, metadata, occurred_at) select gen_random_uuid(), 'order-' || id, 'order', 3,"
            + " 'io.eventshop.order.cancelled', 2, json_build_object('orderId', id, 'cancelledBy', 'ADMIN'), '{\"source\":\"bench-generator\"}',"
            + " t + interval '1 hour' from (" + ORDER + ") orders where o % 20 < 3 order by o";
}
