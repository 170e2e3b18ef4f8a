package io.eventshop.subscriber;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.eventshop.relay.Relay;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.runtime.Subscriber;
import io.eventshop.testing.OwnPostgres;
import io.eventshop.testing.OwnRabbitMq;
import io.eventshop.testing.ReconnectingBroker;
import io.eventshop.testing.StoreFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Store → relay → broker → subscriber survives a broker restart and a database restart mid-stream:
 * both recover by themselves and every event reaches the handler exactly once. Each test stops and
 * restarts a server of its own (own port and data directory); the machine's servers keep running.
 */
class PipelineFaultTest {

    @Test
    void after_a_broker_restart_mid_stream_relay_and_subscriber_resume_by_themselves_and_nothing_is_lost() throws Exception {
        try (OwnRabbitMq broker = OwnRabbitMq.start("eventshop-pipeline-fault", 5699);
             StoreFixture fx = StoreFixture.open(8);
             ReconnectingBroker amqp = new ReconnectingBroker(broker, "pipeline-fault");
             SubscriberFixture sf = new SubscriberFixture(fx, amqp)) {
            Subscriber subscriber = sf.start(sf.recordingView(), SubscriberFixture.FAST);
            Relay relay = sf.relay();
            List<StoredEvent> appended = new ArrayList<>(sf.appendStreams(10, 3));
            await().atMost(Duration.ofSeconds(15)).until(() -> sf.appliedCount() == appended.size());

            broker.stopBroker();
            appended.addAll(sf.appendStreams(10, 3)); // the store takes them while the doorbell is down
            await().atMost(Duration.ofSeconds(10)).until(() -> relay.status().state() == Relay.State.FAILING);
            broker.startBroker();
            appended.addAll(sf.appendStreams(10, 3));

            await().atMost(Duration.ofSeconds(30)).until(() -> sf.appliedCount() == appended.size());
            assertThat(sf.applied()).isEqualTo(SubscriberFixture.expected(appended));
            await().atMost(Duration.ofSeconds(10)).until(() -> relay.status().state() == Relay.State.LEADING);
            await().atMost(Duration.ofSeconds(10)).until(() -> subscriber.lastKnownStatus().state() == Subscriber.State.LIVE);
        }
    }

    @Test
    void after_a_database_restart_mid_stream_relay_and_subscriber_resume_by_themselves_and_nothing_is_lost() throws Exception {
        try (OwnPostgres postgres = OwnPostgres.start(5499);
             StoreFixture fx = StoreFixture.fresh(postgres.port(), "eventshop_fault", 8);
             SubscriberFixture sf = new SubscriberFixture(fx)) {
            Subscriber subscriber = sf.start(sf.recordingView(), SubscriberFixture.FAST);
            Relay relay = sf.relay();
            List<StoredEvent> appended = new ArrayList<>(sf.appendStreams(10, 3));
            await().atMost(Duration.ofSeconds(15)).until(() -> sf.appliedCount() == appended.size());

            postgres.stopServer();
            await().atMost(Duration.ofSeconds(10)).until(() -> relay.status().state() == Relay.State.FAILING);
            postgres.startServer();
            // The pool's connections died with the server; the first attempts may still fail.
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> appended.addAll(sf.appendStreams(1, 3)));
            appended.addAll(sf.appendStreams(10, 3));

            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> sf.appliedCount() == appended.size());
            assertThat(sf.applied()).isEqualTo(SubscriberFixture.expected(appended));
            await().atMost(Duration.ofSeconds(10)).until(() -> relay.status().state() == Relay.State.LEADING);
            await().atMost(Duration.ofSeconds(10)).until(() -> subscriber.lastKnownStatus().state() == Subscriber.State.LIVE);
        }
    }
}
