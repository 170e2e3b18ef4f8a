package io.eventshop.subscriber;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import io.eventshop.events.EventMetadata;
import io.eventshop.events.RecordedEvent;
import io.eventshop.events.StreamId;
import io.eventshop.events.order.OrderConfirmed;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.StoreTransaction;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.deadletter.DeadLetter;
import io.eventshop.subscriber.live.QueueConsumer;
import io.eventshop.subscriber.runtime.Subscriber;
import io.eventshop.subscriber.runtime.SubscriberOptions;
import io.eventshop.testing.StoreFixture;
import io.eventshop.wire.CloudEventCodec;
import io.eventshop.wire.Exchanges;
import io.micrometer.core.instrument.DistributionSummary;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The live path applies deliveries that come together in one transaction per batch. Doorbells are published
 * straight onto the category's exchange, all at once, and catch-up is off, so only the messages bring events;
 * the first delivery goes alone (its queue was idle) and those arriving meanwhile make the batches. The handler
 * records every call in a table without a unique key, so a second apply shows as a second row rather than
 * failing and being retried away.
 */
class LiveBatchTest {

    /** Batches of up to 64, waiting up to 200 ms to fill while another batch applies; no catch-up to speak of. */
    static final SubscriberOptions BATCHING = new SubscriberOptions("classic", 256, 200, Duration.ofHours(1), 3, 50,
            Duration.ofSeconds(20), Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofMillis(300),
            SubscriberOptions.QUEUE_MAX_LENGTH, 64, Duration.ofMillis(200));

    static StoreFixture fx;
    SubscriberFixture sf;

    @BeforeAll
    static void open() {
        fx = StoreFixture.open(16);
        fx.pool.query("create schema if not exists subscriber_test").execute()
                .chain(() -> fx.pool.query("create table if not exists subscriber_test.calls (seq bigserial primary key,"
                        + " subscriber text not null, stream_id text not null, version int not null)").execute())
                .await().indefinitely();
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
        sf.close();
    }

