package io.eventshop.subscriber;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.eventshop.events.order.OrderConfirmed;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.runtime.Subscriber;
import io.eventshop.subscriber.runtime.SubscriberOptions;
import io.eventshop.testing.StoreFixture;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code eventshop.subscriber.replay-max-rate} bounds a replay's rate, in store order and in partitions together. 1,000 events
 * in pages of 50 at most 200 a second: every page after the first waits for its turn, 0.25 s, so the replay lasts at least
 * 4.75 s; unbounded it took 0.6–1.8 s here, and with a bound per partition instead of one for the replay, two
 * partitions would take about half as long as the bound allows.
 */
class ReplayMaxRateTest {

    private static final int EVENTS = 1_000;
    private static final int RATE = 200;
    private static final Duration AT_LEAST = Duration.ofMillis((EVENTS / 50 - 1) * 50 * 1000 / RATE);
    private static final SubscriberOptions BOUNDED = new SubscriberOptions("classic", 32, 50, Duration.ofMillis(500), 3, 50,
            Duration.ofSeconds(20), Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofMillis(300)).withReplayMaxRate(RATE);

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
    void a_replay_in_store_order_applies_no_faster_than_its_bound() {
        replaysNoFasterThanTheBound(sf.recordingView(), BOUNDED.withReplayPartitions(1));
    }

    @Test
    void partitions_share_one_bound() {
        replaysNoFasterThanTheBound(Subscription.view(sf.subscriber, sf.category).on(OrderConfirmed.class, sf::record).replayInPartitions()
                .build(), BOUNDED.withReplayPartitions(2));
    }

    private void replaysNoFasterThanTheBound(Subscription view, SubscriberOptions options) {
        List<StoredEvent> history = sf.appendStreams(EVENTS / 2, 2);
        await().atMost(Duration.ofSeconds(30)).until(() -> fx.store.readCategory(sf.category, Checkpoint.START, 2 * EVENTS)
                .await().indefinitely().size() == EVENTS);

        long start = System.nanoTime();
        Subscriber subscriber = sf.start(view, options);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> sf.appliedCount() == EVENTS);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(took).as("%d events at most %d a second, in pages of 50", EVENTS, RATE).isGreaterThanOrEqualTo(AT_LEAST);
        assertThat(sf.applied()).as("every version once, in its stream's order").isEqualTo(SubscriberFixture.expected(history));
        await().atMost(Duration.ofSeconds(10)).until(() -> subscriber.status().await().indefinitely().state() == Subscriber.State.LIVE);
    }
}
