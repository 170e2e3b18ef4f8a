package io.eventshop.subscriber;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.eventshop.events.StreamId;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.runtime.Subscriber;
import io.eventshop.subscriber.runtime.SubscriberOptions;
import io.eventshop.testing.StoreFixture;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The end of a replay: every stream's row is written a bounded number per transaction (so no transaction of
 * it holds back the store's horizon while it writes millions of rows), with the checkpoint frozen meanwhile,
 * so a replay stopped half-way through its rows resumes them and applies what came meanwhile exactly once.
 * Triggers on the subscriber's rows observe the transactions and stop the finish half-way.
 */
class ReplayFinishTest {

    /** 7 events per page: the end of the replay writes 70 stream rows per transaction. */
    private static final SubscriberOptions SMALL_PAGES = new SubscriberOptions("classic", 32, 7, Duration.ofMillis(500), 3, 50,
            Duration.ofSeconds(20), Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofMillis(300));
    private static final int ROWS_PER_TRANSACTION = 70;

    static StoreFixture fx;
    SubscriberFixture sf;
    private final Set<String> triggers = new LinkedHashSet<>();

    @BeforeAll
    static void open() {
        fx = StoreFixture.open(16);
        sql("create table if not exists subscriber_test.row_writes (subscriber text not null, stream_id text not null,"
                + " xid xid8 not null default pg_current_xact_id())");
        sql("create or replace function subscriber_test.log_row() returns trigger language plpgsql as $$ begin"
                + " insert into subscriber_test.row_writes (subscriber, stream_id) values (new.subscriber, new.stream_id);"
                + " return new; end $$");
        // Counts its refusals in a sequence: a sequence moves on even when the transaction rolls back.
        sql("create sequence if not exists subscriber_test.refusals");
        sql("create or replace function subscriber_test.refuse_rows_beyond() returns trigger language plpgsql as $$ begin"
                + " if (select count(*) from event_store.subscriber_streams where subscriber = new.subscriber) >= tg_argv[0]::int then"
                + " perform nextval('subscriber_test.refusals');"
                + " raise exception 'test: no more stream rows for %', new.subscriber; end if;"
                + " return new; end $$");
    }

    @AfterAll
    static void close() {
        fx.close();
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

    @Test
    void the_end_of_a_replay_writes_the_stream_rows_in_bounded_transactions() {
        List<StoredEvent> history = sf.appendStreams(200, 1);
        readable(history.size());
        trigger("log", "after insert", "subscriber_test.log_row()");

        Subscriber subscriber = sf.start(sf.recordingView(), SMALL_PAGES);
        await().atMost(Duration.ofSeconds(20)).until(() -> live(subscriber));

        Map<String, Integer> rowsPerTransaction = new TreeMap<>();
        fx.pool.preparedQuery("select xid::text, count(*)::int from subscriber_test.row_writes where subscriber = $1 group by xid")
                .execute(Tuple.of(sf.subscriber)).await().indefinitely()
                .forEach(row -> rowsPerTransaction.put(row.getString(0), row.getInteger(1)));
        assertThat(rowsPerTransaction.values().stream().mapToInt(Integer::intValue).sum()).as("a row per stream").isEqualTo(200);
        assertThat(rowsPerTransaction.values()).as("rows per transaction").allSatisfy(rows ->
                assertThat(rows).isLessThanOrEqualTo(ROWS_PER_TRANSACTION));
        assertThat(sf.applied()).isEqualTo(SubscriberFixture.expected(history));
    }

    @Test
    void a_replay_stopped_while_it_writes_its_rows_resumes_them_and_applies_what_came_meanwhile_once() {
        List<StoredEvent> history = new ArrayList<>(sf.appendStreams(200, 1));
        readable(history.size());
        // The finish fails once 100 rows exist: its first transaction's 70 rows commit, every later one rolls back.
        String stop = trigger("stop", "before insert", "subscriber_test.refuse_rows_beyond('100')");

        Subscriber subscriber = sf.start(sf.recordingView(), SMALL_PAGES);
        await().atMost(Duration.ofSeconds(20)).until(() -> finishing() && rows() == ROWS_PER_TRANSACTION);
        // Events after the frozen checkpoint, for streams with a row and streams without one.
        for (StreamId stream : history.stream().map(StoredEvent::streamId).distinct().toList()) {
            history.addAll(sf.append(stream, SubscriberFixture.confirmations(1)));
        }
        long refused = refusals();
        // Two more passes of the subscriber, each refused again while it writes its rows, after those events.
        await().atMost(Duration.ofSeconds(10)).until(() -> refusals() >= refused + 2);
        assertThat(rows()).as("still stopped half-way").isEqualTo(ROWS_PER_TRANSACTION);
        dropTrigger(stop);

        await().atMost(Duration.ofSeconds(20)).until(() -> sf.appliedCount() == 400);
        assertThat(sf.applied()).as("every version once, in order").isEqualTo(SubscriberFixture.expected(history));
        assertThat(sf.deadLetters()).isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> live(subscriber));
    }

    // The replay goes live at the store's horizon, which any transaction of the server (another database's too) holds
    // back: wait until every event is below it, so the replay's end covers them all.
    private void readable(int events) {
        await().atMost(Duration.ofSeconds(30)).until(() -> fx.store.readCategory(sf.category, Checkpoint.START, 1000)
                .await().indefinitely().size() == events);
    }

    private String trigger(String kind, String when, String function) {
        String name = kind + "_" + sf.category.replace('-', '_');
        sql("create trigger " + name + " " + when + " on event_store.subscriber_streams for each row when (new.subscriber = '"
                + sf.subscriber + "') execute function " + function);
        triggers.add(name);
        return name;
    }

    private void dropTrigger(String name) {
        sql("drop trigger if exists " + name + " on event_store.subscriber_streams");
    }

    private boolean finishing() {
        return fx.pool.preparedQuery("select bool_or(finishing) from event_store.subscriber_checkpoints where subscriber = $1")
                .execute(Tuple.of(sf.subscriber)).await().indefinitely().iterator().next().getBoolean(0) == Boolean.TRUE;
    }

    private long refusals() {
        return fx.pool.query("select case when is_called then last_value else 0 end from subscriber_test.refusals").execute().await().indefinitely().iterator().next()
                .getLong(0);
    }

    private int rows() {
        return fx.pool.preparedQuery("select count(*)::int from event_store.subscriber_streams where subscriber = $1")
                .execute(Tuple.of(sf.subscriber)).await().indefinitely().iterator().next().getInteger(0);
    }

    private static void sql(String statement) {
        fx.pool.query(statement).execute().await().indefinitely();
    }

    private static boolean live(Subscriber subscriber) {
        return subscriber.status().await().indefinitely().state() == Subscriber.State.LIVE;
    }
}
