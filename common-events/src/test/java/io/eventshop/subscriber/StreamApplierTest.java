package io.eventshop.subscriber;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.eventshop.events.StreamId;
import io.eventshop.events.order.OrderConfirmed;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.ExpectedVersion;
import io.eventshop.store.RecordedEvent;
import io.eventshop.store.StoreTransaction;
import io.eventshop.store.StoredEvent;
import io.eventshop.testing.StoreFixture;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The subscriber protocol against the real database: whatever order, duplication and concurrency
 * the deliveries come in, the handler sees each version of each stream exactly once, in order.
 */
class StreamApplierTest {

    static StoreFixture fx;

    String subscriber;
    StreamApplier applier;

    @BeforeAll
    static void open() {
        fx = StoreFixture.open(12);
        fx.pool.query("create schema if not exists subscriber_test").execute()
                .chain(() -> fx.pool.query("create table if not exists subscriber_test.applied (seq bigserial primary key,"
                        + " subscriber text not null, stream_id text not null, version int not null,"
                        + " unique (subscriber, stream_id, version))").execute())
                .await().indefinitely();
    }

    @AfterAll
    static void close() {
        fx.close();
    }

    // The handler records what it saw in the same transaction; the unique key makes a double apply fail loudly.
    @BeforeEach
    void subscriber() {
        subscriber = "test." + StoreFixture.newCategory("applier");
        applier = applier((tx, event) -> record(tx, event));
    }

    @Test
    void versions_in_order_are_applied_and_a_redelivery_is_skipped() {
        List<RecordedEvent> events = stream(3);

        assertThat(apply(events.get(0))).isEqualTo(new StreamApplier.Outcome(1, false, 0, false));
        assertThat(apply(events.get(1))).isEqualTo(new StreamApplier.Outcome(1, false, 0, false));
        assertThat(apply(events.get(1))).isEqualTo(new StreamApplier.Outcome(0, true, 0, false));
        assertThat(apply(events.get(2))).isEqualTo(new StreamApplier.Outcome(1, false, 0, false));

        assertThat(applied().get(events.getFirst().streamId().value())).containsExactly(1, 2, 3);
    }

    @Test
    void a_version_that_arrives_early_first_repairs_the_gap_from_the_store() {
        List<RecordedEvent> events = stream(4);

        assertThat(apply(events.get(2))).isEqualTo(new StreamApplier.Outcome(3, false, 2, false));
        assertThat(apply(events.get(0)).duplicate()).isTrue();
        assertThat(apply(events.get(1)).duplicate()).isTrue();
        assertThat(apply(events.get(3))).isEqualTo(new StreamApplier.Outcome(1, false, 0, false));

        assertThat(applied().get(events.getFirst().streamId().value())).containsExactly(1, 2, 3, 4);
    }

    @Test
    void shuffled_duplicated_concurrent_deliveries_apply_every_version_once_in_order() {
        List<List<RecordedEvent>> streams = new ArrayList<>();
        List<RecordedEvent> deliveries = new ArrayList<>();
        for (int s = 0; s < 6; s++) {
            List<RecordedEvent> events = stream(8);
            streams.add(events);
            for (int copy = 0; copy < 3; copy++) {
                deliveries.addAll(events);
            }
        }
        Collections.shuffle(deliveries);

        List<StreamApplier.Outcome> outcomes = Multi.createFrom().iterable(deliveries)
                .onItem().transformToUni(event -> applier.apply(event)).merge(10)
                .collect().asList().await().indefinitely();

        assertThat(outcomes.stream().mapToInt(StreamApplier.Outcome::applied).sum()).isEqualTo(6 * 8);
        Map<String, List<Integer>> applied = applied();
        for (List<RecordedEvent> events : streams) {
            assertThat(applied.get(events.getFirst().streamId().value())).as("in order, once each").containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        }
    }

    @Test
    void when_the_handler_fails_nothing_of_that_event_is_recorded_and_a_retry_applies_it() {
        List<RecordedEvent> events = stream(2);
        apply(events.get(0));
        StreamApplier failing = applier((tx, event) -> record(tx, event)
                .chain(() -> Uni.createFrom().failure(new IllegalStateException("the view's database said no"))));

        assertThatThrownBy(() -> failing.apply(events.get(1)).await().indefinitely())
                .isInstanceOf(StreamApplier.EventFailedException.class)
                .hasRootCauseMessage("the view's database said no");
        assertThat(applied().get(events.getFirst().streamId().value())).containsExactly(1);

        assertThat(apply(events.get(1))).isEqualTo(new StreamApplier.Outcome(1, false, 0, false));
        assertThat(applied().get(events.getFirst().streamId().value())).containsExactly(1, 2);
    }

    // --- pages (catch-up and replay) ---------------------------------------------------------------

