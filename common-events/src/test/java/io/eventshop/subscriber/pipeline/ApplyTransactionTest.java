package io.eventshop.subscriber.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.eventshop.events.EventMetadata;
import io.eventshop.events.NewEvent;
import io.eventshop.events.StreamId;
import io.eventshop.events.codec.EventCodec;
import io.eventshop.events.order.OrderConfirmed;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.ExpectedVersion;
import io.eventshop.store.StoreTransaction;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.Envelope;
import io.eventshop.subscriber.Handler;
import io.eventshop.subscriber.Subscription;
import io.eventshop.subscriber.deadletter.DeadLetters;
import io.eventshop.subscriber.state.Checkpoints;
import io.eventshop.subscriber.state.StreamStates;
import io.eventshop.testing.StoreFixture;
import io.eventshop.tracing.EventSpans;
import io.eventshop.wire.EventRef;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The apply transaction against the real database: whatever order, duplication and concurrency the
 * doorbells and pages come in, the handler sees the store's copy of each version of each stream exactly
 * once, in order; and a doorbell naming anything the store does not hold changes nothing at all.
 */
class ApplyTransactionTest {

    static final Duration TIMEOUT = Duration.ofSeconds(20);
    static StoreFixture fx;

    String category;
    String subscriber;
    ApplyTransaction transaction;

    @BeforeAll
    static void open() {
        fx = StoreFixture.open(12);
        fx.pool.query("create schema if not exists subscriber_test").execute()
                .chain(() -> fx.pool.query("create table if not exists subscriber_test.seen (seq bigserial primary key,"
                        + " subscriber text not null, stream_id text not null, version int not null, event_id uuid not null,"
                        + " unique (subscriber, stream_id, version))").execute())
                .await().indefinitely();
    }

    @AfterAll
    static void close() {
        fx.close();
    }

    // The handler records what it saw in the same transaction; the unique key makes a double apply fail loudly.
    // A subscriber reading its category live (a replaying one takes no doorbells).
    @BeforeEach
    void subscriber() {
        category = StoreFixture.newCategory("apply");
        subscriber = "test." + category;
        transaction = transaction(this::record);
        startCatchUp();
    }

    @Test
    void doorbells_in_order_apply_the_store_copy_and_a_repeated_one_is_a_duplicate() {
        List<StoredEvent> events = stream(3);

        assertThat(ring(events.get(0))).isEqualTo(Delivery.APPLIED);
        assertThat(ring(events.get(1))).isEqualTo(Delivery.APPLIED);
        assertThat(ring(events.get(1))).isEqualTo(Delivery.DUPLICATE);
        assertThat(ring(events.get(2))).isEqualTo(Delivery.APPLIED);

        assertThat(seen(events.getFirst().streamId())).containsExactly(ids(events).toArray(UUID[]::new));
    }

    @Test
    void a_doorbell_for_a_later_version_first_repairs_the_gap_from_the_store() {
        List<StoredEvent> events = stream(4);

        ApplyTransaction.Rung rung = transaction.ring(ref(events.get(2)), category).await().indefinitely();
        assertThat(rung.applied()).isEqualTo(new Applied(3, 2, 0, 0, 0));
        assertThat(ring(events.get(0))).isEqualTo(Delivery.DUPLICATE);
        assertThat(ring(events.get(3))).isEqualTo(Delivery.APPLIED);

        assertThat(seen(events.getFirst().streamId())).containsExactly(ids(events).toArray(UUID[]::new));
    }

    @Test
    void shuffled_duplicated_concurrent_doorbells_apply_every_version_once_in_order() {
        List<List<StoredEvent>> streams = new ArrayList<>();
        List<StoredEvent> doorbells = new ArrayList<>();
        for (int s = 0; s < 6; s++) {
            List<StoredEvent> events = stream(8);
            streams.add(events);
            for (int copy = 0; copy < 3; copy++) {
                doorbells.addAll(events);
            }
        }
        Collections.shuffle(doorbells);

        List<ApplyTransaction.Rung> rungs = Multi.createFrom().iterable(doorbells)
                .onItem().transformToUni(event -> transaction.ring(ref(event), category)).merge(10)
                .collect().asList().await().indefinitely();

        assertThat(rungs.stream().mapToInt(rung -> rung.applied().applied()).sum()).isEqualTo(6 * 8);
        for (List<StoredEvent> events : streams) {
            assertThat(seen(events.getFirst().streamId())).as("in order, once each").containsExactly(ids(events).toArray(UUID[]::new));
        }
    }

