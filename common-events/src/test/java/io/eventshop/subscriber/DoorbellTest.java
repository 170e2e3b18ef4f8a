package io.eventshop.subscriber;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.eventshop.events.EventMetadata;
import io.eventshop.events.RecordedEvent;
import io.eventshop.events.StreamId;
import io.eventshop.events.codec.EventCodec;
import io.eventshop.events.order.OrderConfirmed;
import io.eventshop.store.ExpectedVersion;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.runtime.Subscriber;
import io.eventshop.testing.LocalPostgres;
import io.eventshop.testing.StoreFixture;
import io.eventshop.wire.CloudEventCodec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The broker is only the doorbell: a message says which event may be new, the subscriber applies the
 * store's copy of it, and a message the store does not back changes nothing. Every message here is
 * published the way any holder of a broker account could, straight onto the category's exchange; no
 * relay runs and catch-up is off, so only the messages could bring anything.
 */
class DoorbellTest {

    static StoreFixture fx;
    SubscriberFixture sf;
    Subscriber subscriber;

    @BeforeAll
    static void open() {
        fx = StoreFixture.open(16);
    }

    @AfterAll
    static void close() {
        fx.close();
    }

    @BeforeEach
    void live() throws Exception {
        sf = new SubscriberFixture(fx);
        subscriber = sf.start(sf.recordingView(), SubscriberFixture.LIVE_ONLY);
        await().atMost(Duration.ofSeconds(10)).until(() -> subscriber.status().await().indefinitely().state() == Subscriber.State.LIVE);
    }

    @AfterEach
    void cleanUp() throws Exception {
        sf.close();
    }

    @Test
    void a_message_naming_an_event_the_store_does_not_hold_changes_nothing_and_is_counted() throws Exception {
        StreamId phantom = sf.newStream();

        sf.publishRaw(forged(phantom, 1, UUID.randomUUID(), "io.eventshop.order.confirmed", confirmation(UUID.randomUUID())));

        awaitUnmatched(1);
        assertThat(sf.applied()).isEmpty();
        assertThat(sf.row(phantom)).as("not even a row for a stream the store does not have").isEmpty();
        assertThat(sf.deadLetters()).isEmpty();
    }

    @Test
    void a_forged_next_version_of_a_real_stream_is_ignored_and_the_real_one_is_applied_when_it_comes() throws Exception {
        StreamId stream = sf.newStream();
        List<StoredEvent> real = sf.append(stream, SubscriberFixture.confirmations(2));
        ring(real);
        await().atMost(Duration.ofSeconds(10)).until(() -> sf.appliedCount() == 2);

        UUID forgedId = UUID.randomUUID();
        sf.publishRaw(forged(stream, 3, forgedId, "io.eventshop.order.confirmed", confirmation(UUID.randomUUID())));
        awaitUnmatched(1);
        assertThat(sf.seenIds(stream)).doesNotContainValue(forgedId).containsOnlyKeys(1, 2);

        List<StoredEvent> third = sf.append(stream, SubscriberFixture.confirmations(1));
        ring(third);

        await().atMost(Duration.ofSeconds(10)).until(() -> sf.appliedCount() == 3);
        assertThat(sf.seenIds(stream)).containsEntry(3, third.getFirst().eventId());
    }

    @Test
    void a_forged_unknown_type_with_a_real_subject_parks_nothing() throws Exception {
        StreamId stream = sf.newStream();
        ring(sf.append(stream, SubscriberFixture.confirmations(1)));
        await().atMost(Duration.ofSeconds(10)).until(() -> sf.appliedCount() == 1);

        sf.publishRaw(forged(stream, 2, UUID.randomUUID(), "io.eventshop.order.teleported", "{\"to\":\"mars\"}"));
        awaitUnmatched(1);
        assertThat(sf.deadLetters()).isEmpty();
        assertThat(sf.row(stream).orElseThrow().parked()).isFalse();

        List<StoredEvent> second = sf.append(stream, SubscriberFixture.confirmations(1));
        ring(second);
        await().atMost(Duration.ofSeconds(10)).until(() -> sf.appliedCount() == 2);
        assertThat(sf.seenIds(stream)).containsEntry(2, second.getFirst().eventId());
    }

    @Test
    void messages_from_another_deployment_on_the_same_virtual_host_change_nothing() throws Exception {
        StreamId shared = sf.newStream();
        ring(sf.append(shared, SubscriberFixture.confirmations(1)));
        await().atMost(Duration.ofSeconds(10)).until(() -> sf.appliedCount() == 1);

        // Another deployment's store: the same stream name (its versions 1 and 2 are other events) and one of its own.
        try (StoreFixture other = StoreFixture.fresh(LocalPostgres.PORT, "eventshop_test_other_deployment", 2)) {
            List<StoredEvent> theirs = other.store.inTransaction(tx -> other.store.append(tx, shared, ExpectedVersion.ANY,
                    SubscriberFixture.confirmations(2))).await().indefinitely();
            theirs = new ArrayList<>(theirs);
            theirs.addAll(other.store.inTransaction(tx -> other.store.append(tx, sf.newStream(), ExpectedVersion.NO_STREAM,
                    SubscriberFixture.confirmations(1))).await().indefinitely());
            ring(theirs);
        }

        awaitUnmatched(3);
        assertThat(sf.applied()).containsOnlyKeys(shared.value());
        assertThat(sf.applied().get(shared.value())).containsExactly(1);
        List<StoredEvent> ours = sf.append(shared, SubscriberFixture.confirmations(1));
        ring(ours);
        await().atMost(Duration.ofSeconds(10)).until(() -> sf.appliedCount() == 2);
        assertThat(sf.seenIds(shared)).containsEntry(2, ours.getFirst().eventId());
    }

    @Test
    void a_real_event_with_a_tampered_body_is_applied_as_the_store_holds_it() throws Exception {
        StreamId stream = sf.newStream();
        StoredEvent stored = sf.append(stream, SubscriberFixture.confirmations(1)).getFirst();
        UUID storedOrder = EventCodec.decode(stored.event()) instanceof OrderConfirmed c
                ? c.orderId() : null;

        sf.publishRaw(forged(stream, 1, stored.eventId(), "io.eventshop.order.confirmed", confirmation(UUID.randomUUID())));

        await().atMost(Duration.ofSeconds(10)).until(() -> sf.appliedCount() == 1);
        UUID seenOrder = fx.pool.preparedQuery("select order_id from subscriber_test.applied where subscriber = $1")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(sf.subscriber)).await().indefinitely().iterator().next().getUUID(0);
        assertThat(seenOrder).as("the payload the store holds, not the message's").isEqualTo(storedOrder);
    }

    private void ring(List<StoredEvent> events) throws Exception {
        for (StoredEvent event : events) {
            sf.publishRaw(CloudEventCodec.encode(event.event()));
        }
    }

    private void awaitUnmatched(int count) {
        await().atMost(Duration.ofSeconds(10)).until(() -> sf.counter("eventshop.subscriber.doorbells.unmatched") >= count);
        assertThat(sf.counter("eventshop.subscriber.doorbells.unmatched")).isEqualTo(count);
    }

    private static String confirmation(UUID orderId) {
        return "{\"orderId\":\"" + orderId + "\"}";
    }

    // A well-formed CloudEvent as any broker user could publish it.
    private static byte[] forged(StreamId stream, int version, UUID id, String type, String data) {
        return CloudEventCodec.encode(new RecordedEvent(id, stream, version, type, 1, data,
                new EventMetadata(null, null, "someone-else", null, null), Instant.now()));
    }
}
