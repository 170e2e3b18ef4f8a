package io.eventshop.subscriber;

import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.eventshop.broker.BrokerConnectionSource;
import io.eventshop.events.EventMetadata;
import io.eventshop.events.NewEvent;
import io.eventshop.events.StreamId;
import io.eventshop.events.codec.EventCodec;
import io.eventshop.events.order.OrderConfirmed;
import io.eventshop.relay.Relay;
import io.eventshop.relay.RelayOptions;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.ExpectedVersion;
import io.eventshop.store.StoreTransaction;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.deadletter.DeadLetter;
import io.eventshop.subscriber.deadletter.DeadLetters;
import io.eventshop.subscriber.live.QueueConsumer;
import io.eventshop.subscriber.runtime.Subscriber;
import io.eventshop.subscriber.runtime.SubscriberOptions;
import io.eventshop.subscriber.state.Checkpoints;
import io.eventshop.subscriber.state.StreamRow;
import io.eventshop.subscriber.state.StreamStates;
import io.eventshop.testing.LocalPostgres;
import io.eventshop.testing.StoreFixture;
import io.eventshop.wire.Exchanges;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A category of its own on the machine's Postgres and RabbitMQ, with relays, subscribers and a
 * recording handler: every test gets fresh exchanges, queues and checkpoints, and removes them.
 */
final class SubscriberFixture implements AutoCloseable {

    static final SubscriberOptions FAST = options(Duration.ofMillis(500), 3, 50);
    /** No catch-up passes worth speaking of: only messages bring events. */
    static final SubscriberOptions LIVE_ONLY = options(Duration.ofHours(1), 3, 50);

    final StoreFixture fx;
    final String category = StoreFixture.newCategory("sub");
    final String subscriber = "test." + category;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final BrokerConnectionSource broker;
    private final Connection ownConnection;
    private final List<AutoCloseable> running = new ArrayList<>();
    private final Set<String> subscriberNames = new LinkedHashSet<>();

    /** On the machine's broker. */
    SubscriberFixture(StoreFixture fx) throws IOException, TimeoutException {
        this(fx, null);
    }

    /** On {@code broker}, or the machine's when null. */
    SubscriberFixture(StoreFixture fx, BrokerConnectionSource broker) throws IOException, TimeoutException {
        this.fx = fx;
        if (broker == null) {
            ConnectionFactory factory = new ConnectionFactory();
            factory.setHost(System.getenv().getOrDefault("RABBITMQ_HOST", "127.0.0.1"));
            factory.setAutomaticRecoveryEnabled(false);
            this.ownConnection = factory.newConnection("subscriber-test");
            this.broker = () -> ownConnection;
        } else {
            this.ownConnection = null;
            this.broker = broker;
        }
        fx.pool.query("create schema if not exists subscriber_test").execute()
                .chain(() -> fx.pool.query("create table if not exists subscriber_test.applied (seq bigserial primary key,"
                        + " subscriber text not null, stream_id text not null, version int not null,"
                        + " unique (subscriber, stream_id, version))").execute())
                // What the handler saw of the event: its id and payload (the store's copy, never a message's).
                .chain(() -> fx.pool.query("alter table subscriber_test.applied add column if not exists event_id uuid,"
                        + " add column if not exists order_id uuid").execute())
                .await().indefinitely();
    }

    BrokerConnectionSource broker() {
        return broker;
    }

    Connection amqp() throws IOException, TimeoutException {
        return broker.get();
    }

    /** A relay for the fixture's category, woken by local commits. */
    Relay relay() {
        RelayOptions options = new RelayOptions(100, Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofMillis(300));
        Relay relay = Relay.create(category, fx.store, fx.vertx, LocalPostgres.connectOptions(fx.port, fx.database), broker(), options,
                meters);
        fx.store.onCommit(categories -> {
            if (categories.contains(category)) {
                relay.wake();
            }
        });
        running.add(relay);
        relay.start();
        return relay;
    }

    /** A view named after the fixture whose handler records each OrderConfirmed it sees. */
    Subscription recordingView() {
        return Subscription.view(subscriber, category).on(OrderConfirmed.class, this::record).build();
    }

    static SubscriberOptions options(Duration catchUpInterval, int maxAttempts, int maxContentionAttempts) {
        return new SubscriberOptions("classic", 32, 200, catchUpInterval, maxAttempts, maxContentionAttempts,
                Duration.ofSeconds(20), Duration.ofMillis(20),
                Duration.ofMillis(200), Duration.ofMillis(300));
    }

    Subscriber start(Subscription subscription, SubscriberOptions options) {
        return start(subscription, options, Subscription.Start.HEAD);
    }