    @Test
    void a_doorbell_naming_no_stored_event_changes_nothing_not_even_a_row() {
        List<StoredEvent> events = stream(2);
        StreamId unknown = StoreFixture.newStream(category);
        StreamId otherCategory = StoreFixture.newStream(StoreFixture.newCategory("other"));

        assertThat(transaction.ring(new EventRef(UUID.randomUUID(), unknown, 1), category).await().indefinitely().delivery())
                .as("a stream the store does not hold").isEqualTo(Delivery.UNMATCHED);
        assertThat(transaction.ring(new EventRef(UUID.randomUUID(), events.getFirst().streamId(), 1), category).await().indefinitely()
                .delivery())
                .as("a real place in a real stream, but another event id").isEqualTo(Delivery.UNMATCHED);
        assertThat(transaction.ring(new EventRef(UUID.randomUUID(), events.getFirst().streamId(), 3), category).await().indefinitely()
                .delivery())
                .as("a version the stream does not have yet").isEqualTo(Delivery.UNMATCHED);
        assertThat(transaction.ring(new EventRef(events.getFirst().eventId(), otherCategory, 1), category).await().indefinitely().delivery())
                .as("a category this subscriber does not read").isEqualTo(Delivery.UNMATCHED);
        assertThat(transaction.ring(ref(events.getFirst()), otherCategory.category()).await().indefinitely().delivery())
                .as("a real event, on another category's queue").isEqualTo(Delivery.UNMATCHED);

        assertThat(seen(events.getFirst().streamId())).isEmpty();
        assertThat(new StreamStates(fx.store).find(subscriber, unknown.value()).await().indefinitely()).isEmpty();
        assertThat(new StreamStates(fx.store).find(subscriber, events.getFirst().streamId().value()).await().indefinitely()).isEmpty();
        assertThat(ring(events.get(1))).as("the real events still apply, with the gap repaired").isEqualTo(Delivery.APPLIED);
        assertThat(seen(events.getFirst().streamId())).containsExactly(ids(events).toArray(UUID[]::new));
    }

    @Test
    void a_doorbell_for_a_category_that_still_replays_changes_nothing_its_replay_applies_it() {
        List<StoredEvent> events = stream(1);
        String replaying = "test.replaying" + category;
        fx.store.inTransaction(tx -> new Checkpoints(fx.store).create(tx, replaying, category, Checkpoint.START, true)).await().indefinitely();
        Subscription subscription = Subscription.view(replaying, category).on(OrderConfirmed.class, this::record).build();
        StreamStates streams = new StreamStates(fx.store);
        Checkpoints checkpoints = new Checkpoints(fx.store);
        ApplyTransaction replayingView = new ApplyTransaction(fx.store, subscription, streams, checkpoints,
                new DeadLetters(fx.store, streams, checkpoints), TIMEOUT);

        assertThat(replayingView.ring(ref(events.getFirst()), category).await().indefinitely().delivery()).isEqualTo(Delivery.UNMATCHED);
        assertThat(streams.find(replaying, events.getFirst().streamId().value()).await().indefinitely()).isEmpty();
    }

    @Test
    void a_view_that_throws_instead_of_failing_its_uni_fails_naming_its_event() {
        List<StoredEvent> events = stream(1);
        // Every view applies through its batch handler, also for one event; this one throws while building its Uni.
        Subscription subscription = Subscription.view(subscriber, category).on(OrderConfirmed.class, this::record)
                .batch((tx, batch) -> {
                    throw new IllegalStateException("thrown, not returned");
                }).build();
        StreamStates streams = new StreamStates(fx.store);
        Checkpoints checkpoints = new Checkpoints(fx.store);
        ApplyTransaction throwing = new ApplyTransaction(fx.store, subscription, streams, checkpoints, new DeadLetters(fx.store, streams,
                checkpoints), TIMEOUT);

        assertThatThrownBy(() -> throwing.ring(ref(events.getFirst()), category).await().indefinitely())
                .isInstanceOfSatisfying(EventFailedException.class, e -> assertThat(e.event().eventId()).isEqualTo(events.getFirst().eventId()))
                .hasRootCauseMessage("thrown, not returned");
    }

    @Test
    void a_handler_that_never_finishes_fails_after_the_handler_timeout_naming_its_event_as_contention() {
        List<StoredEvent> events = stream(1);
        Subscription subscription = Subscription.view(subscriber, category)
                .on(OrderConfirmed.class, (tx, event) -> Uni.createFrom().nothing()).build();
        StreamStates streams = new StreamStates(fx.store);
        Checkpoints checkpoints = new Checkpoints(fx.store);
        ApplyTransaction hanging = new ApplyTransaction(fx.store, subscription, streams, checkpoints, new DeadLetters(fx.store, streams,
                checkpoints), Duration.ofMillis(300));

        assertThatThrownBy(() -> hanging.ring(ref(events.getFirst()), category).await().indefinitely())
                .isInstanceOfSatisfying(EventFailedException.class, e -> {
                    assertThat(e.event().eventId()).isEqualTo(events.getFirst().eventId());
                    assertThat(Failures.classify(e)).isEqualTo(Failures.Kind.CONTENTION);
                })
                .hasRootCauseInstanceOf(TimeoutException.class);
    }

