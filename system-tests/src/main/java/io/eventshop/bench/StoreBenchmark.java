package io.eventshop.bench;

import io.eventshop.events.EventMetadata;
import io.eventshop.events.NewEvent;
import io.eventshop.events.StreamId;
import io.eventshop.events.codec.EventCodec;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.ExpectedVersion;
import io.eventshop.store.StoreMetrics;
import io.eventshop.store.StoreOptions;
import io.eventshop.testing.LocalPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The store benchmark: append and readAll rates, each beside a same-run baseline of raw
 * SQL on the same table through the same driver, printed as events/s and as a ratio.
 *
 * <p>One fresh database ({@code eventshop_bench}, dropped and re-created), so runs are comparable.
 * Appends: 1, 4 and 16 concurrent writers (one pooled connection each) at 1, 3 and 100 events per
 * transaction, each transaction a new stream (like a new order); the baseline is a plain multi-row
 * INSERT of the same rows in a transaction. NOTIFY is measured on and off at 1 event per transaction.
 * Reads: {@code EventStore.streamAll} over at least 1,000,000 events against one plain ordered
 * SELECT of the same columns streamed through a cursor.
 *
 * <p>Each append figure is the mean of two measurements per side taken in the order baseline,
 * eventshop, eventshop, baseline. Settings (system properties): {@code bench.seconds} per
 * measurement (default 4), {@code bench.readEvents} (default 1000000).
 */
public final class StoreBenchmark {

    private static final String DATABASE = "eventshop_bench";
    private static final Duration MEASURE = Duration.ofSeconds(Long.getLong("bench.seconds", 4));
    private static final Duration WARM_UP = Duration.ofSeconds(1);
    private static final int READ_EVENTS = Integer.getInteger("bench.readEvents", 1_000_000);
    private static final int PAGE_SIZE = 1000;
    private static final EventMetadata METADATA =
            new EventMetadata(UUID.randomUUID().toString(), UUID.randomUUID().toString(), "bench", null, "bench-user");
    // About the size of an OrderPlaced with two lines.
    private static final String PAYLOAD = "{\"orderId\":\"%s\",\"shopperId\":\"shopper-42\",\"lines\":[{\"sku\":\"SKU-1\",\"quantity\":2,"
            + "\"unitPrice\":{\"amount\":1999,\"currency\":\"EUR\"}},{\"sku\":\"SKU-7\",\"quantity\":1,\"unitPrice\":{\"amount\":4999,"
            + "\"currency\":\"EUR\"}}],\"total\":{\"amount\":8997,\"currency\":\"EUR\"}}";
    private static final String RAW_INSERT_COLUMNS = "insert into event_store.events"
            + " (event_id, stream_id, category, stream_version, type, schema_version, data, metadata, occurred_at) values ";

    private final Vertx vertx = Vertx.vertx();
    private final Pool pool;

    private StoreBenchmark() {
        LocalPostgres.createDatabase(DATABASE, true);
        LocalPostgres.migrateEventStore(DATABASE);
        pool = LocalPostgres.pool(vertx, DATABASE, 16);
    }

    public static void main(String[] args) {
        StoreBenchmark bench = new StoreBenchmark();
        try {
            bench.run();
        } finally {
            bench.pool.closeAndAwait();
            bench.vertx.closeAndAwait();
        }
    }

    private void run() {
        System.out.printf("eventshop store benchmark, %s, %d cores, %s, database %s, %s per measurement%n",
                Instant.now(), Runtime.getRuntime().availableProcessors(),
                pool.query("select version()").executeAndAwait().iterator().next().getString(0).split(",")[0],
                DATABASE, MEASURE);
        System.out.printf("%-34s %14s %14s %7s%n", "measurement", "eventshop ev/s", "baseline ev/s", "ratio");

        EventStore quiet = store(false);
        for (int batch : new int[] {1, 3, 100}) {
            for (int writers : new int[] {1, 4, 16}) {
                compare("append w=%d batch=%d".formatted(writers, batch), writers, () -> append(quiet, batch), () -> rawInsert(batch));
            }
        }
        EventStore notifying = store(true);
        for (int writers : new int[] {1, 4, 16}) {
            compare("append+NOTIFY w=%d batch=1 (vs off)".formatted(writers), writers, () -> append(notifying, 1), () -> append(quiet, 1));
        }

        long stored = fillTo(READ_EVENTS);
        pool.query("vacuum (analyze) event_store.events").executeAndAwait(); // also what the appends above left
        double rawRead = rawOrderedRead(stored);
        double ours = readAll(quiet, stored);
        double rawAgain = rawOrderedRead(stored);
        print("readAll %,d events".formatted(stored), ours, (rawRead + rawAgain) / 2);
    }