    Subscriber start(Subscription subscription, SubscriberOptions options, Subscription.Start start) {
        Subscriber started = new Subscriber(subscription, start, fx.store, broker(), options, meters);
        running.add(() -> started.close(Duration.ofSeconds(5)));
        subscriberNames.add(subscription.name());
        started.start();
        return started;
    }

    Uni<Void> record(StoreTransaction tx, Envelope<OrderConfirmed> event) {
        return tx.connection()
                .preparedQuery("insert into subscriber_test.applied (subscriber, stream_id, version, event_id, order_id)"
                        + " values ($1, $2, $3, $4, $5)")
                .execute(Tuple.of(subscriber, event.streamId().value(), event.streamVersion(), event.recorded().eventId(),
                        event.payload().orderId()))
                .replaceWithVoid();
    }

    StreamId newStream() {
        return StreamId.of(category, UUID.randomUUID());
    }

    List<StoredEvent> append(StreamId stream, List<NewEvent> events) {
        return fx.store.inTransaction(tx -> fx.store.append(tx, stream, ExpectedVersion.ANY, events)).await().indefinitely();
    }

    /**
     * Versions 1 to 3 of {@code stream}, version 3 appended by a transaction that took its id before versions 1 and 2
     * were appended: it comes first in store order (an overtaker). {@code meanwhile} runs after that id was taken and
     * before versions 1 and 2 are appended. Returns the three in version order.
     */
    List<StoredEvent> appendOvertaker(StreamId stream, Runnable meanwhile) {
        var go = new CompletableFuture<Void>();
        var idTaken = new CompletableFuture<Void>();
        var late = fx.store.inTransaction(tx -> tx.connection().query("select pg_current_xact_id()").execute()
                        .invoke(() -> idTaken.complete(null))
                        .chain(() -> Uni.createFrom().completionStage(go))
                        .chain(() -> fx.store.append(tx, stream, ExpectedVersion.exactly(2), confirmations(1))))
                .subscribeAsCompletionStage();
        idTaken.join();
        meanwhile.run();
        List<StoredEvent> versions = new ArrayList<>(append(stream, confirmations(2)));
        go.complete(null);
        versions.addAll(late.join());
        return versions;
    }

    /**
     * Waits until the category's first {@code events} events (at most 1,000) are readable: readers stop at the horizon,
     * which any transaction of the server (another database's too) holds back.
     */
    void awaitReadable(int events) {
        await().atMost(Duration.ofSeconds(30)).until(() -> fx.store.readCategory(category, Checkpoint.START, 1000).await().indefinitely()
                .size() == events);
    }

    /** The fixture's subscriber's rows of a partitioned replay (common-events DECISIONS 64). */
    long partitionRows() {
        return fx.pool.preparedQuery("select count(*) from event_store.subscriber_replay_partitions where subscriber = $1")
                .execute(Tuple.of(subscriber)).await().indefinitely().iterator().next().getLong(0);
    }

    /** For a failure's message: the subscriber's checkpoint and partition rows, and the database's sessions at work. */
    String describe() {
        StringBuilder found = new StringBuilder();
        Tuple named = Tuple.of(subscriber);
        for (var rows : List.of(
                fx.pool.preparedQuery("select category, global_position, replaying, finishing, replayed from event_store.subscriber_checkpoints"
                        + " where subscriber = $1").execute(named),
                fx.pool.preparedQuery("select partition, global_position, level, replayed from event_store.subscriber_replay_partitions"
                        + " where subscriber = $1").execute(named),
                fx.pool.query("select pid, state, wait_event_type, wait_event, pg_blocking_pids(pid), left(query, 120) from pg_stat_activity"
                        + " where datname = current_database() and state <> 'idle' and pid <> pg_backend_pid()").execute())) {
            rows.await().indefinitely().forEach(row -> found.append("\n  ").append(row.deepToString()));
        }
        return found.toString();
    }

