package io.eventshop.bench;

import io.eventshop.store.EventStore;
import io.eventshop.store.ExpectedVersion;
import io.eventshop.store.StoreMetrics;
import io.eventshop.store.StoreOptions;
import io.eventshop.system.RunningShop;
import io.eventshop.testing.LocalPostgres;
import io.eventshop.testing.StoreFixture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The orders benchmark: orders per second sustained end to end (placed → confirmed) with
 * the three services as processes, Postgres and RabbitMQ on this machine, beside the same-run rate of
 * bare one-event appends to the store with as many writers; then the placed → confirmed latency p50
 * and p99 at half the sustained rate, from the saga-duration histogram order-service exports.
 */
public final class OrdersBenchmark {

    // Its own database and virtual host: the end-to-end tests' (RunningShop.DATABASE) may be in use meanwhile.
    private static final String DATABASE = "eventshop_bench_orders";
    private static final double TARGET_RATIO = 0.15;
    private static final int CLIENTS = 16;
    private static final Duration RUN = Duration.ofSeconds(20);
    private static final Duration WARM_UP = Duration.ofSeconds(20);
    private static final int WARM_UP_ROUNDS_AT_LEAST = 3;
    private static final int WARM_UP_ROUNDS_AT_MOST = 12;
    private static final int SKUS = 20;
    private static final Pattern COUNT = Pattern.compile("eventshop_orders_total\\{outcome=\"(\\w+)\"\\} ([0-9.E]+)");
    private static final Pattern BUCKET = Pattern.compile("eventshop_orders_saga_duration_seconds_bucket\\{le=\"([0-9.E+]+|\\+Inf)\"\\} ([0-9.E]+)");

    public static void main(String[] args) throws Exception {
        List<String> services = List.of("order-service", "inventory-service", "analytics-service");
        // The shipped catch-up interval, not the tests' 1 s (RunningShop): a benchmark measures the product as configured.
        try (RunningShop shop = RunningShop.start(DATABASE, DATABASE, true, services, "256m",
                Map.of("EVENTSHOP_SUBSCRIBER_CATCH_UP_INTERVAL", "5s"))) {
            System.out.printf("eventshop orders benchmark, %s, %d cores, %s, %d clients, 3 services as processes, 1 line per order%n",
                    Instant.now(), Runtime.getRuntime().availableProcessors(), BenchArgs.load(), CLIENTS);
            List<String> skus = ShopClient.stock(shop, SKUS);
            double appends = bareAppends();
            warmUp(shop, skus);
            Map<String, Long> pids = new LinkedHashMap<>();
            services.forEach(service -> pids.put(service, shop.pid(service)));
            pids.put("the benchmark's clients", ProcessHandle.current().pid());
            CpuTimes.Snapshot before = CpuTimes.take(pids);
            Round measured = sustained(shop, skus, RUN);
            CpuTimes.Snapshot after = CpuTimes.take(pids);
            System.out.printf("%-40s %14s %14s %7s%n", "measurement", "eventshop /s", "baseline /s", "ratio");
            double ratio = measured.rate() / appends;
            System.out.printf("%-40s %,14.0f %,14.0f %7.2f %s%n", "orders placed → confirmed, sustained", measured.rate(), appends, ratio,
                    RebuildBenchmark.target(ratio >= TARGET_RATIO, "≥ 0.15"));
            System.out.println("(baseline: bare one-event appends to the store, " + CLIENTS + " writers, same run, same database)");
            printCpuPerOrder(before, after, measured.orders());
            latency(shop, skus, measured.rate() / 2);
        }
    }

    // The JIT compilers of three services take minutes of this machine's two cores: rounds until one gains less than a
    // tenth on the one before (a 20 s warm-up measured a third of the warm rate, docs/benchmarks.md).
    private static void warmUp(RunningShop shop, List<String> skus) throws Exception {
        double previous = 0;
        for (int round = 1; round <= WARM_UP_ROUNDS_AT_MOST; round++) {
            double rate = sustained(shop, skus, WARM_UP).rate();
            System.out.printf("(warm-up round %d: %,.0f orders/s over %d s, not counted)%n", round, rate, WARM_UP.toSeconds());
            if (round >= WARM_UP_ROUNDS_AT_LEAST && rate < previous * 1.1) {
                return;
            }
            previous = rate;
        }
        System.out.printf("(warm-up: the rate still rose after %d rounds; the figures below are of JVMs still warming)%n",
                WARM_UP_ROUNDS_AT_MOST);
    }

    // Where each order's CPU went: the profile of a saturated shop, per process.
    private static void printCpuPerOrder(CpuTimes.Snapshot before, CpuTimes.Snapshot after, long orders) {
        double wall = after.wallSecondsSince(before);
        System.out.printf("CPU per order while measured (%,d orders in %.1f s; the machine's cores busy %.2f of %d on average):%n", orders, wall,
                after.machineSecondsSince(before) / wall, Runtime.getRuntime().availableProcessors());
        after.since(before).forEach((process, seconds) -> System.out.printf("  %-48s %7.2f ms%n", process, seconds * 1000 / orders));
        System.out.printf("  %-48s %7.2f ms%n", "all", after.machineSecondsSince(before) * 1000 / orders);
    }

    /** A closed-loop run: the orders placed, and the seconds until the last of them was confirmed. */
    private record Round(long orders, double seconds) {

