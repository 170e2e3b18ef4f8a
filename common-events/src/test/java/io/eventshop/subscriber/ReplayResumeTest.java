package io.eventshop.subscriber;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.eventshop.events.StreamId;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.runtime.Subscriber;
import io.eventshop.subscriber.runtime.SubscriberOptions;
import io.eventshop.testing.StoreFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A replay keeps no per-stream versions: after a restart it resumes from its checkpoint and what it committed
 * with it. The one thing it must remember across pages, a version applied before the store's order reached it
 * (its successor came first and repaired it), survives the restart: the resumed replay passes over it.
 */
class ReplayResumeTest {

    /** 7 events per page. */
    private static final SubscriberOptions SMALL_PAGES = new SubscriberOptions("classic", 32, 7, Duration.ofMillis(500), 3, 50,
            Duration.ofSeconds(20), Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofMillis(300));

    static StoreFixture fx;
    SubscriberFixture sf;

    @BeforeAll
    static void open() {
        fx = StoreFixture.open(16);
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
    void a_replay_restarted_after_a_version_that_came_before_its_predecessor_applies_every_version_once() {
        List<StoredEvent> history = new ArrayList<>(sf.appendStreams(3, 2));
        // Version 3 of this stream takes its transaction id before versions 1 and 2 are appended: it comes first in
        // store order, as the seventh event, and the replay's first page (7 events) repairs 1 and 2 before it.
        StreamId inverted = sf.newStream();
        history.addAll(sf.appendOvertaker(inverted, () -> { }));
        history.addAll(sf.appendStreams(5, 1));
        // Readers stop at the horizon, which any transaction of the server (another database's too) holds back.
        await().atMost(Duration.ofSeconds(30)).until(() -> readable().size() == history.size());
        List<StoredEvent> inStoreOrder = readable();
        assertThat(inStoreOrder.get(6).streamId()).isEqualTo(inverted);
        assertThat(inStoreOrder.get(6).streamVersion()).as("the store hands out version 3 first").isEqualTo(3);

        // The replay stops after its first page: every later page's checkpoint is refused.
        var refusal = sf.refuseUpdates("subscriber_checkpoints", "new.replayed > 7");
        Subscriber first = sf.start(sf.recordingView(), SMALL_PAGES);
        await().atMost(Duration.ofSeconds(20)).until(() -> refusal.count() >= 2);
        first.close();
        assertThat(sf.applied().get(inverted.value())).as("repaired before version 3, in the first page").containsExactly(1, 2, 3);
        refusal.close();

        Subscriber second = sf.start(sf.recordingView(), SMALL_PAGES);
        await().atMost(Duration.ofSeconds(20)).until(() -> second.status().await().indefinitely().state() == Subscriber.State.LIVE);
        assertThat(sf.applied()).as("every version once, in order").isEqualTo(SubscriberFixture.expected(history));
        assertThat(sf.deadLetters()).isEmpty();
    }

    private List<StoredEvent> readable() {
        return fx.store.readCategory(sf.category, Checkpoint.START, 100).await().indefinitely();
    }

}
