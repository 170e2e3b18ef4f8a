package io.eventshop.subscriber;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.eventshop.events.StreamId;
import io.eventshop.events.order.OrderConfirmed;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.runtime.Subscriber;
import io.eventshop.subscriber.runtime.SubscriberStatus;
import io.eventshop.testing.StoreFixture;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A stored event whose metadata is not valid (a row written around the store's API: no source) is read
 * like any other, and its metadata is parsed only when asked for (DECISIONS.md 58): a view that never
 * reads metadata applies it, and the rest of its stream; a handler that reads it fails on it, and the
 * event is dead-lettered at once with the reason, its stream parked, the rest of the category flowing.
 * Both through a new view's replay, where pages are decoded ahead of their transaction.
 */
class InvalidMetadataTest {

    private static final String NO_SOURCE = "{\"correlation_id\":\"c-1\"}";

    static StoreFixture fx;
    SubscriberFixture sf;

    @BeforeAll
    static void open() {
        fx = StoreFixture.open(8);
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
    void a_view_that_never_reads_metadata_applies_an_event_whose_metadata_is_invalid() {
        History history = history();

        Subscriber subscriber = sf.start(sf.recordingView(), SubscriberFixture.FAST);
        await().atMost(Duration.ofSeconds(20)).until(() -> live(subscriber));

        assertThat(sf.applied()).isEqualTo(SubscriberFixture.expected(history.all()));
        assertThat(sf.deadLetters()).isEmpty();
    }

    @Test
    void a_handler_that_reads_invalid_metadata_dead_letters_that_event_with_the_reason_and_the_rest_flows() {
        History history = history();
        Subscription readsMetadata = Subscription.view(sf.subscriber, sf.category).on(OrderConfirmed.class,
                (tx, event) -> {
                    event.metadata(); // what a reactor does to carry the flow's correlation on
                    return sf.record(tx, event);
                }).build();

        Subscriber subscriber = sf.start(readsMetadata, SubscriberFixture.FAST);
        await().atMost(Duration.ofSeconds(20)).until(() -> live(subscriber));

        assertThat(sf.deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.streamId()).isEqualTo(history.broken().value());
            assertThat(letter.streamVersion()).isEqualTo(2);
            assertThat(letter.reason()).contains("UndecodableEventException").contains("event metadata is not valid")
                    .contains("source");
            assertThat(letter.attempts()).as("poison is not retried").isEqualTo(1);
        });
        assertThat(sf.applied().get(history.broken().value())).as("parked behind it").containsExactly(1);
        assertThat(sf.applied()).containsAllEntriesOf(SubscriberFixture.expected(history.others()));
    }

    private record History(StreamId broken, List<StoredEvent> all, List<StoredEvent> others) {
    }

    // Ten streams of three confirmations; the second version of the first has its metadata's source removed in place.
    private History history() {
        StreamId broken = sf.newStream();
        List<StoredEvent> all = new ArrayList<>(sf.append(broken, SubscriberFixture.confirmations(3)));
        List<StoredEvent> others = sf.appendStreams(9, 3);
        all.addAll(others);
        fx.pool.preparedQuery("update event_store.events set metadata = $2::text::json where event_id = $1")
                .execute(Tuple.of(all.get(1).eventId(), NO_SOURCE)).await().indefinitely();
        return new History(broken, all, others);
    }

    private static boolean live(Subscriber subscriber) {
        SubscriberStatus status = subscriber.status().await().indefinitely();
        return status.state() == Subscriber.State.LIVE;
    }
}
