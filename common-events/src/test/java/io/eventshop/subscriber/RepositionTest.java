package io.eventshop.subscriber;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.eventshop.events.order.OrderConfirmed;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.StoreTransaction;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.runtime.Repositions;
import io.eventshop.subscriber.runtime.Subscriber;
import io.eventshop.subscriber.state.Checkpoints;
import io.eventshop.subscriber.state.StreamStates;
import io.eventshop.testing.StoreFixture;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
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
 * Repositioning a subscriber after a handler bug: the events after the chosen place are applied again,
 * once each and in order, and nothing before it is. The handler here records every application (no
 * unique key), so a second application shows.
 */
class RepositionTest {

    static StoreFixture fx;
    SubscriberFixture sf;
    Repositions repositions;

    @BeforeAll
    static void open() {
        fx = StoreFixture.open(8);
        fx.pool.query("create table if not exists subscriber_test.applications (seq bigserial primary key, subscriber text not null,"
                + " stream_id text not null, version int not null, event_id uuid not null)").execute().await().indefinitely();
    }

    @AfterAll
    static void close() {
        fx.close();
    }

    @BeforeEach
    void fixture() throws Exception {
        sf = new SubscriberFixture(fx);
        repositions = new Repositions(fx.store, new StreamStates(fx.store), new Checkpoints(fx.store), 200);
    }

    @AfterEach
    void cleanUp() throws Exception {
        sf.close();
    }

    @Test
    void a_reposition_to_a_time_applies_exactly_the_events_after_it_again_once_each_in_order() throws Exception {
        Subscription view = Subscription.view(sf.subscriber, sf.category).on(OrderConfirmed.class, this::record).build();
        Subscriber subscriber = sf.start(view, SubscriberFixture.FAST); // no relay: catch-up applies, every 500 ms
        List<StoredEvent> before = sf.appendStreams(4, 2);
        await().atMost(Duration.ofSeconds(15)).until(() -> applications().size() == before.size());
        Thread.sleep(20);
        Instant time = Instant.now();
        Thread.sleep(20);
        List<StoredEvent> after = new ArrayList<>(sf.append(before.getFirst().streamId(), SubscriberFixture.confirmations(1)));
        after.addAll(sf.appendStreams(2, 1));
        await().atMost(Duration.ofSeconds(15)).until(() -> applications().size() == before.size() + after.size());

        // The naive reposition, the checkpoint alone: every event after it is a duplicate of its stream's row.
        Checkpoints checkpoints = new Checkpoints(fx.store);
        Checkpoint reached = checkpoints.find(sf.subscriber, sf.category).await().indefinitely().orElseThrow().checkpoint();
        fx.store.inTransaction(tx -> checkpoints.lock(tx, sf.subscriber, sf.category)
                .chain(() -> checkpoints.save(tx, sf.subscriber, sf.category, Checkpoint.START, 0))).await().indefinitely();
        await().atMost(Duration.ofSeconds(15)).until(() -> checkpoints.find(sf.subscriber, sf.category).await().indefinitely()
                .orElseThrow().checkpoint().equals(reached));
        assertThat(applications()).as("moving the checkpoint alone applies nothing again").hasSize(before.size() + after.size());

        List<Repositions.Repositioned> done = repositions.reposition(view, new Repositions.From.AtTime(time)).await().indefinitely();
        subscriber.catchUpNow();

        assertThat(done).singleElement().satisfies(moved -> {
            assertThat(moved.to()).isEqualTo(new Checkpoint(after.getFirst().position().transactionId(),
                    after.getFirst().position().globalPosition() - 1));
            assertThat(moved.streams()).isEqualTo(3);
        });
        await().atMost(Duration.ofSeconds(15)).until(() -> applications().size() == before.size() + 2 * after.size());
        List<UUID> all = applications();
        assertThat(all.subList(before.size() + after.size(), all.size())).as("exactly the events after the time, again, in order")
                .containsExactlyElementsOf(after.stream().map(StoredEvent::eventId).toList());
    }

    @Test
    void a_reposition_never_moves_forward_and_waits_while_a_category_replays() {
        Subscription view = Subscription.view(sf.subscriber, sf.category).on(OrderConfirmed.class, this::record).build();
        fx.store.inTransaction(tx -> new Checkpoints(fx.store).create(tx, sf.subscriber, sf.category, Checkpoint.START, true))
                .await().indefinitely();

        assertThatThrownBy(() -> repositions.reposition(view, new Repositions.From.Beginning()).await().indefinitely())
                .isInstanceOf(Repositions.RepositionRefused.class).hasMessageContaining("still replaying");

        fx.store.inTransaction(tx -> new Checkpoints(fx.store).finishReplay(tx, sf.subscriber, sf.category)).await().indefinitely();
        List<Repositions.Repositioned> done = repositions.reposition(view,
                new Repositions.From.AtPosition(new Checkpoint(Long.MAX_VALUE / 2, 1))).await().indefinitely();
        assertThat(done.getFirst().to()).as("forward would skip events: it stays").isEqualTo(Checkpoint.START);
    }

    private Uni<Void> record(StoreTransaction tx, Envelope<OrderConfirmed> event) {
        return tx.connection().preparedQuery("insert into subscriber_test.applications (subscriber, stream_id, version, event_id)"
                        + " values ($1, $2, $3, $4)")
                .execute(Tuple.of(sf.subscriber, event.streamId().value(), event.streamVersion(), event.recorded().eventId()))
                .replaceWithVoid();
    }

    private List<UUID> applications() {
        List<UUID> ids = new ArrayList<>();
        fx.pool.preparedQuery("select event_id from subscriber_test.applications where subscriber = $1 order by seq")
                .execute(Tuple.of(sf.subscriber)).await().indefinitely().forEach(row -> ids.add(row.getUUID(0)));
        return ids;
    }
}
