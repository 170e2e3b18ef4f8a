package io.eventshop.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.eventshop.events.StreamId;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.ExpectedVersion;
import io.eventshop.store.StoredEvent;
import io.eventshop.testing.LocalPostgres;
import io.eventshop.testing.StoreFixture;
import io.eventshop.wire.CloudEventCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgConnectOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The relay against the machine's Postgres and RabbitMQ: order, confirms, checkpoints, leadership. */
class RelayTest {

    static StoreFixture fx;
    static Connection amqp;

    String category;
    Channel consumer;
    final List<UUID> received = Collections.synchronizedList(new ArrayList<>());
    final List<Relay> relays = new ArrayList<>();

    @BeforeAll
    static void open() throws Exception {
        fx = StoreFixture.open(8);
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(System.getenv().getOrDefault("RABBITMQ_HOST", "127.0.0.1"));
        amqp = factory.newConnection("relay-test");
    }

    @AfterAll
    static void close() throws Exception {
        amqp.close();
        fx.close();
    }

    @BeforeEach
    void bindQueue() throws Exception {
        category = StoreFixture.newCategory("relay");
        consumer = amqp.createChannel();
        consumer.exchangeDeclare(Publisher.exchangeFor(category), BuiltinExchangeType.FANOUT, true);
        String queue = consumer.queueDeclare().getQueue();
        consumer.queueBind(queue, Publisher.exchangeFor(category), "");
        consumer.basicConsume(queue, true, (tag, delivery) -> {
            assertThat(delivery.getProperties().getDeliveryMode()).isEqualTo(2);
            received.add(CloudEventCodec.decode(delivery.getBody()).eventId());
        }, tag -> { });
    }

    @AfterEach
    void stop() throws Exception {
        relays.forEach(Relay::close);
        consumer.exchangeDelete(Publisher.exchangeFor(category));
        consumer.close();
    }

    @Test
    void committed_events_are_published_in_store_order_and_an_open_transaction_holds_back_what_follows_it() {
        start(Duration.ofMillis(200));
        CompletableFuture<Void> releaseEarly = new CompletableFuture<>();
        CompletableFuture<List<StoredEvent>> early = fx.store.inTransaction(tx -> fx.store
                        .append(tx, stream(), ExpectedVersion.NO_STREAM, StoreFixture.events(2, "early"))
                        .call(() -> Uni.createFrom().completionStage(releaseEarly)))
                .subscribeAsCompletionStage();
        await().atMost(Duration.ofSeconds(5)).until(RelayTest::aWritingTransactionIsOpen);
        List<StoredEvent> later = appendStreams(3, 4);

        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(2)).until(received::isEmpty);

