package io.eventshop.bench;

import io.eventshop.events.RecordedEvent;
import io.eventshop.events.codec.EventCodec;
import io.eventshop.events.order.OrderCancelled;
import io.eventshop.events.order.OrderConfirmed;
import io.eventshop.events.order.OrderPlaced;
import io.eventshop.events.product.ProductAdded;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.Subscription;
import io.eventshop.subscriber.pipeline.Decoded;
import io.eventshop.subscriber.pipeline.PagePlan;
import io.eventshop.subscriber.pipeline.StreamState;
import io.eventshop.testing.LocalPostgres;
import io.eventshop.tracing.EventSpans;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Where a replay's client CPU goes per event, stage by stage, without a database transaction or a handler: the
 * rows of a generated store ({@link GeneratedStore}: products and orders placed, confirmed, rejected and
 * cancelled; about 2.15 events per order) read in replay pages, then each stage run over every row again and
 * again and timed: the row into a stored event (as the store's reads do), the metadata's JSON on its own, the
 * payload bound for the sales view's subscription (as {@code Decoded} does ahead of a page), the page's plan, the
 * page's span (the runtime's SDK with nothing sampled, as in production without export), and all of it together.
 *
 * <p>The metadata of every event is rewritten to what the services store (correlation and causation ids, source,
 * trace context, actor), so its parse costs what it does in production. One fresh database of its own
 * ({@code bench.database}, default {@code eventshop_bench_decode}); {@code bench.events} events (default 100k; {@code -Dbench.fresh=false} reads the store a previous run left). Figures are µs per event of one thread; the best of {@code bench.rounds} rounds after as
 * many to warm up.
 */
public final class DecodeBenchmark {