        double rate() {
            return orders / seconds;
        }
    }

    // Every client places orders as fast as it can for RUN; the rate is the orders placed over the
    // time until the last of them was confirmed.
    private static Round sustained(RunningShop shop, List<String> skus, Duration run) throws Exception {
        double confirmedBefore = counts(shop).getOrDefault("confirmed", 0.0);
        AtomicLong placed = new AtomicLong();
        long start = System.nanoTime();
        long end = start + run.toNanos();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            Supplier<String> token = ShopClient.bearer("bench-" + c, "shopper");
            clients.add(Thread.ofVirtual().start(() -> {
                while (System.nanoTime() < end) {
                    ShopClient.placeOrder(shop, token, skus);
                    placed.incrementAndGet();
                }
            }));
        }
        for (Thread client : clients) {
            client.join();
        }
        double placing = placed.get() / ((System.nanoTime() - start) / 1e9);
        double confirmedByThen = counts(shop).getOrDefault("confirmed", 0.0) - confirmedBefore;
        System.out.printf("(while placing: %,.0f orders/s accepted, %,.0f confirmed by the end of it)%n", placing, confirmedByThen);
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (counts(shop).getOrDefault("confirmed", 0.0) - confirmedBefore < placed.get()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not all " + placed.get() + " orders were confirmed within 2 minutes of the run");
            }
            Thread.sleep(50);
        }
        return new Round(placed.get(), (System.nanoTime() - start) / 1e9);
    }

    private static void latency(RunningShop shop, List<String> skus, double rate) throws Exception {
        TreeMap<Double, Double> before = buckets(shop);
        long interval = (long) (TimeUnit.SECONDS.toNanos(1) / rate);
        long next = System.nanoTime();
        long end = next + RUN.toNanos();
        List<Thread> inFlight = new ArrayList<>();
        Supplier<String> token = ShopClient.bearer("bench-paced", "shopper");
        int sent = 0;
        while (System.nanoTime() < end) {
            inFlight.add(Thread.ofVirtual().start(() -> ShopClient.placeOrder(shop, token, skus)));
            sent++;
            next += interval;
            long sleep = next - System.nanoTime();
            if (sleep > 0) {
                TimeUnit.NANOSECONDS.sleep(sleep);
            }
        }
        for (Thread thread : inFlight) {
            thread.join();
        }
        Thread.sleep(3000); // the last confirmations
        TreeMap<Double, Double> after = buckets(shop);
        System.out.printf("placed → confirmed at %.0f orders/s for %d s (%d orders): p50 %.0f ms, p99 %.0f ms%n", rate, RUN.toSeconds(), sent,
                percentile(before, after, 0.5) * 1000, percentile(before, after, 0.99) * 1000);
        System.out.println("(from the saga-duration histogram's buckets: each figure is the upper bound of its bucket)");
    }

    // The smallest bucket bound holding the share q of the orders decided during the phase.
    private static double percentile(TreeMap<Double, Double> before, TreeMap<Double, Double> after, double q) {
        double total = after.lastEntry().getValue() - before.getOrDefault(after.lastKey(), 0.0);
        for (var bucket : after.entrySet()) {
            double count = bucket.getValue() - before.getOrDefault(bucket.getKey(), 0.0);
            if (count >= q * total) {
                return bucket.getKey();
            }
        }
        return Double.NaN;
    }

    private static double bareAppends() {
        // Context propagation initialises lazily and not thread-safely outside Quarkus (StoreFixture says more).
        org.eclipse.microprofile.context.spi.ContextManagerProvider.instance();
        Vertx vertx = Vertx.vertx();
        Pool pool = LocalPostgres.pool(vertx, DATABASE, CLIENTS);
        try {
            EventStore store = new EventStore(pool, new StoreOptions(false, 1000), new StoreMetrics(new SimpleMeterRegistry()));
            AtomicLong appended = new AtomicLong();
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            long start = System.nanoTime();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < CLIENTS; w++) {
                writers.add(Thread.ofVirtual().start(() -> {
                    while (System.nanoTime() < end) {
                        store.inTransaction(tx -> store.append(tx, StoreFixture.newStream("benchbare"), ExpectedVersion.NO_STREAM,
                                StoreFixture.events(1, "bare"))).await().indefinitely();
                        appended.incrementAndGet();
                    }
                }));
            }
            for (Thread writer : writers) {
                writer.join();
            }
            return appended.get() / ((System.nanoTime() - start) / 1e9);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            pool.closeAndAwait();
            vertx.closeAndAwait();
        }
    }

    private static Map<String, Double> counts(RunningShop shop) throws Exception {
        Map<String, Double> counts = new HashMap<>();
        Matcher matcher = COUNT.matcher(ShopClient.get(shop.management("order-service") + "/q/metrics", null));
        while (matcher.find()) {
            counts.put(matcher.group(1), Double.parseDouble(matcher.group(2)));
        }
        return counts;
    }

    private static TreeMap<Double, Double> buckets(RunningShop shop) throws Exception {
        TreeMap<Double, Double> buckets = new TreeMap<>();
        Matcher matcher = BUCKET.matcher(ShopClient.get(shop.management("order-service") + "/q/metrics", null));
        while (matcher.find()) {
            buckets.put(matcher.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(matcher.group(1)),
                    Double.parseDouble(matcher.group(2)));
        }
        return buckets;
    }
}
