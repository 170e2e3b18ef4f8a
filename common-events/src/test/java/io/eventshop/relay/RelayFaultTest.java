package io.eventshop.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.eventshop.events.StreamId;
import io.eventshop.store.ExpectedVersion;
import io.eventshop.store.StoredEvent;
import io.eventshop.testing.LocalPostgres;
import io.eventshop.testing.OwnPostgres;
import io.eventshop.testing.OwnRabbitMq;
import io.eventshop.testing.StoreFixture;
import io.eventshop.wire.CloudEventCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * The relay survives a broker restart and a database restart mid-stream without losing an event.
 * Each test stops and restarts a server of its own (own port and data directory); the machine's
 * Postgres and RabbitMQ keep running.
 */
class RelayFaultTest {

    private static final RelayOptions OPTIONS =
            new RelayOptions(50, Duration.ofMillis(100), Duration.ofSeconds(3), Duration.ofMillis(300));

    @Test
    void after_a_broker_restart_mid_stream_the_relay_resumes_by_itself_and_every_event_arrives() throws Exception {
        String category = StoreFixture.newCategory("fault");
        try (OwnRabbitMq broker = OwnRabbitMq.start("eventshop-relay-fault", 5699);
             StoreFixture fx = StoreFixture.open(4)) {
            String queue = durableQueueOn(broker, category);
            Reconnecting amqp = new Reconnecting(broker);
            try (Relay relay = relay(fx, category, amqp)) {
                relay.start();
                Set<UUID> appended = new HashSet<>(append(fx, category, 10));
                await().atMost(Duration.ofSeconds(10)).until(() -> relay.status().checkpoint() != null
                        && relay.status().state() == Relay.State.LEADING);

                broker.stopBroker();
                appended.addAll(append(fx, category, 10)); // the store takes them while the doorbell is down
                await().atMost(Duration.ofSeconds(10)).until(() -> relay.status().state() == Relay.State.FAILING);
                broker.startBroker();
                appended.addAll(append(fx, category, 10));

                Set<UUID> received = ConcurrentHashMap.newKeySet();
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                        .until(() -> drain(broker, queue, received).containsAll(appended));
                assertThat(received).containsAll(appended);
                await().atMost(Duration.ofSeconds(5)).until(() -> relay.status().state() == Relay.State.LEADING);
            } finally {
                amqp.close();
            }
        }
    }

    @Test
    void after_a_database_restart_mid_stream_the_relay_resumes_by_itself_and_every_event_arrives() throws Exception {
        String category = StoreFixture.newCategory("fault");
        try (OwnPostgres postgres = OwnPostgres.start(5499);
             StoreFixture fx = StoreFixture.fresh(postgres.port(), "eventshop_fault", 4);
             Connection amqp = mainBroker()) {
            Set<UUID> received = ConcurrentHashMap.newKeySet();
            Channel consumer = amqp.createChannel();
            consumer.exchangeDeclare(Publisher.exchangeFor(category), BuiltinExchangeType.FANOUT, true);
            String queue = consumer.queueDeclare().getQueue();
            consumer.queueBind(queue, Publisher.exchangeFor(category), "");
            consumer.basicConsume(queue, true, (tag, delivery) ->
                    received.add(CloudEventCodec.decode(delivery.getBody()).eventId()), tag -> { });
            try (Relay relay = relay(fx, category, () -> amqp)) {
                relay.start();
                Set<UUID> appended = new HashSet<>(append(fx, category, 10));
                await().atMost(Duration.ofSeconds(10)).until(() -> received.containsAll(appended));

                postgres.stopServer();
                await().atMost(Duration.ofSeconds(10)).until(() -> relay.status().state() == Relay.State.FAILING);
                postgres.startServer();
                // The pool's connections died with the server; the first attempts may still fail.
                await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> appended.addAll(append(fx, category, 1)));
                appended.addAll(append(fx, category, 10));

                await().atMost(Duration.ofSeconds(30)).until(() -> received.containsAll(appended));
                await().atMost(Duration.ofSeconds(10)).until(() -> relay.status().state() == Relay.State.LEADING);
            } finally {
                consumer.exchangeDelete(Publisher.exchangeFor(category));
            }
        }
    }

    private static Relay relay(StoreFixture fx, String category, BrokerConnectionSource amqp) {
        return new Relay(category, fx.store,
                new RelayLeadership(fx.vertx, LocalPostgres.connectOptions(fx.port, fx.database), category, Duration.ofSeconds(3)),
                new Publisher(amqp, category, OPTIONS.confirmTimeout()), OPTIONS, new RelayMetrics(new SimpleMeterRegistry()));
    }

    private static List<UUID> append(StoreFixture fx, String category, int transactions) {
        List<UUID> ids = new java.util.ArrayList<>();
        for (int i = 0; i < transactions; i++) {
            fx.store.inTransaction(tx -> fx.store.append(tx, StreamId.of(category, UUID.randomUUID()), ExpectedVersion.NO_STREAM,
                            StoreFixture.events(3, "fault")))
                    .await().atMost(Duration.ofSeconds(10))
                    .forEach(event -> ids.add(((StoredEvent) event).eventId()));
        }
        return ids;
    }

    private static String durableQueueOn(OwnRabbitMq broker, String category) throws Exception {
        try (Connection setup = broker.connect("setup"); Channel channel = setup.createChannel()) {
            String queue = category + ".test";
            channel.exchangeDeclare(Publisher.exchangeFor(category), BuiltinExchangeType.FANOUT, true);
            channel.queueDeclare(queue, true, false, false, null);
            channel.queueBind(queue, Publisher.exchangeFor(category), "");
            return queue;
        }
    }

    // Persistent messages in a durable queue outlive the restart: read whatever is there now.
    private static Set<UUID> drain(OwnRabbitMq broker, String queue, Set<UUID> received) throws Exception {
        try (Connection reader = broker.connect("reader"); Channel channel = reader.createChannel()) {
            for (GetResponse message = channel.basicGet(queue, true); message != null; message = channel.basicGet(queue, true)) {
                received.add(CloudEventCodec.decode(message.getBody()).eventId());
            }
        }
        return received;
    }

    private static Connection mainBroker() throws Exception {
        com.rabbitmq.client.ConnectionFactory factory = new com.rabbitmq.client.ConnectionFactory();
        factory.setHost(System.getenv().getOrDefault("RABBITMQ_HOST", "127.0.0.1"));
        return factory.newConnection("relay-fault-test");
    }

    /** What RelayRuntime does: one connection, opened again after it dropped. */
    private static final class Reconnecting implements BrokerConnectionSource, AutoCloseable {
        private final OwnRabbitMq broker;
        private Connection connection;

        Reconnecting(OwnRabbitMq broker) {
            this.broker = broker;
        }

        @Override
        public synchronized Connection get() throws java.io.IOException, java.util.concurrent.TimeoutException {
            if (connection == null || !connection.isOpen()) {
                connection = broker.connect("relay");
            }
            return connection;
        }

        @Override
        public synchronized void close() throws java.io.IOException {
            if (connection != null && connection.isOpen()) {
                connection.close();
            }
        }
    }
}