    /** {@code streams} new streams of {@code eachStream} confirmations each, appended one stream per transaction. */
    List<StoredEvent> appendStreams(int streams, int eachStream) {
        List<StoredEvent> all = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            all.addAll(append(newStream(), confirmations(eachStream)));
        }
        return all;
    }

    static List<NewEvent> confirmations(int count) {
        return IntStream.range(0, count)
                .mapToObj(i -> EventCodec.encode(new OrderConfirmed(UUID.randomUUID()), new EventMetadata(null, null, "subscriber-test", null, null),
                        Instant.now()))
                .toList();
    }

    static NewEvent unknownType() {
        return new NewEvent(UUID.randomUUID(), "io.eventshop.order.teleported", 1, "{\"to\":\"mars\"}",
                new EventMetadata(null, null, "subscriber-test", null, null), Instant.now());
    }

    /** Per stream, the versions the handler saw, in the order it committed them. */
    Map<String, List<Integer>> applied() {
        Map<String, List<Integer>> byStream = new LinkedHashMap<>();
        fx.pool.preparedQuery("select stream_id, version from subscriber_test.applied where subscriber = $1 order by seq")
                .execute(Tuple.of(subscriber)).await().indefinitely()
                .forEach(row -> byStream.computeIfAbsent(row.getString(0), s -> new ArrayList<>()).add(row.getInteger(1)));
        return byStream;
    }

    int appliedCount() {
        return applied().values().stream().mapToInt(List::size).sum();
    }

    /** What the store holds, per stream, as the handler should have seen it. */
    static Map<String, List<Integer>> expected(List<StoredEvent> events) {
        return events.stream().collect(Collectors.groupingBy(e -> e.streamId().value(), LinkedHashMap::new,
                Collectors.mapping(StoredEvent::streamVersion, Collectors.toList())));
    }

    double counter(String name, String... tags) {
        var found = meters.find(name).tag("subscriber", subscriber).tags(tags).counters();
        return found.stream().mapToDouble(c -> c.count()).sum();
    }

    List<DeadLetter> deadLetters() {
        return deadLetterStore().list(List.of(subscriber), null, null, 0, 100).await().indefinitely();
    }

    DeadLetters deadLetterStore() {
        return new DeadLetters(fx.store, new StreamStates(fx.store), new Checkpoints(fx.store));
    }

    /** The subscriber's row for {@code stream}, if the runtime made one. */
    Optional<StreamRow> row(StreamId stream) {
        return new StreamStates(fx.store).find(subscriber, stream.value()).await().indefinitely();
    }

    /** The event id the handler saw at each version of {@code stream}. */
    Map<Integer, UUID> seenIds(StreamId stream) {
        Map<Integer, UUID> ids = new LinkedHashMap<>();
        fx.pool.preparedQuery("select version, event_id from subscriber_test.applied where subscriber = $1 and stream_id = $2 order by seq")
                .execute(Tuple.of(subscriber, stream.value())).await().indefinitely()
                .forEach(row -> ids.put(row.getInteger(0), row.getUUID(1)));
        return ids;
    }

    void publishRaw(byte[] body) throws IOException {
        try (Channel channel = amqp().createChannel()) {
            channel.basicPublish(Exchanges.forCategory(category), "", null, body);
        } catch (TimeoutException e) {
            throw new IOException(e);
        }
    }

    void deleteQueue(String queue) throws IOException, TimeoutException {
        try (Channel channel = amqp().createChannel()) {
            channel.queueDelete(queue);
        }
    }

    /**
     * Until it is closed (the fixture closes it too), an update of a row of {@code table} (in {@code event_store}) that is
     * this fixture's subscriber's and for which {@code when} holds of {@code new} fails: a replay stops there, as if its
     * service had died after its last page that committed.
     */
    Refusal refuseUpdates(String table, String when) {
        Refusal refusal = new Refusal(table, "refuse_" + category.replace('-', '_'));
        sql("create sequence " + refusal.counter());
        sql("create or replace function subscriber_test.refuse_update() returns trigger language plpgsql as $$ begin"
                + " perform nextval(tg_argv[0]); raise exception 'test: % of % refused', tg_table_name, new.subscriber; end $$");
        sql("create trigger " + refusal.name + " before update on event_store." + table + " for each row when (new.subscriber = '"
                + subscriber + "' and " + when + ") execute function subscriber_test.refuse_update('" + refusal.counter() + "')");
        running.add(refusal);
        return refusal;
    }

    /** A trigger of {@link #refuseUpdates}. */
    final class Refusal implements AutoCloseable {
        private final String table;
        private final String name;

        private Refusal(String table, String name) {
            this.table = table;
            this.name = name;
        }

        private String counter() {
            return "subscriber_test." + name;
        }

        /** Updates refused so far. */
        long count() {
            return fx.pool.query("select case when is_called then last_value else 0 end from " + counter()).execute()
                    .await().indefinitely().iterator().next().getLong(0);
        }

        @Override
        public void close() {
            sql("drop trigger if exists " + name + " on event_store." + table);
            sql("drop sequence if exists " + counter());
        }
    }

    private void sql(String statement) {
        fx.pool.query(statement).execute().await().indefinitely();
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable closeable : running.reversed()) {
            closeable.close();
        }
        if (!amqp().isOpen()) {
            return;
        }
        try (Channel channel = amqp().createChannel()) {
            for (String name : subscriberNames) {
                channel.queueDelete(QueueConsumer.queueName(name, category));
                channel.queueDelete(QueueConsumer.deadLetterQueueName(name));
                channel.exchangeDelete(name + ".dead-letters");
            }
            channel.exchangeDelete(Exchanges.forCategory(category));
        }
        if (ownConnection != null) {
            ownConnection.close();
        }
    }
}