    private static final String DATABASE = System.getProperty("bench.database", "eventshop_bench_decode");
    private static final String EVENTS = System.getProperty("bench.events", "100k");
    private static final int PAGE = Integer.getInteger("bench.page", 1000);
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 5);
    private static final boolean FRESH = !"false".equals(System.getProperty("bench.fresh"));
    private static final String READ_PAGE = "select " + EventStore.COLUMNS + " from event_store.events e"
            + " where (e.transaction_id, e.global_position) > ($1::bigint::text::xid8, $2)"
            + " order by e.transaction_id, e.global_position limit $3";
    // What the services store: a flow's correlation, the request or event that caused it, the trace context and the actor.
    private static final String FULL_METADATA = "update event_store.events set metadata = json_build_object("
            + "'correlation_id', md5(stream_id)::uuid, 'causation_id', gen_random_uuid(), 'source', 'order-service',"
            + " 'traceparent', '00-' || md5(stream_id) || '-' || substr(md5(event_id::text), 1, 16) || '-01', 'actor', 'shopper-42')";

    /** A replay's memory of the versions applied per stream, advanced page by page. */
    private static final class Memory implements StreamState {
        private final Map<String, Integer> versions = new HashMap<>();

        @Override
        public int last(String stream) {
            return versions.getOrDefault(stream, 0);
        }

        @Override
        public boolean parked(String stream) {
            return false;
        }

        @Override
        public boolean skipped(StoredEvent event) {
            return false;
        }

        PagePlan plan(List<StoredEvent> page) {
            PagePlan plan = PagePlan.of(page, this);
            versions.putAll(plan.lastVersions());
            return plan;
        }
    }

    private DecodeBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (FRESH) {
            new GeneratedStore(DATABASE, StoreSize.parse(EVENTS)).prepare(true, 0);
        }
        Vertx vertx = Vertx.vertx();
        Pool pool = LocalPostgres.pool(vertx, DATABASE, 2);
        try {
            if (FRESH) {
                pool.query(FULL_METADATA).executeAndAwait();
                pool.query("vacuum (full, analyze) event_store.events").executeAndAwait();
            }
            long events = pool.query("select count(*) from event_store.events").executeAndAwait().iterator().next().getLong(0);
            System.out.printf("eventshop decode benchmark, %s, %d cores, %,d events in pages of %d, best of %d rounds (µs per event)%n",
                    Instant.now(), Runtime.getRuntime().availableProcessors(), events, PAGE, ROUNDS);
            run(pool, events);
        } finally {
            pool.closeAndAwait();
            vertx.closeAndAwait();
        }
    }

    private static void run(Pool pool, long events) {
        Subscription sales = Subscription.view("bench.decode", "order", "product")
                .on(ProductAdded.class, (tx, e) -> Uni.createFrom().voidItem())
                .on(OrderPlaced.class, (tx, e) -> Uni.createFrom().voidItem())
                .on(OrderConfirmed.class, (tx, e) -> Uni.createFrom().voidItem())
                .on(OrderCancelled.class, (tx, e) -> Uni.createFrom().voidItem())
                .batch((tx, page) -> Uni.createFrom().voidItem())
                .build();
        EventSpans spans = new EventSpans(OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().setSampler(Sampler.alwaysOff()).build()).build());

        List<List<Row>> rows = new ArrayList<>();
        double read = best(() -> {
            rows.clear();
            rows.addAll(readPages(pool));
        }, events);
        check(rows, events);
        List<List<StoredEvent>> pages = rows.stream().map(DecodeBenchmark::stored).toList();

        print("row read (query, pg client decoding)", read);
        print("row into a stored event", best(() -> rows.forEach(DecodeBenchmark::stored), events));
        print("  of which the metadata's JSON, parsed alone", best(() -> rows(rows,
                row -> EventCodec.readMetadata(row.getString(8))), events));
        print("payload bound (Subscription.envelope)", best(() -> pages.forEach(page -> page.forEach(sales::envelope)), events));
        print("page decoded ahead (Decoded.of)", best(() -> pages.forEach(page -> Decoded.of(page, sales)), events));
        print("page planned (PagePlan.of)", best(() -> {
            Memory memory = new Memory();
            pages.forEach(memory::plan);
        }, events));
        print("page span, nothing sampled", best(() -> pages.forEach(page -> spans.applyPage("bench.decode",
                page.stream().map(StoredEvent::event).toList()).end()), events));
        print("all of it after the read, as a replay page", best(() -> {
            Memory memory = new Memory();
            rows.forEach(page -> asReplayed(page, sales, spans, memory));
        }, events));
    }

    // What a replay does with a page's rows before its handler: events, decoded ahead, planned, the span over the handled ones.
    private static void asReplayed(List<Row> rows, Subscription subscription, EventSpans spans, Memory memory) {
        List<StoredEvent> page = stored(rows);
        Decoded.of(page, subscription);
        PagePlan plan = memory.plan(page);
        List<RecordedEvent> handled = new ArrayList<>(plan.steps().size());
        for (PagePlan.Step step : plan.steps()) {
            StoredEvent event = ((PagePlan.Apply) step).event();
            if (subscription.handledTypes().contains(event.type())) {
                handled.add(event.event());
            }
        }
        spans.applyPage(subscription.name(), handled).end();
    }

    private static List<List<Row>> readPages(Pool pool) {
        List<List<Row>> pages = new ArrayList<>();
        Checkpoint after = Checkpoint.START;
        while (true) {
            RowSet<Row> page = pool.preparedQuery(READ_PAGE).executeAndAwait(Tuple.of(after.transactionId(), after.globalPosition(), PAGE));
            if (page.size() == 0) {
                return pages;
            }
            List<Row> list = new ArrayList<>(page.size());
            page.forEach(list::add);
            pages.add(list);
            Row last = list.getLast();
            after = new Checkpoint(last.getLong(0), last.getLong(1));
        }
    }

    private static List<StoredEvent> stored(List<Row> rows) {
        List<StoredEvent> events = new ArrayList<>(rows.size());
        for (Row row : rows) {
            events.add(EventStore.toStoredEvent(row, 0));
        }
        return events;
    }

    private static void rows(List<List<Row>> rows, Consumer<Row> work) {
        rows.forEach(page -> page.forEach(work));
    }

    private static void check(List<List<Row>> rows, long events) {
        long read = rows.stream().mapToLong(List::size).sum();
        if (read != events) {
            throw new IllegalStateException("read " + read + " events, the store holds " + events);
        }
    }

    // µs per event: the best of ROUNDS timed rounds, after ROUNDS rounds to warm up.
    private static double best(Runnable round, long events) {
        double[] micros = new double[ROUNDS];
        for (int i = 0; i < 2 * ROUNDS; i++) {
            long start = System.nanoTime();
            round.run();
            if (i >= ROUNDS) {
                micros[i - ROUNDS] = (System.nanoTime() - start) / 1e3 / events;
            }
        }
        return Arrays.stream(micros).min().orElseThrow();
    }

    private static void print(String stage, double micros) {
        System.out.printf("%-52s %8.2f µs%n", stage, micros);
    }
}
