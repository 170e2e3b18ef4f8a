package io.eventshop.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.eventshop.events.EventMetadata;
import io.eventshop.events.Money;
import io.eventshop.events.StreamId;
import io.eventshop.events.codec.EventCodec;
import io.eventshop.events.order.OrderLine;
import io.eventshop.events.order.OrderPlaced;
import io.eventshop.relay.Relay;
import io.eventshop.relay.RelayOptions;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.ExpectedVersion;
import io.eventshop.store.StoreMetrics;
import io.eventshop.store.StoreOptions;
import io.eventshop.store.StoreTransaction;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.BatchHandler;
import io.eventshop.subscriber.Subscription;
import io.eventshop.subscriber.runtime.Subscriber;
import io.eventshop.subscriber.runtime.SubscriberOptions;
import io.eventshop.testing.LocalPostgres;
import io.eventshop.wire.CloudEventCodec;
import io.eventshop.wire.Exchanges;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The subscriber benchmark: how fast a view applies events on catch-up/replay and on the
 * live path, beside the same-run raw ordered read rate of the store, and the end-to-end latency
 * (append → relay → broker → handler committed) at a steady load well under saturation.
 *
 * <p>The view is a sales view (units and revenue per sku from OrderPlaced, two lines each): with its
 * set-based batch handler (one upsert per page) and with its per-event handler. One fresh database
 * ({@code eventshop_bench_subscriber}) with {@code bench.events} events (default 100,000), one per
 * stream (the most per-stream bookkeeping per event); the machine's RabbitMQ, classic queues of this
 * run only, deleted at the end (RelayBenchmark says why not quorum here).
 */
public final class SubscriberBenchmark {

