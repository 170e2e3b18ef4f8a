package io.eventshop.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import io.eventshop.events.StreamId;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.ExpectedVersion;
import io.eventshop.store.StoredEvent;
import io.eventshop.testing.LocalPostgres;
import io.eventshop.testing.OwnRabbitMq;
import io.eventshop.testing.ReconnectingBroker;
import io.eventshop.testing.StoreFixture;
import io.eventshop.wire.CloudEventCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The relay against a broker that will not take its messages: one that refuses them (a nack) and one that
 * blocks publishing (a memory alarm). In both it reports the failure and never saves its checkpoint past an
 * event the broker has not confirmed; once the broker takes messages again, everything arrives. On a RabbitMQ
 * node of the test's own: the alarm would block every publisher of the machine's broker.
 */
class RelayBrokerFaultsTest {

    static StoreFixture fx;
    static OwnRabbitMq node;
    static ReconnectingBroker broker;

    @BeforeAll
    static void open() throws Exception {
        fx = StoreFixture.open(4);
        node = OwnRabbitMq.start("eventshop-relay-faults", 5697);
        broker = new ReconnectingBroker(node, "relay-faults-test");
    }

    @AfterAll
    static void close() throws Exception {
        broker.close();
        node.close();
        fx.close();
    }

    @Test
    void a_refused_message_keeps_the_checkpoint_before_it_until_the_broker_takes_it() throws Exception {
        String category = StoreFixture.newCategory("nacked");
        List<UUID> received = consume(category);
        // A queue that refuses what does not fit: the broker nacks every message routed to it once it holds 2.
        try (Channel admin = broker.get().createChannel()) {
            admin.queueDeclare(category + ".full", false, false, false, Map.of("x-max-length", 2, "x-overflow", "reject-publish"));
            admin.queueBind(category + ".full", Publisher.exchangeFor(category), "");
        }
        List<StoredEvent> appended = append(category, 5);
        Relay relay = start(category);
        try {
            await().atMost(Duration.ofSeconds(15)).until(() -> relay.status().state() == Relay.State.FAILING
                    && String.valueOf(relay.status().lastError()).contains("refused"));
            assertThat(saved(category)).as("no checkpoint past a refused message").isEqualTo(Checkpoint.START);

            try (Channel admin = broker.get().createChannel()) {
                admin.queueDelete(category + ".full");
            }
            Checkpoint last = appended.getLast().position();
            await().atMost(Duration.ofSeconds(15)).until(() -> saved(category).equals(last));
            assertThat(received).containsAll(appended.stream().map(StoredEvent::eventId).toList());
        } finally {
            relay.close();
        }
    }

    @Test
    void a_broker_that_blocks_publishing_is_reported_and_nothing_is_saved_until_it_unblocks() throws Exception {
        String category = StoreFixture.newCategory("blocked");
        List<UUID> received = consume(category);
        Relay relay = start(category);
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> relay.status().state() == Relay.State.LEADING);
            Checkpoint before = saved(category);
            node.memoryAlarm(true);
            List<StoredEvent> appended = append(category, 5);
            await().atMost(Duration.ofSeconds(30)).until(() -> relay.status().state() == Relay.State.FAILING
                    && String.valueOf(relay.status().lastError()).contains("blocks publishing"));
            assertThat(saved(category)).isEqualTo(before);
            assertThat(received).isEmpty();

            node.memoryAlarm(false);
            Checkpoint last = appended.getLast().position();
            await().atMost(Duration.ofSeconds(30)).until(() -> saved(category).equals(last));
            assertThat(received).containsAll(appended.stream().map(StoredEvent::eventId).toList());
            assertThat(relay.status().state()).isEqualTo(Relay.State.LEADING);
        } finally {
            node.memoryAlarm(false);
            relay.close();
        }
    }

    private static List<UUID> consume(String category) throws Exception {
        List<UUID> received = Collections.synchronizedList(new ArrayList<>());
        Channel consumer = broker.get().createChannel();
        consumer.exchangeDeclare(Publisher.exchangeFor(category), BuiltinExchangeType.FANOUT, true);
        String queue = consumer.queueDeclare().getQueue();
        consumer.queueBind(queue, Publisher.exchangeFor(category), "");
        consumer.basicConsume(queue, true, (tag, delivery) -> received.add(CloudEventCodec.decode(delivery.getBody()).eventId()), tag -> { });
        return received;
    }

    private static Relay start(String category) {
        RelayOptions options = new RelayOptions(100, Duration.ofMillis(200), Duration.ofSeconds(3), Duration.ofMillis(300));
        Relay relay = new Relay(category, fx.store,
                new RelayLeadership(fx.vertx, LocalPostgres.connectOptions(fx.port, fx.database), category, Duration.ofSeconds(5), RelayOptions.DEFAULT_LOCK_TIMEOUT),
                new Publisher(broker, category, options.confirmTimeout(), (event, failure) -> { }), options,
                new RelayMetrics(new SimpleMeterRegistry()));
        relay.start();
        return relay;
    }

    private static List<StoredEvent> append(String category, int events) {
        return fx.store.inTransaction(tx -> fx.store.append(tx, StreamId.of(category, UUID.randomUUID()), ExpectedVersion.NO_STREAM,
                StoreFixture.events(events, "relayed"))).await().indefinitely();
    }

    private static Checkpoint saved(String category) {
        var rows = fx.pool.preparedQuery("select transaction_id::text::bigint, global_position from event_store.relay_checkpoints"
                + " where category = $1").execute(Tuple.of(category)).await().indefinitely();
        return rows.size() == 0 ? Checkpoint.START : new Checkpoint(rows.iterator().next().getLong(0), rows.iterator().next().getLong(1));
    }
}
