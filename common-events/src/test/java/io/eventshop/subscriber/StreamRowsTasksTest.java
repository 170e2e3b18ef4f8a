package io.eventshop.subscriber;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.eventshop.events.StreamId;
import io.eventshop.events.order.OrderConfirmed;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.StoreTransaction;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.runtime.Repositions;
import io.eventshop.subscriber.runtime.StreamRowsTasks;
import io.eventshop.subscriber.runtime.Subscriber;
import io.eventshop.subscriber.runtime.SubscriberOptions;
import io.eventshop.subscriber.state.Checkpoints;
import io.eventshop.subscriber.state.RowsTask;
import io.eventshop.subscriber.state.StreamStates;
import io.eventshop.testing.OwnPostgres;
import io.eventshop.testing.StoreFixture;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The three kinds of work over a row per stream (a new reactor's seeding at the head, a reposition, the deletion of a
 * retired subscriber's rows) run a bounded number of rows per transaction, so the store's horizon never waits for one
 * for long; stopped half-way, each resumes without losing or repeating an event, and what is appended meanwhile is
 * applied once, after. Triggers on the subscriber's rows log each row's transaction and stop the work half-way.
 *
 * <p>On a Postgres of its own: the horizon is the whole cluster's, so another test's long transaction on the machine's
 * cluster would hold back this one's reads, and its head.
 */
class StreamRowsTasksTest {

    /** 500 events per page: 5,000 rows per transaction. */
    private static final SubscriberOptions PAGES_OF_500 = new SubscriberOptions("classic", 32, 500, Duration.ofMillis(300), 3, 50,
            Duration.ofSeconds(20), Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofMillis(300));
    private static final int ROWS_PER_TRANSACTION = 5_000;
    /** 3 events per page: 30 rows per transaction. */
    private static final SubscriberOptions PAGES_OF_3 = new SubscriberOptions("classic", 32, 3, Duration.ofMillis(300), 3, 50,
            Duration.ofSeconds(20), Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofMillis(300));
    private static final int SMALL_TRANSACTION = 30;
    /** Each small test's streams; its work stops after 50 rows: the first transaction's 30 commit, every later one rolls back. */
    private static final int SMALL = 100;
    private static final int STREAMS = 50_000;

    static OwnPostgres postgres;
    static StoreFixture fx;
    SubscriberFixture sf;
    private final Set<String> triggers = new LinkedHashSet<>();

    @BeforeAll
    static void open() throws Exception {
        postgres = OwnPostgres.start(5486);
        fx = StoreFixture.fresh(postgres.port(), "eventshop_rows", 16);
        sql("create schema if not exists subscriber_test");
        sql("create table if not exists subscriber_test.row_changes (subscriber text not null, op text not null,"
                + " xid xid8 not null default pg_current_xact_id())");
        sql("create or replace function subscriber_test.log_row_change() returns trigger language plpgsql as $$ begin"
                + " if tg_op = 'DELETE' then insert into subscriber_test.row_changes (subscriber, op) values (old.subscriber, tg_op);"
                + " else insert into subscriber_test.row_changes (subscriber, op) values (new.subscriber, tg_op); end if;"
                + " return null; end $$");
        // Refuses every change once tg_argv[0] rows changed: counted in a sequence, which moves on even when the transaction
        // rolls back, so the work stays stopped until the trigger is dropped.
        sql("create sequence if not exists subscriber_test.row_change_count");
        sql("create or replace function subscriber_test.stop_after() returns trigger language plpgsql as $$ begin"
                + " if nextval('subscriber_test.row_change_count') > tg_argv[0]::bigint then"
                + " raise exception 'test: stopped after % rows', tg_argv[0]; end if;"
                + " if tg_op = 'DELETE' then return old; end if; return new; end $$");
        // What a handler saw, without a unique key: a version applied twice shows twice.
        sql("create table if not exists subscriber_test.applications (seq bigserial primary key, subscriber text not null,"
                + " stream_id text not null, version int not null)");
    }

    @AfterAll
    static void close() throws Exception {
        fx.close();
        postgres.close();
    }

    @BeforeEach
    void fixture() throws Exception {
        sf = new SubscriberFixture(fx);
    }

    @AfterEach
    void cleanUp() throws Exception {
        triggers.forEach(this::dropTrigger);
        sf.close();
    }

    // --- the horizon ------------------------------------------------------------------------------

    @Test
    void seeding_repositioning_and_forgetting_50k_streams_never_hold_the_horizon_back_for_long() throws Exception {
        bulkAppend();
        trigger("log", "after insert or update or delete", "subscriber_test.log_row_change()");
        Subscription reactor = recordingReactor();

        Subscriber subscriber = sf.start(reactor, PAGES_OF_500);
        Sampled seeding = longestWriterWhile(() -> state(subscriber) == Subscriber.State.LIVE);
        assertThat(rows()).isEqualTo(STREAMS);
        subscriber.close(Duration.ofSeconds(5));

        Repositions repositions = new Repositions(fx.store, new StreamStates(fx.store), new Checkpoints(fx.store), PAGES_OF_500.pageSize());
        AtomicReference<List<Repositions.Repositioned>> moved = new AtomicReference<>();
        Sampled repositioning = longestWriterWhile(() -> {
            moved.compareAndSet(null, repositions.reposition(reactor, new Repositions.From.Beginning()).await().indefinitely());
            return true;
        });
        assertThat(moved.get()).singleElement().satisfies(category -> assertThat(category.streams()).isEqualTo(STREAMS));

        Sampled forgetting = longestWriterWhile(() -> {
            forget(PAGES_OF_500);
            return true;
        });
        assertThat(rows()).isZero();

        Map<String, Integer> largest = largestTransactions();
        System.out.printf("%,d streams: the longest writing transaction (horizon age) / the whole operation: seeding %s, repositioning %s,"
                + " forgetting %s; rows per transaction at most %s%n", STREAMS, seeding, repositioning, forgetting, largest);
        assertThat(largest).as("stream rows changed per transaction, by operation").containsOnlyKeys("INSERT", "UPDATE", "DELETE")
                .allSatisfy((op, rows) -> assertThat(rows).as(op).isLessThanOrEqualTo(ROWS_PER_TRANSACTION));
        // Not a timed test (the machine's load decides the seconds): ten transactions each, so none lasts half of the whole.
        assertThat(Map.of("seeding", seeding, "repositioning", repositioning, "forgetting", forgetting))
                .as("horizon age while each operation ran, against its duration")
                .allSatisfy((op, sampled) -> assertThat(sampled.longestWriter()).as(op).isLessThan(sampled.seconds() / 2));
    }

    // --- stopped half-way ---------------------------------------------------------------------------

    @Test
    void a_seeding_stopped_half_way_resumes_and_what_was_appended_meanwhile_is_applied_once() throws Exception {
        List<StoredEvent> history = sf.appendStreams(SMALL, 1);
        String stop = trigger("stop", "before insert", "subscriber_test.stop_after('50')");
        Subscription reactor = recordingReactor();
        sf.relay();

        Subscriber first = sf.start(reactor, PAGES_OF_3);
        await().atMost(Duration.ofSeconds(20)).until(() -> rows() == SMALL_TRANSACTION && changeCount() > 50);
        assertThat(task()).as("still seeding").isEqualTo(RowsTask.Kind.SEEDING);
        assertThat(first.status().await().indefinitely().categories()).singleElement()
                .satisfies(category -> assertThat(category.rowsDone()).isEqualTo(SMALL_TRANSACTION));
        // Appended while it seeds: the next version of every stream (with a row and without), and new streams.
        List<StoredEvent> meanwhile = new ArrayList<>();
        for (StreamId stream : history.stream().map(StoredEvent::streamId).distinct().toList()) {
            meanwhile.addAll(sf.append(stream, SubscriberFixture.confirmations(1)));
        }
        meanwhile.addAll(sf.appendStreams(20, 2));
        long changes = changeCount();
        await().atMost(Duration.ofSeconds(10)).until(() -> changeCount() >= changes + 2); // refused twice more
        first.close(Duration.ofSeconds(5));
        assertThat(applications()).as("nothing applied while seeding").isEmpty();
        dropTrigger(stop);

        Subscriber second = sf.start(reactor, PAGES_OF_3);
        await().atMost(Duration.ofSeconds(20)).until(() -> applications().values().stream().mapToInt(List::size).sum() == meanwhile.size());
        assertThat(applications()).as("only what came after the head, once each, in order")
                .isEqualTo(SubscriberFixture.expected(meanwhile));
        await().atMost(Duration.ofSeconds(10)).until(() -> state(second) == Subscriber.State.LIVE);
        assertThat(lastVersions()).as("every stream's row at its last version")
                .isEqualTo(lastVersionsOf(history, meanwhile));
    }

    @Test
    void a_reposition_stopped_half_way_resumes_and_a_live_event_meanwhile_is_applied_once() throws Exception {
        Subscription reactor = recordingReactor();
        sf.relay();
        Subscriber first = sf.start(reactor, PAGES_OF_3, Subscription.Start.BEGINNING);
        List<StoredEvent> before = sf.appendStreams(SMALL, 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> appliedCount() == before.size());
        // Doorbells apply committed events before the store's horizon passes them: the target must lie after every one.
        sf.awaitReadable(before.size());
        Checkpoint target = fx.store.head().await().indefinitely();
        List<StoredEvent> after = new ArrayList<>();
        for (StreamId stream : streamsOf(before)) {
            after.addAll(sf.append(stream, SubscriberFixture.confirmations(1)));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> appliedCount() == before.size() + after.size());

        String stop = trigger("stop", "before update", "subscriber_test.stop_after('50')");
        Repositions repositions = new Repositions(fx.store, new StreamStates(fx.store), new Checkpoints(fx.store), PAGES_OF_3.pageSize());
        assertThatThrownBy(() -> repositions.reposition(reactor, new Repositions.From.AtPosition(target)).await().indefinitely())
                .hasMessageContaining("test: stopped after 50 rows");
        assertThat(task()).as("still repositioning").isEqualTo(RowsTask.Kind.REPOSITIONING);
        // Live events while it repositions: relayed at once, to a consumer that may still be open.
        List<StoredEvent> live = new ArrayList<>();
        for (StreamId stream : streamsOf(before)) {
            live.addAll(sf.append(stream, SubscriberFixture.confirmations(1)));
        }
        Thread.sleep(1_000);
        first.close(Duration.ofSeconds(5));
        assertThat(appliedCount()).as("nothing applied while repositioning").isEqualTo(before.size() + after.size());
        dropTrigger(stop);

        Subscriber second = sf.start(reactor, PAGES_OF_3, Subscription.Start.BEGINNING);
        int expected = before.size() + 2 * after.size() + live.size();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> appliedCount() == expected);
        } catch (ConditionTimeoutException e) {
            // Seen in about one full run in three on 2026-12-04, not understood: say which streams differ.
            Map<String, List<Integer>> odd = new LinkedHashMap<>(applications());
            odd.values().removeIf(List.of(1, 2, 2, 3)::equals);
            throw new AssertionError(e.getMessage() + "; applied " + appliedCount() + " of " + expected + "; streams not [1, 2, 2, 3]: "
                    + odd + "; target " + target + sf.describe(), e);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> state(second) == Subscriber.State.LIVE);
        Thread.sleep(500); // a late doorbell would apply nothing more
        Map<String, List<Integer>> versions = new LinkedHashMap<>();
        before.forEach(event -> versions.put(event.streamId().value(), List.of(1, 2, 2, 3)));
        assertThat(applications()).as("after the target again, once each, and the live event once").isEqualTo(versions);
        assertThat(new Checkpoints(fx.store).rowsDone(sf.subscriber, sf.category).await().indefinitely())
                .as("rows moved back in all").isEqualTo(SMALL);
    }

    @Test
    void forgetting_stopped_half_way_leaves_no_checkpoint_and_the_next_call_deletes_the_rest() throws Exception {
        sf.appendStreams(SMALL, 1);
        Subscription reactor = recordingReactor();
        Subscriber subscriber = sf.start(reactor, PAGES_OF_3);
        await().atMost(Duration.ofSeconds(20)).until(() -> state(subscriber) == Subscriber.State.LIVE);
        subscriber.close(Duration.ofSeconds(5));
        String stop = trigger("stop", "before delete", "subscriber_test.stop_after('50')");

        assertThatThrownBy(() -> forget(PAGES_OF_3)).hasMessageContaining("test: stopped after 50 rows");
        assertThat(new Checkpoints(fx.store).all(sf.subscriber).await().indefinitely()).as("checkpoints go first").isEmpty();
        assertThat(rows()).isEqualTo(SMALL - SMALL_TRANSACTION);
        dropTrigger(stop);

        assertThat(forget(PAGES_OF_3)).isEqualTo(SMALL - SMALL_TRANSACTION);
        assertThat(rows()).isZero();
    }

    // --- helpers ----------------------------------------------------------------------------------

    private static List<StreamId> streamsOf(List<StoredEvent> events) {
        return events.stream().map(StoredEvent::streamId).distinct().toList();
    }

    private Subscription recordingReactor() {
        return Subscription.reactor(sf.subscriber, sf.category).on(OrderConfirmed.class, this::record).build();
    }

    private Uni<Void> record(StoreTransaction tx, Envelope<OrderConfirmed> event) {
        return tx.connection().preparedQuery("insert into subscriber_test.applications (subscriber, stream_id, version) values ($1, $2, $3)")
                .execute(Tuple.of(sf.subscriber, event.streamId().value(), event.streamVersion())).replaceWithVoid();
    }

    // As the runtime retires a subscriber.
    private long forget(SubscriberOptions options) {
        return new StreamRowsTasks(sf.subscriber, fx.store, new StreamStates(fx.store), new Checkpoints(fx.store), options.pageSize())
                .forget(sf.deadLetterStore()).await().indefinitely();
    }

    // An event in each of 50,000 new streams of the category, in one statement (nothing here applies them).
    private void bulkAppend() {
        fx.pool.preparedQuery("insert into event_store.events (event_id, stream_id, category, stream_version, type, schema_version,"
                + " data, metadata, occurred_at) select gen_random_uuid(), $1 || '-' || gen_random_uuid(), $1, 1,"
                + " 'io.eventshop.order.confirmed', 1, json_build_object('orderId', gen_random_uuid()), '{}'::json, now()"
                + " from generate_series(1, $2)").execute(Tuple.of(sf.category, STREAMS)).await().indefinitely();
    }

    /** The largest horizon age seen while an operation ran, and how long it ran, in seconds. */
    private record Sampled(double longestWriter, double seconds) {
        @Override
        public String toString() {
            return "%.2f s / %.2f s".formatted(longestWriter, seconds);
        }
    }

    // Runs {@code done} until it holds, sampling meanwhile the age of this cluster's oldest transaction that holds an xid
    // (what holds back the store's horizon).
    private Sampled longestWriterWhile(Supplier<Boolean> done) throws InterruptedException {
        long start = System.nanoTime();
        AtomicBoolean sampling = new AtomicBoolean(true);
        AtomicReference<Double> longest = new AtomicReference<>(0.0);
        Thread sampler = Thread.ofVirtual().start(() -> {
            while (sampling.get()) {
                double age = fx.pool.query("select coalesce(max(extract(epoch from clock_timestamp() - xact_start)), 0)::float8"
                        + " from pg_stat_activity where backend_xid is not null").execute()
                        .await().indefinitely().iterator().next().getDouble(0);
                longest.accumulateAndGet(age, Math::max);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try {
            // A bound for a machine under load, not a timing: a few seconds each on an idle one.
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(50)).until(done::get);
        } finally {
            sampling.set(false);
            sampler.join();
        }
        return new Sampled(longest.get(), (System.nanoTime() - start) / 1e9);
    }

    // Per operation, the most stream rows one transaction changed (from the log trigger).
    private Map<String, Integer> largestTransactions() {
        Map<String, Integer> largest = new LinkedHashMap<>();
        fx.pool.preparedQuery("select op, max(rows)::int from (select op, xid, count(*) as rows from subscriber_test.row_changes"
                + " where subscriber = $1 group by op, xid) t group by op").execute(Tuple.of(sf.subscriber)).await().indefinitely()
                .forEach(row -> largest.put(row.getString(0), row.getInteger(1)));
        return largest;
    }

    private Map<String, List<Integer>> applications() {
        Map<String, List<Integer>> byStream = new LinkedHashMap<>();
        fx.pool.preparedQuery("select stream_id, version from subscriber_test.applications where subscriber = $1 order by seq")
                .execute(Tuple.of(sf.subscriber)).await().indefinitely()
                .forEach(row -> byStream.computeIfAbsent(row.getString(0), s -> new ArrayList<>()).add(row.getInteger(1)));
        return byStream;
    }

    private int appliedCount() {
        return applications().values().stream().mapToInt(List::size).sum();
    }

    private Map<String, Integer> lastVersions() {
        Map<String, Integer> versions = new LinkedHashMap<>();
        fx.pool.preparedQuery("select stream_id, last_version from event_store.subscriber_streams where subscriber = $1 order by stream_id")
                .execute(Tuple.of(sf.subscriber)).await().indefinitely().forEach(row -> versions.put(row.getString(0), row.getInteger(1)));
        return versions;
    }

    private static Map<String, Integer> lastVersionsOf(List<StoredEvent> history, List<StoredEvent> meanwhile) {
        Map<String, Integer> versions = new TreeMap<>();
        for (StoredEvent event : history) {
            versions.merge(event.streamId().value(), event.streamVersion(), Math::max);
        }
        for (StoredEvent event : meanwhile) {
            versions.merge(event.streamId().value(), event.streamVersion(), Math::max);
        }
        return versions;
    }

    private RowsTask.Kind task() {
        return new Checkpoints(fx.store).find(sf.subscriber, sf.category).await().indefinitely().orElseThrow().rows() instanceof RowsTask task
                ? task.kind() : null;
    }

    private static Subscriber.State state(Subscriber subscriber) {
        return subscriber.status().await().indefinitely().state();
    }

    private String trigger(String kind, String when, String function) {
        String name = kind + "_" + sf.category.replace('-', '_');
        // A trigger for several operations cannot name new or old in its condition: the log keeps every subscriber's rows.
        String only = when.contains(" or ") ? "" : " when (" + (when.endsWith("delete") ? "old" : "new") + ".subscriber = '" + sf.subscriber + "')";
        sql("create trigger " + name + " " + when + " on event_store.subscriber_streams for each row" + only + " execute function " + function);
        if (kind.equals("stop")) {
            sql("alter sequence subscriber_test.row_change_count restart");
        }
        triggers.add(name);
        return name;
    }

    private void dropTrigger(String name) {
        sql("drop trigger if exists " + name + " on event_store.subscriber_streams");
    }

    private long changeCount() {
        return fx.pool.query("select case when is_called then last_value else 0 end from subscriber_test.row_change_count").execute()
                .await().indefinitely().iterator().next().getLong(0);
    }

    private int rows() {
        return fx.pool.preparedQuery("select count(*)::int from event_store.subscriber_streams where subscriber = $1")
                .execute(Tuple.of(sf.subscriber)).await().indefinitely().iterator().next().getInteger(0);
    }

    private static void sql(String statement) {
        fx.pool.query(statement).execute().await().indefinitely();
    }
}
