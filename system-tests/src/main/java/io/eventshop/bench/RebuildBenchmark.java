package io.eventshop.bench;

import io.eventshop.system.RunningShop;
import io.eventshop.testing.LocalPostgres;
import io.eventshop.testing.LocalRabbitMq;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How fast analytics-service rebuilds its sales view over a big generated store ({@link GeneratedStore}), beside
 * the same-run raw ordered read of that store (the target: a rebuild runs near the speed at which Postgres reads
 * the store), the service's peak memory and the store's horizon age meanwhile, and how long {@code asOf}
 * questions take over that store. Each figure is printed beside its target (issue 12).
 *
 * <p>{@code deploy/local/bench rebuild [SIZE] [--regenerate] [--pod-memory 1g | --heap 1g]}: SIZE in events (5m by default).
 * analytics-service runs with the JVM its Kubernetes manifest gives it in a pod of {@code --pod-memory} (1g, the
 * manifest's limit, by default): the JVM sizes itself for that memory ({@code -XX:MaxRAM}), the heap limit half of it,
 * G1 named (as the manifest does: below 1,792 MiB the JVM would pick the serial collector). {@code --heap} instead runs
 * it with that heap limit and the JVM's choices for this machine (as the runs before 2026-12-03).
 */
public final class RebuildBenchmark {

    static final String DATABASE = "eventshop_bench_rebuild";
    static final String VHOST = "eventshop_bench";
    static final double TARGET_RATIO = 0.5;
    static final long TARGET_RSS_MIB = 400;
    static final double TARGET_HORIZON_SECONDS = 1;
    private static final Pattern NUMBER = Pattern.compile("\"%s\":(-?[0-9.]+)");

    private RebuildBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        BenchArgs arguments = BenchArgs.parse(List.of("--regenerate"), List.of("--heap", "--pod-memory"));
        String heap = arguments.text("--heap", null);
        String podMemory = arguments.text("--pod-memory", heap == null ? "1g" : null);
        Map<String, String> environment = new HashMap<>(Map.of("EVENTSHOP_VIEWS_ENABLED", "analytics.sales"));
        if (podMemory != null) {
            // The manifest's JAVA_TOOL_OPTIONS, with the pod's memory as the JVM would see it; -Xmx as MaxRAMPercentage=50 sets it.
            environment.put("JAVA_TOOL_OPTIONS", "-XX:MaxRAM=" + podMemory + " -XX:MaxRAMPercentage=50 -XX:+UseG1GC");
            heap = mebibytes(podMemory) / 2 + "m";
        }
        String jvm = podMemory != null ? "as in a pod of " + podMemory + ": heap limit " + heap + ", G1" : "heap limit " + heap;
        StoreSize size = arguments.size("5m");
        System.out.printf("eventshop rebuild benchmark, %s, %d cores, %s; the sales view over a generated store of %,d events%n",
                Instant.now(), Runtime.getRuntime().availableProcessors(), BenchArgs.load(), size.events());
        GeneratedStore generated = new GeneratedStore(DATABASE, size);
        generated.prepare(arguments.flag("--regenerate"), 2);
        long events = generated.events();

        Vertx vertx = Vertx.vertx();
        Pool pool = LocalPostgres.pool(vertx, DATABASE, 2);
        double rawBefore = BenchEvents.rawOrderedRead(pool, events, 1000);
        System.out.printf("raw ordered read: %,.0f events/s%n", rawBefore);

        LocalRabbitMq.freshVirtualHost(VHOST);
        long fillStart = System.nanoTime();
        try (HorizonSampler fillHorizon = HorizonSampler.start(DATABASE);
             RunningShop analytics = RunningShop.start(DATABASE, VHOST, false, List.of("analytics-service"), heap, environment)) {
            StandupBenchmark.stopOnExit(analytics);
            String url = analytics.url("analytics-service");
            awaitAnswer(url + "/analytics/sales", Duration.ofHours(3));
            double fill = events / ((System.nanoTime() - fillStart) / 1e9);
            fillHorizon.close();
            long pid = analytics.pid("analytics-service");
            System.out.printf("first fill at start-up (new view, empty tables): %,.0f events/s including the service's start;"
                    + " resident memory after it %,d MiB (peak over the process's life %,d MiB)%n", fill,
                    MemorySampler.rss(pid, "VmRSS:") >> 20, MemorySampler.rss(pid, "VmHWM:") >> 20);
            System.out.println("  horizon age during the first fill: " + fillHorizon.summary());

            double rebuild;
            double replayRate = 0;
            long rssBefore = MemorySampler.rss(pid, "VmRSS:");
            long peak;
            String horizon;
            double horizonMax;
            try (MemorySampler memory = MemorySampler.start(pid); HorizonSampler rebuildHorizon = HorizonSampler.start(DATABASE)) {
                long rebuildStart = System.nanoTime();
                request("POST", url + "/admin/subscribers/analytics.sales/rebuild", 202);
                String status;
                while (true) {
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
                rebuild = events / ((System.nanoTime() - rebuildStart) / 1e9);
                peak = memory.peak();
                rebuildHorizon.close();
                horizon = rebuildHorizon.summary();
                horizonMax = rebuildHorizon.ownMax();
            }
            double rawAfter = BenchEvents.rawOrderedRead(pool, events, 1000);
            double raw = (rawBefore + rawAfter) / 2;

            System.out.printf("%n%-52s %14s %14s %7s %8s%n", "measurement", "eventshop ev/s", "baseline ev/s", "ratio", "target");
            System.out.printf("%-52s %,14.0f %,14.0f %7.2f %8s%n", "rebuild of sales, POST to switched", rebuild, raw, rebuild / raw,
                    target(rebuild / raw >= TARGET_RATIO, "≥ 0.5"));
            System.out.printf("%-52s %,14.0f %,14.0f %7.2f%n", "rebuild of sales, replay phase (as the API reports)", replayRate, raw,
                    replayRate / raw);
            System.out.printf("%-52s %,14.0f %,14.0f %7.2f%n", "first fill at start-up (incl. the service's start)", fill, raw, fill / raw);
            System.out.printf("(baseline: raw ordered read of the whole store, one cursor: %,.0f before the first fill, %,.0f after the"
                    + " rebuild, mean)%n", rawBefore, rawAfter);
            System.out.printf("analytics-service peak resident memory during the rebuild: %,d MiB (before it %,d MiB; VmRSS every second,"
                    + " %s) %s%n", peak >> 20, rssBefore >> 20, jvm, target((peak >> 20) <= TARGET_RSS_MIB, "≤ 400 MiB"));
            System.out.printf("store's horizon age during the rebuild: %s %s%n", horizon,
                    target(horizonMax < TARGET_HORIZON_SECONDS, "< 1 s (this database)"));

            String middleTime = Instant.parse("2026-09-01T00:00:00Z").plusSeconds(size.orders() / 2).toString();
            String middlePosition = middlePosition();
            System.out.printf("%nasOf latency over %,d events (20 queries each, after 3 to warm up):%n", events);
            latency("sales now", url + "/analytics/sales", "≤ 20 ms", 20);
            latency("sales asOf a time (mid-history)", url + "/analytics/sales?asOf=" + URLEncoder.encode(middleTime, StandardCharsets.UTF_8),
                    "≤ 100 ms", 100);
            latency("sales asOf a store position (mid-history)", url + "/analytics/sales?asOf=" + middlePosition, "≤ 100 ms", 100);
            System.out.printf("%n(%s at the end)%n", BenchArgs.load());
        } finally {
            pool.closeAndAwait();
            vertx.closeAndAwait();
        }
    }

    // A JVM memory size (512m, 1g) in MiB.
    private static long mebibytes(String size) {
        Matcher m = Pattern.compile("([0-9]+)([mMgG])").matcher(size);
        if (!m.matches()) {
            throw new IllegalArgumentException("a memory size such as 768m or 1g, not " + size);
        }
        return Long.parseLong(m.group(1)) * (m.group(2).equalsIgnoreCase("g") ? 1024 : 1);
    }

    /** A target beside a figure: met or missed. */
    static String target(boolean met, String target) {
        return "[target " + target + ": " + (met ? "met" : "MISSED") + "]";
    }

    private static String middlePosition() throws Exception {
        try (Connection db = DriverManager.getConnection(LocalPostgres.jdbcUrl(DATABASE), LocalPostgres.USER, LocalPostgres.PASSWORD);
             Statement sql = db.createStatement();
             ResultSet row = sql.executeQuery("select transaction_id::text, global_position from event_store.events"
                     + " where global_position >= (select max(global_position) / 2 from event_store.events) order by global_position limit 1")) {
            row.next();
            return "position:" + row.getString(1) + ":" + row.getLong(2);
        }
    }

    private static void latency(String what, String url, String target, double targetMillis) throws Exception {
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
        double p50 = millis.get(millis.size() / 2);
        System.out.printf("  %-44s p50 %,6.0f ms   p99 %,6.0f ms   %s%n", what, p50, millis.get(millis.size() - 1),
                target(p50 <= targetMillis, "p50 " + target));
    }

    static void awaitAnswer(String url, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (ShopClient.send(url, "GET", ShopClient.ADMIN.get()).statusCode() == 200) {
                return;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(url + " did not answer within " + within);
    }

    static String request(String method, String url, int expected) throws Exception {
        HttpResponse<String> response = ShopClient.send(url, method, ShopClient.ADMIN.get());
        if (response.statusCode() != expected) {
            throw new IllegalStateException(method + " " + url + ": " + response.statusCode() + " " + response.body());
        }
        return response.body();
    }

    private static double number(String json, String field) {
        Matcher matcher = Pattern.compile(NUMBER.pattern().formatted(field)).matcher(json);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
    }
}