    @Test
    void many_deliveries_for_the_same_streams_at_once_are_applied_once_each_in_version_order_by_two_replicas() throws Exception {
        Subscription view = recordingView();
        Subscriber first = sf.start(view, BATCHING);
        Subscriber second = sf.start(view, BATCHING);
        awaitLive(first);
        awaitLive(second);
        List<StoredEvent> appended = sf.appendStreams(6, 15);

        // Every event twice, in any order: later versions before earlier ones, duplicates in one batch and across batches.
        List<StoredEvent> doorbells = new ArrayList<>(appended);
        doorbells.addAll(appended);
        Collections.shuffle(doorbells);
        publish(doorbells);

        await().atMost(Duration.ofSeconds(30)).until(() -> sf.counter("eventshop.subscriber.applied", "path", "live") >= appended.size());
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> queued() == 0);
        assertThat(calls()).isEqualTo(SubscriberFixture.expected(appended));
        assertThat(largestBatch()).as("deliveries applied together").isGreaterThan(1);
        assertThat(sf.counter("eventshop.subscriber.live.batches.split")).as("no batch fell back to one by one").isZero();
        assertThat(sf.deadLetters()).isEmpty();
    }

    @Test
    void a_poison_event_in_a_batch_is_dead_lettered_alone_its_stream_parks_and_the_rest_of_the_batch_is_applied() throws Exception {
        Subscriber subscriber = sf.start(recordingView(), BATCHING);
        awaitLive(subscriber);
        StreamId poisoned = sf.newStream();
        List<StoredEvent> all = new ArrayList<>(sf.append(poisoned, SubscriberFixture.confirmations(1)));
        StoredEvent poison = sf.append(poisoned, List.of(SubscriberFixture.unknownType())).getFirst();
        all.add(poison);
        all.addAll(sf.append(poisoned, SubscriberFixture.confirmations(1)));
        List<StoredEvent> others = sf.appendStreams(8, 3);
        all.addAll(others);

        publish(all);

        await().atMost(Duration.ofSeconds(30)).until(() -> sf.deadLetters().size() == 1 && calls().size() == others.size() / 3 + 1);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> queued() == 0);
        DeadLetter letter = sf.deadLetters().getFirst();
        assertThat(letter.eventId()).isEqualTo(poison.eventId());
        assertThat(letter.attempts()).as("poison is not retried").isEqualTo(1);
        assertThat(sf.row(poisoned).orElseThrow().parkedVersion()).isEqualTo(2);
        Map<String, List<Integer>> expected = new LinkedHashMap<>(SubscriberFixture.expected(others));
        expected.put(poisoned.value(), List.of(1));
        assertThat(calls()).isEqualTo(expected);
        assertThat(largestBatch()).as("the poison came in a batch").isGreaterThan(1);
        // The poison's batch went one by one (and a batch with a later version of its stream, if it met the poison as a gap).
        assertThat(sf.counter("eventshop.subscriber.live.batches.split")).isBetween(1.0, 2.0);
        try (Channel channel = sf.amqp().createChannel()) {
            await().atMost(Duration.ofSeconds(5)).until(() -> channel.messageCount(QueueConsumer.deadLetterQueueName(sf.subscriber)) == 1);
        }
    }

    @Test
    void a_crash_before_a_batch_commits_acknowledges_none_of_it_and_the_redelivered_events_are_applied_once() throws Exception {
        // Every handler call waits at the gate, after noting its transaction's backend: the test kills those backends.
        CompletableFuture<Void> gate = new CompletableFuture<>();
        Set<Integer> backends = ConcurrentHashMap.newKeySet();
        Subscription blocked = Subscription.view(sf.subscriber, sf.category).on(OrderConfirmed.class, (tx, event) -> tx.connection()
                .query("select pg_backend_pid()").execute()
                .invoke(rows -> backends.add(rows.iterator().next().getInteger(0)))
                .chain(() -> Uni.createFrom().completionStage(gate))
                .chain(() -> record(tx, event))).build();
        Subscriber crashing = sf.start(blocked, BATCHING);
        awaitLive(crashing);
        // One delivery goes at once (its queue was idle) and holds; the 20 that come meanwhile make one batch, held too.
        List<StoredEvent> appended = new ArrayList<>(sf.appendStreams(1, 1));
        publish(appended);
        await().atMost(Duration.ofSeconds(10)).until(() -> backends.size() == 1);
        List<StoredEvent> batched = sf.appendStreams(5, 4);
        appended.addAll(batched);
        List<StoredEvent> doorbells = new ArrayList<>(batched);
        Collections.shuffle(doorbells);
        publish(doorbells);
        await().atMost(Duration.ofSeconds(10)).until(() -> backends.size() == 2);
        assertThat(largestBatch()).as("deliveries held in one batch").isGreaterThan(1);

        // The process dies: its channels close, and its transactions never commit.
        crashing.close(Duration.ofSeconds(5));
        for (int backend : backends) {
            fx.pool.preparedQuery("select pg_terminate_backend($1)").execute(Tuple.of(backend)).await().indefinitely();
        }
        gate.complete(null);

        assertThat(calls()).isEmpty();
        await().atMost(Duration.ofSeconds(5)).until(() -> queued() == appended.size());
        // As if catch-up had already passed these events: only the redelivered messages can bring them now.
        Checkpoint head = fx.store.head().await().indefinitely();
        fx.pool.preparedQuery("update event_store.subscriber_checkpoints set transaction_id = $2::bigint::text::xid8, global_position = $3"
                + " where subscriber = $1").execute(Tuple.of(sf.subscriber, head.transactionId(), head.globalPosition())).await().indefinitely();
        Subscriber restarted = sf.start(recordingView(), BATCHING);

        await().atMost(Duration.ofSeconds(20)).until(() -> calls().values().stream().mapToInt(List::size).sum() == appended.size());
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> queued() == 0);
        assertThat(calls()).isEqualTo(SubscriberFixture.expected(appended));
        assertThat(sf.deadLetters()).isEmpty();
        awaitLive(restarted);
    }

    @Test
    void forged_foreign_and_phantom_doorbells_in_a_batch_change_nothing_and_the_real_ones_beside_them_are_applied() throws Exception {
        Subscriber subscriber = sf.start(recordingView(), BATCHING);
        awaitLive(subscriber);
        StreamId real = sf.newStream();
        List<StoredEvent> events = sf.append(real, SubscriberFixture.confirmations(3));
        StreamId phantom = sf.newStream();
        StreamId foreign = StreamId.of(StoreFixture.newCategory("foreign"), UUID.randomUUID());
        List<byte[]> bodies = new ArrayList<>();
        events.forEach(event -> bodies.add(CloudEventCodec.encode(event.event())));
        bodies.add(forged(real, 4));
        bodies.add(forged(phantom, 1));
        bodies.add(CloudEventCodec.encode(new RecordedEvent(events.getFirst().eventId(), foreign, 1, events.getFirst().type(), 1,
                events.getFirst().data(), events.getFirst().metadata(), Instant.now())));

        publishBodies(bodies);

        await().atMost(Duration.ofSeconds(10)).until(() -> sf.counter("eventshop.subscriber.doorbells.unmatched") >= 3);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> queued() == 0);
        assertThat(sf.counter("eventshop.subscriber.doorbells.unmatched")).isEqualTo(3);
        assertThat(calls()).isEqualTo(SubscriberFixture.expected(events));
        assertThat(sf.counter("eventshop.subscriber.live.batches.split")).isZero();
        assertThat(sf.row(real).orElseThrow().lastVersion()).isEqualTo(3);
        assertThat(sf.row(phantom)).as("not even a row for a stream the store does not have").isEmpty();
        assertThat(sf.deadLetters()).isEmpty();
        assertThat(largestBatch()).isGreaterThan(1);
    }

    private Subscription recordingView() {
        return Subscription.view(sf.subscriber, sf.category).on(OrderConfirmed.class, this::record).build();
    }

    private Uni<Void> record(StoreTransaction tx, Envelope<OrderConfirmed> event) {
        return tx.connection().preparedQuery("insert into subscriber_test.calls (subscriber, stream_id, version) values ($1, $2, $3)")
                .execute(Tuple.of(sf.subscriber, event.streamId().value(), event.streamVersion())).replaceWithVoid();
    }

    /** Per stream, every version the handler was called with and committed, in commit order. */
    private Map<String, List<Integer>> calls() {
        Map<String, List<Integer>> byStream = new LinkedHashMap<>();
        fx.pool.preparedQuery("select stream_id, version from subscriber_test.calls where subscriber = $1 order by seq")
                .execute(Tuple.of(sf.subscriber)).await().indefinitely()
                .forEach(row -> byStream.computeIfAbsent(row.getString(0), s -> new ArrayList<>()).add(row.getInteger(1)));
        return byStream;
    }

    private double largestBatch() {
        DistributionSummary sizes = batches();
        return sizes == null ? 0 : sizes.max();
    }

    private DistributionSummary batches() {
        return sf.meters.find("eventshop.subscriber.live.batch.size").tag("subscriber", sf.subscriber).summary();
    }

    // Messages ready in the subscriber's queue: unacknowledged ones count again once their channel closed.
    private long queued() throws Exception {
        try (Channel channel = sf.amqp().createChannel()) {
            return channel.messageCount(QueueConsumer.queueName(sf.subscriber, sf.category));
        }
    }

    private void publish(List<StoredEvent> events) throws Exception {
        publishBodies(events.stream().map(event -> CloudEventCodec.encode(event.event())).toList());
    }

    // On one channel, as fast as the broker takes them: they arrive together.
    private void publishBodies(List<byte[]> bodies) throws Exception {
        try (Channel channel = sf.amqp().createChannel()) {
            for (byte[] body : bodies) {
                channel.basicPublish(Exchanges.forCategory(sf.category), "", null, body);
            }
        }
    }

    private static byte[] forged(StreamId stream, int version) {
        return CloudEventCodec.encode(new RecordedEvent(UUID.randomUUID(), stream, version, "io.eventshop.order.confirmed", 1,
                "{\"orderId\":\"" + UUID.randomUUID() + "\"}", new EventMetadata(null, null, "someone-else", null, null), Instant.now()));
    }

    private static void awaitLive(Subscriber subscriber) {
        await().atMost(Duration.ofSeconds(10)).until(() -> subscriber.status().await().indefinitely().state() == Subscriber.State.LIVE);
    }
}