        releaseEarly.complete(null);
        List<StoredEvent> lateCommitted = early.join();
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= later.size() + lateCommitted.size());
        assertThat(received).containsExactlyElementsOf(storeOrder());
        assertThat(received.subList(0, lateCommitted.size())).as("the earlier transaction's events first, though they committed last")
                .containsExactlyElementsOf(lateCommitted.stream().map(StoredEvent::eventId).toList());
        await().atMost(Duration.ofSeconds(5)).until(() -> savedCheckpoint().equals(lastPosition()));
    }

    @Test
    void a_local_commit_wakes_the_relay_long_before_its_poll_would() {
        start(Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(10)).until(() -> relays.getFirst().status().state() == Relay.State.LEADING);
        List<StoredEvent> appended = appendStreams(1, 3);
        await().atMost(Duration.ofSeconds(5)).until(() -> received.size() == appended.size());
    }

    @Test
    void events_an_older_transaction_held_back_are_published_when_it_ends_not_at_the_next_poll() {
        start(Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(10)).until(() -> relays.getFirst().status().state() == Relay.State.LEADING);
        // Another service's transaction, say: it holds a transaction id and appends nothing here, so its end wakes nobody.
        CompletableFuture<Void> holdsItsId = new CompletableFuture<>();
        CompletableFuture<Void> releaseOlder = new CompletableFuture<>();
        CompletableFuture<Void> older = fx.pool.withTransaction(connection -> connection.query("select pg_current_xact_id()").execute()
                        .invoke(() -> holdsItsId.complete(null))
                        .call(() -> Uni.createFrom().completionStage(releaseOlder)).replaceWithVoid())
                .subscribeAsCompletionStage();
        holdsItsId.orTimeout(5, TimeUnit.SECONDS).join();
        List<StoredEvent> appended = appendStreams(1, 2); // its commit wakes the relay, which finds them above the horizon

        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(received::isEmpty);
        releaseOlder.complete(null);
        older.join();

        // The poll is a minute away, and no commit of this category follows.
        await().atMost(Duration.ofSeconds(5)).until(() -> received.size() == appended.size());
        assertThat(received).containsExactlyElementsOf(appended.stream().map(StoredEvent::eventId).toList());
    }

    @Test
    void a_stored_event_that_cannot_be_encoded_as_a_message_is_passed_over_and_the_rest_is_published() {
        List<StoredEvent> before = appendStreams(1, 2);
        // Written around the store's API (which refuses it): a source that is not a URI cannot become a CloudEvent.
        UUID unencodable = UUID.randomUUID();
        fx.pool.preparedQuery("insert into event_store.events (event_id, stream_id, category, stream_version, type, schema_version, data,"
                + " metadata, occurred_at) values ($1, $2, $3, 1, 'io.eventshop.test.happened', 1, '{}', '{\"source\":\"not a uri\"}', now())")
                .execute(Tuple.of(unencodable, stream().value(), category)).await().indefinitely();
        List<StoredEvent> after = appendStreams(1, 2);

        start(Duration.ofMillis(200));

        await().atMost(Duration.ofSeconds(10)).until(() -> savedCheckpoint().equals(lastPosition()));
        assertThat(received).doesNotContain(unencodable)
                .containsAll(before.stream().map(StoredEvent::eventId).toList())
                .containsAll(after.stream().map(StoredEvent::eventId).toList());
    }

    @Test
    void when_the_leaders_lock_connection_dies_the_standby_takes_over_and_nothing_is_lost() {
        Relay first = start(Duration.ofMillis(200));
        await().atMost(Duration.ofSeconds(10)).until(() -> first.status().state() == Relay.State.LEADING);
        Relay second = start(Duration.ofMillis(200));
        await().atMost(Duration.ofSeconds(10)).until(() -> second.status().state() == Relay.State.STANDBY);
        List<StoredEvent> before = appendStreams(2, 5);
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= before.size());

        int killed = lockHolder().orElseThrow();
        killLockHolder();
        // A new lead: the category's lock held again, by a session other than the one that died (right after
        // the kill it is held by nobody, and the old leader still thinks it leads).
        await().atMost(Duration.ofSeconds(15)).until(() -> lockHolder().filter(pid -> pid != killed).isPresent());
        List<StoredEvent> after = appendStreams(2, 5);

        await().atMost(Duration.ofSeconds(15)).until(() -> received.containsAll(storeOrder()));
        assertThat(received).containsAll(before.stream().map(StoredEvent::eventId).toList())
                .containsAll(after.stream().map(StoredEvent::eventId).toList());
        assertThat(List.of(first.status().state(), second.status().state())).containsOnlyOnce(Relay.State.LEADING);
    }

    @Test
    void a_crash_between_the_confirm_and_the_checkpoint_republishes_and_loses_nothing() {
        Relay relay = start(Duration.ofMillis(200));
        List<StoredEvent> appended = appendStreams(2, 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> savedCheckpoint().equals(lastPosition()));
        relay.close();
        // What a crash after the confirm but before the save leaves behind: the old checkpoint.
        fx.pool.preparedQuery("update event_store.relay_checkpoints set transaction_id = '0'::xid8, global_position = 0"
                + " where category = $1").execute(Tuple.of(category)).await().indefinitely();

        start(Duration.ofMillis(200));

        List<UUID> ids = appended.stream().map(StoredEvent::eventId).toList();
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 2 * ids.size());
        assertThat(received.subList(0, ids.size())).containsExactlyElementsOf(ids);
        assertThat(received.subList(ids.size(), received.size())).as("re-published, in order").containsExactlyElementsOf(ids);
        await().atMost(Duration.ofSeconds(5)).until(() -> savedCheckpoint().equals(lastPosition()));
    }

    private Relay start(Duration pollInterval) {
        RelayOptions options = new RelayOptions(100, pollInterval, Duration.ofSeconds(5), Duration.ofMillis(300));
        PgConnectOptions database = LocalPostgres.connectOptions(fx.port, fx.database);
        Relay relay = new Relay(category, fx.store, new RelayLeadership(fx.vertx, database, category, Duration.ofSeconds(5), RelayOptions.DEFAULT_LOCK_TIMEOUT),
                new Publisher(() -> amqp, category, options.confirmTimeout(), (event, failure) -> { }), options,
                new RelayMetrics(new SimpleMeterRegistry()));
        fx.store.onCommit(categories -> {
            if (categories.contains(category)) {
                relay.wake();
            }
        });
        relays.add(relay);
        relay.start();
        return relay;
    }

    private StreamId stream() {
        return StreamId.of(category, UUID.randomUUID());
    }

    private List<StoredEvent> appendStreams(int streams, int eventsEach) {
        List<StoredEvent> all = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            all.addAll(fx.store.inTransaction(tx -> fx.store.append(tx, stream(), ExpectedVersion.NO_STREAM,
                    StoreFixture.events(eventsEach, "relayed"))).await().indefinitely());
        }
        return all;
    }

    private List<UUID> storeOrder() {
        return fx.store.streamCategory(category, Checkpoint.START).map(StoredEvent::eventId).collect().asList().await().indefinitely();
    }

    private Checkpoint lastPosition() {
        return fx.store.streamCategory(category, Checkpoint.START).collect().last().await().indefinitely().position();
    }

    private Checkpoint savedCheckpoint() {
        var rows = fx.pool.preparedQuery("select transaction_id::text::bigint, global_position from event_store.relay_checkpoints"
                + " where category = $1").execute(Tuple.of(category)).await().indefinitely();
        return rows.size() == 0 ? Checkpoint.START : new Checkpoint(rows.iterator().next().getLong(0), rows.iterator().next().getLong(1));
    }

    // The open transaction's rows are invisible to us, but the session idling in it is not.
    private static boolean aWritingTransactionIsOpen() {
        return fx.pool.query("select count(*) from pg_stat_activity where state = 'idle in transaction' and backend_xid is not null")
                .execute().await().indefinitely().iterator().next().getLong(0) > 0;
    }

    // The backend holding the category's relay lock, if one does.
    private Optional<Integer> lockHolder() {
        var rows = fx.pool.preparedQuery("select pid from pg_locks where locktype = 'advisory' and granted"
                        + " and objsubid = 2 and classid::int4 = hashtext('eventshop.relay') and objid::int4 = hashtext($1)")
                .execute(Tuple.of(category)).await().indefinitely();
        return rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getInteger(0));
    }

    private void killLockHolder() {
        fx.pool.preparedQuery("select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and granted"
                        + " and objsubid = 2 and classid::int4 = hashtext('eventshop.relay') and objid::int4 = hashtext($1)")
                .execute(Tuple.of(category)).await().indefinitely();
    }
}