    @Test
    void when_the_handler_fails_nothing_of_that_event_is_recorded_and_the_failure_names_it() {
        List<StoredEvent> events = stream(2);
        ring(events.get(0));
        ApplyTransaction failing = transaction((tx, event) -> record(tx, event)
                .chain(() -> Uni.createFrom().failure(new IllegalStateException("the view's database said no"))));

        assertThatThrownBy(() -> failing.ring(ref(events.get(1)), category).await().indefinitely())
                .isInstanceOfSatisfying(EventFailedException.class, e -> assertThat(e.event().eventId()).isEqualTo(events.get(1).eventId()))
                .hasRootCauseMessage("the view's database said no");
        assertThat(seen(events.getFirst().streamId())).containsExactly(events.get(0).eventId());

        assertThat(ring(events.get(1))).isEqualTo(Delivery.APPLIED);
        assertThat(seen(events.getFirst().streamId())).containsExactly(ids(events).toArray(UUID[]::new));
    }

    // --- pages (catch-up) -------------------------------------------------------------------------

    @Test
    void a_page_applies_what_is_new_skips_what_was_applied_repairs_what_it_meets_out_of_order_and_moves_the_checkpoint() {
        List<StoredEvent> a = stream(4);
        List<StoredEvent> b = stream(3);
        ring(a.get(0));
        ring(a.get(1));
        // Version 3 of b before its 1 and 2 (their transactions took lower ids: it happens), a's 1 and 2 again.
        List<StoredEvent> page = List.of(b.get(2), a.get(0), a.get(1), a.get(2), b.get(0), a.get(3), b.get(1));

        Applied applied = transaction.catchUp(category, Checkpoint.START, page).await().indefinitely();

        assertThat(applied).isEqualTo(new Applied(5, 2, 4, 0, 0));
        assertThat(seen(a.getFirst().streamId())).containsExactly(ids(a).toArray(UUID[]::new));
        assertThat(seen(b.getFirst().streamId())).containsExactly(ids(b).toArray(UUID[]::new));
        assertThat(new Checkpoints(fx.store).find(subscriber, category).await().indefinitely().orElseThrow().checkpoint())
                .isEqualTo(page.getLast().position());
    }

    @Test
    void a_page_whose_checkpoint_moved_meanwhile_applies_nothing() {
        List<StoredEvent> a = stream(2);

        assertThatThrownBy(() -> transaction.catchUp(category, a.getFirst().position(), a).await().indefinitely())
                .isInstanceOf(PositionMovedException.class);
        assertThat(seen(a.getFirst().streamId())).isEmpty();
    }

    @Test
    @SuppressWarnings("unchecked")
    void a_page_passes_over_a_parked_stream_and_a_batch_handler_gets_the_rest_in_one_call() {
        List<StoredEvent> parked = stream(3);
        List<StoredEvent> flowing = stream(3);
        ring(parked.get(0));
        StreamStates streams = new StreamStates(fx.store);
        Checkpoints checkpoints = new Checkpoints(fx.store);
        new DeadLetters(fx.store, streams, checkpoints).park(subscriber, subscriber, parked.get(1).event(), 0, "test", 1, "{}")
                .await().indefinitely();
        List<List<Integer>> calls = new ArrayList<>();
        Subscription batched = Subscription.view(subscriber, category)
                .on(OrderConfirmed.class, (tx, event) -> Uni.createFrom().failure(new AssertionError("the batch handler is used")))
                .batch((tx, events) -> {
                    calls.add(events.stream().map(Envelope::streamVersion).toList());
                    return Multi.createFrom().iterable(events)
                            .onItem().transformToUniAndConcatenate(e -> record(tx, (Envelope<OrderConfirmed>) (Envelope<?>) e))
                            .collect().last().replaceWithVoid();
                }).build();
        List<StoredEvent> page = new ArrayList<>(parked);
        page.addAll(flowing);

        Applied applied = new ApplyTransaction(fx.store, batched, streams, checkpoints, new DeadLetters(fx.store, streams, checkpoints), TIMEOUT)
                .catchUp(category, Checkpoint.START, page).await().indefinitely();

        assertThat(applied).isEqualTo(new Applied(3, 0, 1, 2, 0));
        assertThat(calls).containsExactly(List.of(1, 2, 3));
        assertThat(seen(parked.getFirst().streamId())).containsExactly(parked.get(0).eventId());
        assertThat(seen(flowing.getFirst().streamId())).containsExactly(ids(flowing).toArray(UUID[]::new));
    }