    @Test
    void a_page_applies_what_is_new_skips_what_was_applied_and_repairs_versions_it_meets_out_of_order() {
        List<StoredEvent> a = storedStream(4);
        List<StoredEvent> b = storedStream(3);
        apply(a.get(0).event());
        apply(a.get(1).event());
        // Version 3 of b before its 1 and 2 (their transactions took lower ids: it happens), a's 1 and 2 again.
        List<StoredEvent> page = List.of(b.get(2), a.get(0), a.get(1), a.get(2), b.get(0), a.get(3), b.get(1));
        new SubscriberCheckpoints(fx.store, subscription()).initialize().await().indefinitely();
        new SubscriberCheckpoints(fx.store, subscription()).finishReplay("subscribed", Checkpoint.START).await().indefinitely();

        StreamApplier.PageOutcome outcome = applier.applyPage("subscribed", page).await().indefinitely();

        assertThat(outcome).isEqualTo(new StreamApplier.PageOutcome(5, 4, 2, 0, 0));
        assertThat(applied().get(a.getFirst().streamId().value())).containsExactly(1, 2, 3, 4);
        assertThat(applied().get(b.getFirst().streamId().value())).containsExactly(1, 2, 3);
        assertThat(new SubscriberCheckpoints(fx.store, subscription()).load("subscribed").await().indefinitely().checkpoint())
                .isEqualTo(page.getLast().position());
    }

    @Test
    @SuppressWarnings("unchecked")
    void a_page_passes_over_a_parked_stream_and_a_batch_handler_gets_the_rest_in_one_call() {
        List<StoredEvent> parked = storedStream(3);
        List<StoredEvent> flowing = storedStream(3);
        apply(parked.get(0).event());
        new DeadLetters(fx.store).park(subscriber, parked.get(1).event(), 0, "test", 1, "{}").await().indefinitely();
        List<List<Integer>> calls = new ArrayList<>();
        Subscription batched = Subscription.view(subscriber, "subscribed")
                .on(OrderConfirmed.class, (tx, event) -> Uni.createFrom().failure(new AssertionError("the batch handler is used")))
                .batch((tx, events) -> {
                    calls.add(events.stream().map(Envelope::streamVersion).toList());
                    return Multi.createFrom().iterable(events)
                            .onItem().transformToUniAndConcatenate(e -> record(tx, (Envelope<OrderConfirmed>) (Envelope<?>) e))
                            .collect().last().replaceWithVoid();
                }).build();
        List<StoredEvent> page = new ArrayList<>(parked);
        page.addAll(flowing);

        StreamApplier.PageOutcome outcome = new StreamApplier(fx.store, batched, new SubscriberCheckpoints(fx.store, batched))
                .applyPage("subscribed", page).await().indefinitely();

        assertThat(outcome).isEqualTo(new StreamApplier.PageOutcome(3, 1, 0, 2, 0));
        assertThat(calls).containsExactly(List.of(1, 2, 3));
        assertThat(applied().get(parked.getFirst().streamId().value())).containsExactly(1);
        assertThat(applied().get(flowing.getFirst().streamId().value())).containsExactly(1, 2, 3);
    }

    private StreamApplier.Outcome apply(RecordedEvent event) {
        return applier.apply(event).await().indefinitely();
    }

    private StreamApplier applier(Handler<OrderConfirmed> handler) {
        Subscription subscription = Subscription.view(subscriber, "subscribed").on(OrderConfirmed.class, handler).build();
        return new StreamApplier(fx.store, subscription, new SubscriberCheckpoints(fx.store, subscription));
    }

    private Subscription subscription() {
        return Subscription.view(subscriber, "subscribed").on(OrderConfirmed.class, this::record).build();
    }

    private Uni<Void> record(StoreTransaction tx, Envelope<OrderConfirmed> event) {
        return tx.connection()
                .preparedQuery("insert into subscriber_test.applied (subscriber, stream_id, version) values ($1, $2, $3)")
                .execute(Tuple.of(subscriber, event.streamId().value(), event.streamVersion()))
                .replaceWithVoid();
    }

    private static List<RecordedEvent> stream(int events) {
        return storedStream(events).stream().map(StoredEvent::event).toList();
    }

    private static List<StoredEvent> storedStream(int events) {
        StreamId stream = StoreFixture.newStream("subscribed");
        return fx.store.inTransaction(tx -> fx.store.append(tx, stream, ExpectedVersion.NO_STREAM, SubscriberFixture.confirmations(events)))
                .await().indefinitely();
    }

    // Per stream, the versions the handler saw, in the order it saw them.
    private Map<String, List<Integer>> applied() {
        List<String[]> rows = new ArrayList<>();
        fx.pool.preparedQuery("select stream_id, version from subscriber_test.applied where subscriber = $1 order by seq")
                .execute(Tuple.of(subscriber)).await().indefinitely()
                .forEach(row -> rows.add(new String[] {row.getString(0), Integer.toString(row.getInteger(1))}));
        return rows.stream().collect(Collectors.groupingBy(r -> r[0], java.util.LinkedHashMap::new,
                Collectors.mapping(r -> Integer.parseInt(r[1]), Collectors.toList())));
    }
}