    private EventStore store(boolean notify) {
        return new EventStore(pool, new StoreOptions(notify, PAGE_SIZE), new StoreMetrics(new SimpleMeterRegistry()));
    }

    private Uni<Integer> append(EventStore store, int batch) {
        StreamId stream = StreamId.of("order", UUID.randomUUID());
        List<NewEvent> events = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            events.add(new NewEvent(UUID.randomUUID(), "io.eventshop.order.placed", 1, PAYLOAD.formatted(stream.id()), METADATA, Instant.now()));
        }
        return store.inTransaction(tx -> store.append(tx, stream, ExpectedVersion.NO_STREAM, events)).map(List::size);
    }

    // The baseline: the same rows as one plain multi-row INSERT in a transaction, same pool and driver.
    private Uni<Integer> rawInsert(int batch) {
        String streamId = "order-" + UUID.randomUUID();
        StringBuilder sql = new StringBuilder(RAW_INSERT_COLUMNS);
        Tuple args = Tuple.tuple();
        String metadata = EventCodec.writeMetadata(METADATA);
        for (int i = 0; i < batch; i++) {
            int p = i * 6;
            sql.append(i == 0 ? "" : ",").append("($").append(p + 1).append(",$").append(p + 2).append(",'order',$").append(p + 3)
                    .append(",'io.eventshop.order.placed',1,$").append(p + 4).append("::text::json,$").append(p + 5)
                    .append("::text::json,$").append(p + 6).append(")");
            args.addUUID(UUID.randomUUID()).addString(streamId).addInteger(i + 1)
                    .addString(PAYLOAD.formatted(streamId.substring(6))).addString(metadata)
                    .addOffsetDateTime(Instant.now().atOffset(ZoneOffset.UTC));
        }
        return pool.withTransaction(conn -> conn.preparedQuery(sql.toString()).execute(args)).map(rows -> batch);
    }

    // Baseline, eventshop, eventshop, baseline (each after a warm-up), averaged: on a small shared
    // machine the rate drifts within a run, and this order cancels a linear drift out of the ratio.
    private void compare(String what, int writers, Supplier<Uni<Integer>> ours, Supplier<Uni<Integer>> baseline) {
        double base = rate(writers, baseline);
        double mine = rate(writers, ours);
        mine = (mine + rate(writers, ours)) / 2;
        base = (base + rate(writers, baseline)) / 2;
        print(what, mine, base);
    }

    // Closed loop: each writer starts its next transaction when the previous one committed.
    private double rate(int writers, Supplier<Uni<Integer>> transaction) {
        measure(writers, transaction, WARM_UP);
        return measure(writers, transaction, MEASURE);
    }

    private double measure(int writers, Supplier<Uni<Integer>> transaction, Duration duration) {
        AtomicLong events = new AtomicLong();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        Multi.createFrom().range(0, writers)
                .onItem().transformToUniAndMerge(writer -> Multi.createBy().repeating().uni(transaction::get)
                        .whilst(n -> System.nanoTime() < end)
                        .onItem().invoke(events::addAndGet)
                        .collect().last())
                .collect().last()
                .await().indefinitely();
        return events.get() / ((System.nanoTime() - start) / 1e9);
    }

    // Tops the store up to at least {@code target} events for the read benchmark.
    private long fillTo(long target) {
        long missing = Math.max(0, target - count());
        System.out.printf("loading %,d more events for the read benchmark ...%n", missing);
        if (missing > 0) {
            BenchEvents.fill(pool, "order", missing);
        }
        return count();
    }

    private long count() {
        return pool.query("select count(*) from event_store.events").executeAndAwait().iterator().next().getLong(0);
    }

    private double readAll(EventStore store, long expected) {
        long start = System.nanoTime();
        long count = store.streamAll(Checkpoint.START).collect().with(Collectors.counting()).await().indefinitely();
        double rate = count / ((System.nanoTime() - start) / 1e9);
        check(count, expected);
        return rate;
    }

    private double rawOrderedRead(long expected) {
        return BenchEvents.rawOrderedRead(pool, expected, PAGE_SIZE);
    }

    private static void check(long count, long expected) {
        if (count != expected) {
            throw new IllegalStateException("read " + count + " events, the store holds " + expected);
        }
    }

    private static void print(String what, double ours, double baseline) {
        System.out.printf("%-34s %,14.0f %,14.0f %7.2f%n", what, ours, baseline, ours / baseline);
    }
}