    @Test
    void a_reactor_applies_each_event_of_a_page_in_a_span_of_its_own_so_what_it_appends_continues_the_trace_below_it() {
        // As in production with export off: spans are not sampled, but numbered, and the context goes on from each.
        EventSpans spans = new EventSpans(OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().setSampler(Sampler.alwaysOff()).build()).build());
        List<StoredEvent> caused = traced(3);
        List<String> seen = new ArrayList<>();
        Subscription reactor = Subscription.reactor(subscriber, category).on(OrderConfirmed.class, (tx, event) -> {
            seen.add(event.recorded().metadata().traceparent());
            return Uni.createFrom().voidItem();
        }).build();
        StreamStates streams = new StreamStates(fx.store);
        Checkpoints checkpoints = new Checkpoints(fx.store);

        new ApplyTransaction(fx.store, reactor, streams, checkpoints, new DeadLetters(fx.store, streams, checkpoints), TIMEOUT, spans)
                .catchUp(category, Checkpoint.START, caused).await().indefinitely();

        // Each in its cause's trace, below a span that is not the cause's own: what a reactor appends for two events of one
        // flow must not carry the same span on (a page span with each event's own context did).
        assertThat(seen).hasSize(3).doesNotHaveDuplicates();
        for (int i = 0; i < 3; i++) {
            String stored = caused.get(i).event().metadata().traceparent();
            assertThat(seen.get(i)).startsWith(stored.substring(0, 36)).isNotEqualTo(stored);
        }
    }

    // --- helpers ----------------------------------------------------------------------------------

    private ApplyTransaction transaction(Handler<OrderConfirmed> handler) {
        Subscription subscription = Subscription.view(subscriber, category).on(OrderConfirmed.class, handler).build();
        StreamStates streams = new StreamStates(fx.store);
        Checkpoints checkpoints = new Checkpoints(fx.store);
        return new ApplyTransaction(fx.store, subscription, streams, checkpoints, new DeadLetters(fx.store, streams, checkpoints), TIMEOUT);
    }

    // A catch-up reader at the start of the category (what a finished replay of an empty category leaves).
    private void startCatchUp() {
        fx.store.inTransaction(tx -> new Checkpoints(fx.store).create(tx, subscriber, category, Checkpoint.START, false))
                .await().indefinitely();
    }

    private Delivery ring(StoredEvent event) {
        return transaction.ring(ref(event), category).await().indefinitely().delivery();
    }

    private static EventRef ref(StoredEvent event) {
        return new EventRef(event.eventId(), event.streamId(), event.streamVersion());
    }

    private Uni<Void> record(StoreTransaction tx, Envelope<OrderConfirmed> event) {
        return tx.connection()
                .preparedQuery("insert into subscriber_test.seen (subscriber, stream_id, version, event_id) values ($1, $2, $3, $4)")
                .execute(Tuple.of(subscriber, event.streamId().value(), event.streamVersion(), event.recorded().eventId()))
                .replaceWithVoid();
    }

    private List<StoredEvent> stream(int events) {
        StreamId stream = StoreFixture.newStream(category);
        List<NewEvent> confirmations = IntStream.range(0, events)
                .mapToObj(i -> EventCodec.encode(new OrderConfirmed(UUID.randomUUID()), new EventMetadata(null, null, "test", null, null),
                        Instant.now()))
                .toList();
        return fx.store.inTransaction(tx -> fx.store.append(tx, stream, ExpectedVersion.NO_STREAM, confirmations)).await().indefinitely();
    }

    // One stream of events that all carry one caller's trace context, each under a span of its own.
    private List<StoredEvent> traced(int events) {
        String traceId = UUID.randomUUID().toString().replace("-", "");
        List<NewEvent> confirmations = IntStream.range(0, events)
                .mapToObj(i -> EventCodec.encode(new OrderConfirmed(UUID.randomUUID()), new EventMetadata("flow", null, "test",
                        "00-" + traceId + "-" + "%016x".formatted(i + 1) + "-01", null), Instant.now()))
                .toList();
        return fx.store.inTransaction(tx -> fx.store.append(tx, StoreFixture.newStream(category), ExpectedVersion.NO_STREAM, confirmations))
                .await().indefinitely();
    }

    private static List<UUID> ids(List<StoredEvent> events) {
        return events.stream().map(StoredEvent::eventId).toList();
    }

    // The event ids the handler saw for a stream, in the order it committed them.
    private List<UUID> seen(StreamId stream) {
        Map<Long, UUID> bySeq = new TreeMap<>();
        fx.pool.preparedQuery("select seq, event_id from subscriber_test.seen where subscriber = $1 and stream_id = $2")
                .execute(Tuple.of(subscriber, stream.value())).await().indefinitely()
                .forEach(row -> bySeq.put(row.getLong(0), row.getUUID(1)));
        return bySeq.values().stream().collect(Collectors.toList());
    }
}
