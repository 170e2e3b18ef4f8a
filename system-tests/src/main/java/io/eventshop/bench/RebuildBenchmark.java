package io.eventshop.bench;

import io.eventshop.system.RunningShop;
import io.eventshop.testing.LocalPostgres;
import io.eventshop.testing.Tokens;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How fast analytics-service rebuilds its sales view over a big store, beside the same-run raw ordered
 * read of that store (the target: a rebuild runs near the speed at which Postgres reads the store), the
 * service's peak memory meanwhile, and how long {@code asOf} questions take over that store.
 *
 * <p>The generator ({@link #generate}) writes, in SQL, 200 products and {@value #ORDERS} orders of one to
 * three lines (a quarter in USD, the rest in EUR) over 27 days of business time: each placed, then 75%
 * confirmed, 20% rejected (insufficient stock) and 5% cancelled while pending; 15% of all orders are
 * cancelled after their confirmation. About 2.15 events per order: just over 5,000,000 events.
 */
public final class RebuildBenchmark {

    static final String DATABASE = "eventshop_bench_rebuild";
    static final int ORDERS = 2_330_000;
    private static final int CHUNK = 100_000;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String ADMIN = "Bearer " + Tokens.admin("bench");
    private static final Pattern NUMBER = Pattern.compile("\"%s\":(-?[0-9.]+)");

    private RebuildBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int orders = Integer.getInteger("bench.orders", ORDERS);
        System.out.printf("eventshop rebuild benchmark, %s, %d cores; the sales view over a generated store of %,d orders%n", Instant.now(),
                Runtime.getRuntime().availableProcessors(), orders);
        LocalPostgres.createDatabase(DATABASE, true);
        LocalPostgres.migrateEventStore(DATABASE);
        long events = generate(DATABASE, orders);

        Vertx vertx = Vertx.vertx();
        Pool pool = LocalPostgres.pool(vertx, DATABASE, 2);
        double rawBefore = BenchEvents.rawOrderedRead(pool, events, 1000);
        System.out.printf("raw ordered read: %,.0f events/s%n", rawBefore);

        long fillStart = System.nanoTime();
        try (RunningShop analytics = RunningShop.start(DATABASE, false, List.of("analytics-service"), "1g",
                Map.of("EVENTSHOP_VIEWS_ENABLED", "analytics.sales"))) {
            String url = analytics.url("analytics-service");
            awaitAnswer(url + "/analytics/sales", Duration.ofMinutes(30));
            double fill = events / ((System.nanoTime() - fillStart) / 1e9);
            System.out.printf("first fill at start-up (new view, empty tables): %,.0f events/s including the service's start%n", fill);

            long pid = analytics.pid("analytics-service");
            long rssBefore = rss(pid);
            long rebuildStart = System.nanoTime();
            request("POST", url + "/admin/subscribers/analytics.sales/rebuild", 202);
            long peak = rssBefore;
            double replayRate = 0;
            String status;
            while (true) {
                peak = Math.max(peak, rss(pid));
                status = request("GET", url + "/admin/subscribers/analytics.sales", 200);
                if (status.contains("\"REPLAYING\"")) {
                    replayRate = number(status, "eventsPerSecond");
                }
                if (status.contains("\"SWITCHED\"") || status.contains("\"WAITING\"") || status.contains("\"CANCELLED\"")) {
                    break;
                }
                Thread.sleep(250);
            }
            if (!status.contains("\"SWITCHED\"")) {
                throw new IllegalStateException("the rebuild did not switch: " + status);
            }
            double rebuild = events / ((System.nanoTime() - rebuildStart) / 1e9);
            double rawAfter = BenchEvents.rawOrderedRead(pool, events, 1000);
            double raw = (rawBefore + rawAfter) / 2;

            System.out.printf("%n%-52s %14s %14s %7s%n", "measurement", "eventshop ev/s", "baseline ev/s", "ratio");
            System.out.printf("%-52s %,14.0f %,14.0f %7.2f%n", "rebuild of sales, POST to switched", rebuild, raw, rebuild / raw);
            System.out.printf("%-52s %,14.0f %,14.0f %7.2f%n", "rebuild of sales, replay phase (as the API reports)", replayRate, raw,
                    replayRate / raw);
            System.out.println("(baseline: raw ordered read of the whole store, one cursor, mean of a run before and after the rebuild)");
            System.out.printf("analytics-service resident memory: %,d MiB before the rebuild, peak %,d MiB during it (heap limit 1 GiB)%n",
                    rssBefore >> 20, peak >> 20);

            String middleTime = "2026-09-14T12:00:00Z";
            String middlePosition = middlePosition();
            System.out.printf("%nasOf latency over %,d events (20 queries each, after 3 to warm up):%n", events);
            latency("sales now", url + "/analytics/sales");
            latency("sales asOf a time (mid-history)", url + "/analytics/sales?asOf=" + URLEncoder.encode(middleTime, StandardCharsets.UTF_8));
            latency("sales asOf a store position (mid-history)", url + "/analytics/sales?asOf=" + middlePosition);
        } finally {
            pool.closeAndAwait();
            vertx.closeAndAwait();
        }
    }

    /**
     * Writes the store of {@code database} in SQL, chunk by chunk (one transaction per statement), then VACUUM (ANALYZE); returns the
     * event count.
     */
    static long generate(String database, int orders) throws Exception {
        long start = System.nanoTime();
        try (Connection db = DriverManager.getConnection(LocalPostgres.jdbcUrl(database), LocalPostgres.USER, LocalPostgres.PASSWORD);
             Statement sql = db.createStatement()) {
            sql.execute("insert into event_store.events (event_id, stream_id, category, stream_version, type, schema_version, data, metadata,"
                    + " occurred_at) select gen_random_uuid(), 'product-SKU-' || k, 'product', 1, 'io.eventshop.product.added', 1,"
                    + " json_build_object('sku', 'SKU-' || k, 'name', 'Product ' || k, 'price', json_build_object('amount', 100 + (k * 37) % 5000,"
                    + " 'currency', case when k < 150 then 'EUR' else 'USD' end), 'initialStock', 1000000), '{\"source\":\"bench-generator\"}',"
                    + " timestamptz '2026-08-31T00:00:00Z' from generate_series(0, 199) k");
            for (int from = 0; from < orders; from += CHUNK) {
                int to = Math.min(orders, from + CHUNK);
                for (String statement : List.of(PLACED, DECIDED, CANCELLED_AFTER_CONFIRMATION)) {
                    sql.execute(statement.replace(":from", Integer.toString(from)).replace(":to", Integer.toString(to - 1)));
                }
                System.out.printf("generated orders %,d of %,d (%.0f s)%n", to, orders, (System.nanoTime() - start) / 1e9);
            }
            sql.execute("vacuum (analyze) event_store.events");
            try (ResultSet count = sql.executeQuery("select count(*), pg_size_pretty(pg_total_relation_size('event_store.events'))"
                    + " from event_store.events")) {
                count.next();
                System.out.printf("store: %,d events, %s with indexes, generated in %.0f s%n", count.getLong(1), count.getString(2),
                        (System.nanoTime() - start) / 1e9);
                return count.getLong(1);
            }
        }
    }

    // Per order o: its id, currency (every fourth in USD), 1 to 3 distinct skus of that currency, quantities 1-4.
    private static final String ORDER = "select o, md5('order' || o)::uuid as id, case when o % 4 = 0 then 'USD' else 'EUR' end as cur,"
            + " timestamptz '2026-09-01T00:00:00Z' + o * interval '1 second' as t from generate_series(:from, :to) o";
    private static final String LINES = "select i, case when o % 4 = 0 then 150 + (o * 7 + i * 13) % 50 else (o * 7 + i * 13) % 150 end as k,"
            + " 1 + (o + i) % 4 as q from generate_series(0, o % 3) i";
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
            + " 'SKU-' || case when o % 4 = 0 then 150 + (o * 7) % 50 else (o * 7) % 150 end, 'reason', 'INSUFFICIENT_STOCK',"
            + " 'requested', 1 + o % 4, 'available', 0)))"
            + " else json_build_object('orderId', id, 'cancelledBy', 'SHOPPER') end, '{\"source\":\"bench-generator\"}', t + interval '2 seconds'"
            + " from (" + ORDER + ") orders order by o";
    private static final String CANCELLED_AFTER_CONFIRMATION = "insert into event_store.events (event_id, stream_id, category, stream_version,"
            + " type, schema_version, data, metadata, occurred_at) select gen_random_uuid(), 'order-' || id, 'order', 3,"
            + " 'io.eventshop.order.cancelled', 2, json_build_object('orderId', id, 'cancelledBy', 'ADMIN'), '{\"source\":\"bench-generator\"}',"
            + " t + interval '1 hour' from (" + ORDER + ") orders where o % 20 < 3 order by o";

    private static String middlePosition() throws Exception {
        try (Connection db = DriverManager.getConnection(LocalPostgres.jdbcUrl(DATABASE), LocalPostgres.USER, LocalPostgres.PASSWORD);
             Statement sql = db.createStatement();
             ResultSet row = sql.executeQuery("select transaction_id::text, global_position from event_store.events"
                     + " where global_position >= (select max(global_position) / 2 from event_store.events) order by global_position limit 1")) {
            row.next();
            return "position:" + row.getString(1) + ":" + row.getLong(2);
        }
    }

    private static void latency(String what, String url) throws Exception {
        for (int i = 0; i < 3; i++) {
            request("GET", url, 200);
        }
        List<Double> millis = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            long start = System.nanoTime();
            request("GET", url, 200);
            millis.add((System.nanoTime() - start) / 1e6);
        }
        Collections.sort(millis);
        System.out.printf("  %-44s p50 %,6.0f ms   p99 %,6.0f ms%n", what, millis.get(millis.size() / 2), millis.get(millis.size() - 1));
    }

    private static void awaitAnswer(String url, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", ADMIN).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                return;
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException(url + " did not answer within " + within);
    }

    private static String request(String method, String url, int expected) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", ADMIN)
                .timeout(Duration.ofMinutes(2)).method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IllegalStateException(method + " " + url + ": " + response.statusCode() + " " + response.body());
        }
        return response.body();
    }

    private static double number(String json, String field) {
        Matcher matcher = Pattern.compile(NUMBER.pattern().formatted(field)).matcher(json);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
    }

    // Resident set size of a process, from /proc (Linux).
    private static long rss(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return 0;
    }
}