    // Overridable, so that runs on a machine shared with others keep to a database and exchange of their own.
    private static final String DATABASE = System.getProperty("bench.database", "eventshop_bench_subscriber");
    private static final String CATEGORY = System.getProperty("bench.category", "benchsub");
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8).replaceAll("[0-9]", "x");
    private static final int EVENTS = Integer.getInteger("bench.events", 100_000);
    private static final int LATENCY_RATE = Integer.getInteger("bench.latency.rate", 200);
    private static final Duration LATENCY_RUN = Duration.ofSeconds(Integer.getInteger("bench.latency.seconds", 20));
    // The service's default (eventshop.subscriber.prefetch): a few live batches' worth per queue.
    private static final int PREFETCH = Integer.getInteger("bench.prefetch", 256);
    // The live queues hold the whole backlog, declared with the bound the subscriber declares them with: a queue
    // declared with other arguments is deleted and declared again by the subscriber, losing every message in it.
    private static final int QUEUE_LENGTH = Math.max(EVENTS, SubscriberOptions.QUEUE_MAX_LENGTH);
    private static final SubscriberOptions LIVE_ONLY = options(Duration.ofHours(1));
    private static final SubscriberOptions CATCH_UP = options(Duration.ofSeconds(1));

    private final Pool pool;
    private final EventStore store;
    private final Connection amqp;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    // A set: deleting a name twice fails on this broker and would close the channel before the rest are deleted.
    private final Set<String> subscribers = new LinkedHashSet<>();

    private SubscriberBenchmark(Pool pool, Connection amqp) {
        this.pool = pool;
        this.amqp = amqp;
        this.store = new EventStore(pool, new StoreOptions(false, 1000), new StoreMetrics(new SimpleMeterRegistry()));
    }

    public static void main(String[] args) throws Exception {
        LocalPostgres.createDatabase(DATABASE, true);
        LocalPostgres.migrateEventStore(DATABASE);
        Vertx vertx = Vertx.vertx();
        Pool pool = LocalPostgres.pool(vertx, DATABASE, 16);
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(System.getenv().getOrDefault("RABBITMQ_HOST", "127.0.0.1"));
        try (Connection amqp = factory.newConnection("subscriber-benchmark")) {
            new SubscriberBenchmark(pool, amqp).run(vertx);
        } finally {
            pool.closeAndAwait();
            vertx.closeAndAwait();
        }
        // Everything is closed and printed, yet a non-daemon scheduler thread ("pool-4-thread-1", not one of ours;
        // its owner is not found yet) would keep the JVM, and Maven with it, waiting for ever.
        System.exit(0);
    }

    private void run(Vertx vertx) throws Exception {
        pool.query("create schema if not exists bench_view").executeAndAwait();
        BenchEvents.fill(pool, CATEGORY, EVENTS);
        long stored = pool.query("select count(*) from event_store.events").executeAndAwait().iterator().next().getLong(0);
        System.out.printf("eventshop subscriber benchmark, %s, %d cores, %s, %,d OrderPlaced events (2 lines each), one per stream,"
                + " page %d, prefetch %d%n", Instant.now(), Runtime.getRuntime().availableProcessors(), BenchArgs.load(), stored,
                CATCH_UP.pageSize(), LIVE_ONLY.prefetch());
        try {
            double rawBefore = BenchEvents.rawOrderedRead(pool, stored, 1000);
            // The first replay of a run is slower whichever it is (the JVM and the store's pages still cold: 1.9-2.2 s against
            // 1.3 s for the same replay second): one not measured goes first.
            replay("warmup", true, false, stored);
            double replayBatched = replay("batched", true, false, stored);
            double replayPartitioned = replay("partitioned", true, true, stored);
            double replayPerEvent = replay("perevent", false, false, stored);
            double rawAfter = BenchEvents.rawOrderedRead(pool, stored, 1000);
            double raw = (rawBefore + rawAfter) / 2;
            double liveHot = live("livesales", stored, sales("bench.livesales" + RUN, false), false);
            double liveHotBatched = live("livesalesbatch", stored, sales("bench.livesalesbatch" + RUN, true), false);
            double liveSpread = live("liveorders", stored, orders("bench.liveorders" + RUN, false), true);
            double liveSpreadBatched = live("liveordersbatch", stored, orders("bench.liveordersbatch" + RUN, true), true);
            double doorbellReads = doorbellReads();

            System.out.printf("%-40s %14s %14s %7s%n", "measurement", "eventshop ev/s", "baseline ev/s", "ratio");
            print("replay, batch handler", replayBatched, raw, RebuildBenchmark.target(replayBatched / raw >= 0.5, "≥ 0.5 ratio"));
            print("replay, batch handler, in 2 partitions", replayPartitioned, raw, "");
            print("replay, per-event handler", replayPerEvent, raw, "");
            print("live path, sales view (2 hot rows)", liveHot, raw, RebuildBenchmark.target(liveHot >= 8_000, "≥ 8,000 ev/s"));
            print("live path, sales view, batch handler", liveHotBatched, raw, RebuildBenchmark.target(liveHotBatched >= 8_000, "≥ 8,000 ev/s"));
            print("live path, order view (a row per order)", liveSpread, raw, RebuildBenchmark.target(liveSpread >= 15_000, "≥ 15,000 ev/s"));
            print("live path, order view, batch handler", liveSpreadBatched, raw,
                    RebuildBenchmark.target(liveSpreadBatched >= 15_000, "≥ 15,000 ev/s"));
            System.out.println("(baseline: raw ordered read of the store, one cursor, mean of a run before and after)");
            System.out.printf("doorbell read alone (each event read back by stream and version in a transaction of its own,"
                    + " %d at a time): %,.0f reads/s, so about %.0f%% of a live delivery's cost on the order view%n",
                    LIVE_ONLY.prefetch(), doorbellReads, 100 * liveSpread / doorbellReads);
            latency(vertx);
        } finally {
            try (Channel channel = amqp.createChannel()) {
                for (String subscriber : subscribers) {
                    channel.queueDelete(subscriber + "." + CATEGORY);
                    channel.queueDelete(subscriber + ".dead-letters");
                    channel.exchangeDelete(subscriber + ".dead-letters");
                }
                channel.exchangeDelete(Exchanges.forCategory(CATEGORY));
            }
        }
    }

    // A fresh view replays the store from the start: until its checkpoint reaches the head. By one worker in store
    // order, as a view whose every event updates the same rows does, or in partitions (two, by default) when allowed.
    private double replay(String label, boolean batched, boolean partitioned, long events) throws Exception {
        String name = "bench." + label + RUN;
        salesTable(name);
        Checkpoint head = store.head().await().indefinitely();
        long start = System.nanoTime();
        try (Subscriber subscriber = start(sales(name, batched, partitioned), CATCH_UP)) {
            awaitCheckpoint(name, head, Duration.ofMinutes(15));
        }
        double rate = events / ((System.nanoTime() - start) / 1e9);
        checkSales(name, events);
        return rate;
    }

    // Every event arrives as a message; the catch-up reader starts at the head, so the live path does all the work.
    private double live(String label, long events, Subscription view, boolean perOrder) throws Exception {
        String name = "bench." + label + RUN;
        if (!perOrder) {
            salesTable(name);
        }
        List<byte[]> bodies = store.streamCategory(CATEGORY, Checkpoint.START).map(e -> CloudEventCodec.encode(e.event()))
                .collect().asList().await().indefinitely();
        Checkpoint head = store.head().await().indefinitely();
        pool.preparedQuery("insert into event_store.subscriber_checkpoints (subscriber, category, transaction_id, global_position)"
                + " values ($1, $2, $3::bigint::text::xid8, $4)").executeAndAwait(Tuple.of(name, CATEGORY, head.transactionId(),
                head.globalPosition()));
        try (Channel channel = amqp.createChannel()) {
            channel.exchangeDeclare(Exchanges.forCategory(CATEGORY), BuiltinExchangeType.FANOUT, true);
            channel.exchangeDeclare(name + ".dead-letters", BuiltinExchangeType.FANOUT, true);
            channel.queueDeclare(name + "." + CATEGORY, true, false, false,
                    Map.of("x-queue-type", "classic", "x-dead-letter-exchange", name + ".dead-letters", "x-max-length", QUEUE_LENGTH,
                            "x-overflow", "drop-head"));
            AMQP.BasicProperties persistent = new AMQP.BasicProperties.Builder().deliveryMode(2).build();
            channel.confirmSelect();
            for (byte[] body : bodies) {
                channel.basicPublish("", name + "." + CATEGORY, persistent, body);
            }
            channel.waitForConfirmsOrDie(60_000);
        }
        subscribers.add(name);
        long start = System.nanoTime();
        try (Subscriber subscriber = start(view, LIVE_ONLY)) {
            long deadline = System.nanoTime() + Duration.ofMinutes(15).toNanos();
            while (appliedLive(name) < events) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the live path applied " + appliedLive(name) + " of " + events + " in 15 minutes");
                }
                Thread.sleep(20);
            }
        }
        double rate = events / ((System.nanoTime() - start) / 1e9);
        if (perOrder) {
            checkOrders(name, events);
        } else {
            checkSales(name, events);
        }
        return rate;
    }

    // What a doorbell adds to a delivery: the point read of the named event, as the live path makes it.
    private double doorbellReads() {
        List<StoredEvent> events = store.streamCategory(CATEGORY, Checkpoint.START).collect().asList().await().indefinitely();
        long start = System.nanoTime();
        long read = io.smallrye.mutiny.Multi.createFrom().iterable(events)
                .onItem().transformToUni(event -> store.inTransaction(tx -> store.readStream(tx, event.streamId(), event.streamVersion(),
                        event.streamVersion())))
                .merge(LIVE_ONLY.prefetch())
                .collect().with(Collectors.summingLong(found -> found.size())).await().indefinitely();
        if (read != events.size()) {
            throw new IllegalStateException("read back " + read + " of " + events.size() + " events");
        }
        return events.size() / ((System.nanoTime() - start) / 1e9);
    }

    // A steady trickle of single-event orders through relay, broker and subscriber; the subscriber's own timer measures.
    private void latency(Vertx vertx) throws Exception {
        String name = "bench.latency" + RUN;
        salesTable(name);
        pool.preparedQuery("insert into event_store.subscriber_checkpoints (subscriber, category, transaction_id, global_position)"
                + " values ($1, $2, $3::bigint::text::xid8, $4)").executeAndAwait(Tuple.of(name, CATEGORY,
                store.head().await().indefinitely().transactionId(), store.head().await().indefinitely().globalPosition()));
        subscribers.add(name);
        RelayOptions relayOptions = new RelayOptions(500, Duration.ofMillis(500), Duration.ofSeconds(10), Duration.ofSeconds(1));
        try (Relay relay = Relay.create(CATEGORY, store, vertx, LocalPostgres.connectOptions(LocalPostgres.PORT, DATABASE),
                () -> amqp, relayOptions, new SimpleMeterRegistry());
             Subscriber subscriber = start(sales(name, false), LIVE_ONLY)) {
            // Start where the store is now: the benchmark's backlog is not this measurement's.
            pool.preparedQuery("insert into event_store.relay_checkpoints (category, transaction_id, global_position)"
                    + " select $1, transaction_id, global_position from event_store.events order by transaction_id desc,"
                    + " global_position desc limit 1 on conflict (category) do update set transaction_id = excluded.transaction_id,"
                    + " global_position = excluded.global_position").executeAndAwait(Tuple.of(CATEGORY));
            store.onCommit(categories -> relay.wake());
            relay.start();
            while (subscriber.lastKnownStatus().state() != Subscriber.State.LIVE) {
                Thread.sleep(20);
            }
            long interval = TimeUnit.SECONDS.toNanos(1) / LATENCY_RATE;
            long next = System.nanoTime();
            long end = next + LATENCY_RUN.toNanos();
            int sent = 0;
            while (System.nanoTime() < end) {
                appendOrder();
                sent++;
                next += interval;
                long sleep = next - System.nanoTime();
                if (sleep > 0) {
                    TimeUnit.NANOSECONDS.sleep(sleep);
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (appliedLive(name) < sent && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Timer timer = meters.find("eventshop.subscriber.latency").tag("subscriber", name).timer();
            Map<Double, Double> percentiles = new HashMap<>();
            for (ValueAtPercentile value : timer.takeSnapshot().percentileValues()) {
                percentiles.put(value.percentile(), value.value(TimeUnit.MILLISECONDS));
            }
            System.out.printf("end-to-end latency at %d orders/s for %d s (%,d applied): p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                    LATENCY_RATE, LATENCY_RUN.toSeconds(), (long) appliedLive(name), percentiles.get(0.5), percentiles.get(0.99),
                    timer.max(TimeUnit.MILLISECONDS));
            System.out.println("(append commit → relay publish and confirm → queue → subscriber transaction committed;"
                    + " occurred_at is taken just before the append)");
        }
    }

    private void appendOrder() {
        UUID orderId = UUID.randomUUID();
        OrderPlaced placed = new OrderPlaced(orderId, "shopper-42", List.of(new OrderLine("SKU-1", 2, Money.of(1999, "EUR")),
                new OrderLine("SKU-7", 1, Money.of(4999, "EUR"))), Money.of(8997, "EUR"));
        store.inTransaction(tx -> store.append(tx, StreamId.of(CATEGORY, orderId), ExpectedVersion.NO_STREAM,
                List.of(EventCodec.encode(placed, new EventMetadata(null, null, "bench", null, null), Instant.now()))))
                .await().indefinitely();
    }

    private Subscriber start(Subscription subscription, SubscriberOptions options) {
        subscribers.add(subscription.name());
        Subscriber subscriber = new Subscriber(subscription, Subscription.Start.HEAD, store, () -> amqp, options, meters);
        subscriber.start();
        return subscriber;
    }

    private static Subscription sales(String name, boolean batched) {
        return sales(name, batched, false);
    }

    private static Subscription sales(String name, boolean batched, boolean partitioned) {
        String table = table(name);
        Subscription.Builder view = Subscription.view(name, CATEGORY).on(OrderPlaced.class, (tx, placed) -> upsert(tx, table,
                placed.payload().lines()));
        if (batched) {
            BatchHandler batch = (tx, events) -> upsert(tx, table, events.stream()
                    .flatMap(e -> ((OrderPlaced) e.payload()).lines().stream()).toList());
            view.batch(batch);
        }
        if (partitioned) {
            view.replayInPartitions();
        }
        return view.build();
    }

    // One row per order: no two deliveries touch the same row, so the live path's own concurrency shows. Batched, a
    // delivery batch is one insert, as the shipped views apply; else one insert per event.
    private Subscription orders(String name, boolean batched) {
        String table = table(name) + "_orders";
        pool.query("create table " + table + " (order_id uuid primary key, total bigint not null)").executeAndAwait();
        Subscription.Builder view = Subscription.view(name, CATEGORY).on(OrderPlaced.class, (tx, placed) -> tx.connection()
                .preparedQuery("insert into " + table + " (order_id, total) values ($1, $2)")
                .execute(Tuple.of(placed.payload().orderId(), placed.payload().total().amount())).replaceWithVoid());
        if (batched) {
            view.batch((tx, events) -> tx.connection()
                    .preparedQuery("insert into " + table + " (order_id, total) select * from unnest($1::uuid[], $2::bigint[])")
                    .execute(Tuple.of(events.stream().map(e -> ((OrderPlaced) e.payload()).orderId()).toArray(UUID[]::new),
                            events.stream().map(e -> ((OrderPlaced) e.payload()).total().amount()).toArray(Long[]::new)))
                    .replaceWithVoid());
        }
        return view.build();
    }

    private void checkOrders(String name, long events) {
        long rows = pool.query("select count(*) from " + table(name) + "_orders").executeAndAwait().iterator().next().getLong(0);
        if (rows != events) {
            throw new IllegalStateException(name + " holds " + rows + " orders for " + events + " events");
        }
    }

    // Lines summed per sku in memory, then one statement: the set-based form a rebuild wants.
    private static Uni<Void> upsert(StoreTransaction tx, String table, List<OrderLine> lines) {
        Map<String, long[]> bySku = new HashMap<>();
        for (OrderLine line : lines) {
            long[] sums = bySku.computeIfAbsent(line.sku(), s -> new long[2]);
            sums[0] += line.quantity();
            sums[1] += line.lineTotal().amount();
        }
        String[] skus = bySku.keySet().toArray(String[]::new);
        Long[] units = new Long[skus.length];
        Long[] revenue = new Long[skus.length];
        for (int i = 0; i < skus.length; i++) {
            units[i] = bySku.get(skus[i])[0];
            revenue[i] = bySku.get(skus[i])[1];
        }
        return tx.connection().preparedQuery("insert into " + table + " (sku, units, revenue)"
                        + " select * from unnest($1::text[], $2::bigint[], $3::bigint[])"
                        + " on conflict (sku) do update set units = " + table + ".units + excluded.units,"
                        + " revenue = " + table + ".revenue + excluded.revenue")
                .execute(Tuple.of(skus, units, revenue)).replaceWithVoid();
    }

    private void salesTable(String name) {
        pool.query("create table " + table(name) + " (sku text primary key, units bigint not null, revenue bigint not null)")
                .executeAndAwait();
    }

    private static String table(String name) {
        return "bench_view." + name.replace('.', '_');
    }

    // Every event is one order of 2 × SKU-1 and 1 × SKU-7.
    private void checkSales(String name, long events) {
        var rows = pool.query("select sku, units from " + table(name) + " order by sku").executeAndAwait();
        Map<String, Long> units = new HashMap<>();
        rows.forEach(row -> units.put(row.getString(0), row.getLong(1)));
        if (!units.equals(Map.of("SKU-1", 2 * events, "SKU-7", events))) {
            throw new IllegalStateException(name + " counted " + units + " for " + events + " orders");
        }
    }

    private void awaitCheckpoint(String name, Checkpoint head, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            var rows = pool.preparedQuery("select transaction_id::text::bigint, global_position from event_store.subscriber_checkpoints"
                    + " where subscriber = $1").executeAndAwait(Tuple.of(name));
            if (rows.size() == 1) {
                var row = rows.iterator().next();
                if (!head.isAfter(new Checkpoint(row.getLong(0), row.getLong(1)))) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " did not reach " + head + " within " + within);
            }
            Thread.sleep(20);
        }
    }

    private double appliedLive(String name) {
        var counter = meters.find("eventshop.subscriber.applied").tag("subscriber", name).tag("path", "live").counter();
        return counter == null ? 0 : counter.count();
    }

    private static SubscriberOptions options(Duration catchUpInterval) {
        return new SubscriberOptions("classic", PREFETCH, 1000, catchUpInterval, 5, 30, Duration.ofSeconds(20), Duration.ofMillis(100), Duration.ofSeconds(5),
                Duration.ofSeconds(2), QUEUE_LENGTH);
    }

    private static void print(String what, double ours, double baseline, String target) {
        System.out.printf("%-40s %,14.0f %,14.0f %7.2f %s%n", what, ours, baseline, ours / baseline, target);
    }
}
