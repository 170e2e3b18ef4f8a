package io.eventshop.subscriber.pipeline;

import io.eventshop.events.DomainEvent;
import io.eventshop.events.EventMetadata;
import io.eventshop.events.RecordedEvent;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.StoreTransaction;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.Envelope;
import io.eventshop.subscriber.Subscription;
import io.eventshop.subscriber.deadletter.DeadLetters;
import io.eventshop.subscriber.state.Checkpoints;
import io.eventshop.subscriber.state.Position;
import io.eventshop.subscriber.state.ReplayPartitions;
import io.eventshop.subscriber.state.StreamRow;
import io.eventshop.subscriber.state.StreamStates;
import io.eventshop.tracing.EventSpans;
import io.eventshop.tracing.Traceparents;
import io.eventshop.wire.EventRef;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.jboss.logging.MDC;

/**
 * The subscriber protocol as one database transaction, whatever brought the events: a doorbell, a
 * catch-up page or a replay page. It locks the subscriber's state (the stream rows, and for pages the
 * category's checkpoint row), plans the page ({@link PagePlan}), reads missing versions from the store
 * on its own connection, runs the handlers on the store's copies, advances the state and commits. A
 * handler therefore sees each version of each stream exactly once and in order, whatever the broker
 * and the replicas do.
 *
 * <p>With {@code single} (one doorbell, or a page of one event), and for a subscription without a batch handler,
 * the handlers run event by event, each in a span of its own, and a failure names its event
 * ({@link EventFailedException}); a page of several for a batch handler runs in one call (a view's set-based SQL),
 * and its failure is the page's.
 */
final class ApplyTransaction {

    private static final String CORRELATION_ID = "correlationId";
    private static final String TRACE_ID = "traceId";

    private final EventStore store;
    private final Subscription subscription;
    private final StreamStates streams;
    private final Checkpoints checkpoints;
    private final ReplayPartitions partitions = new ReplayPartitions();
    private final DeadLetters deadLetters;
    private final Duration handlerTimeout;
    private final EventSpans spans;

    ApplyTransaction(EventStore store, Subscription subscription, StreamStates streams, Checkpoints checkpoints, DeadLetters deadLetters,
            Duration handlerTimeout) {
        this(store, subscription, streams, checkpoints, deadLetters, handlerTimeout, EventSpans.NONE);
    }

    ApplyTransaction(EventStore store, Subscription subscription, StreamStates streams, Checkpoints checkpoints, DeadLetters deadLetters,
            Duration handlerTimeout, EventSpans spans) {
        this.spans = spans;
        this.store = store;
        this.subscription = subscription;
        this.streams = streams;
        this.checkpoints = checkpoints;
        this.deadLetters = deadLetters;
        this.handlerTimeout = handlerTimeout;
    }

    /** What a doorbell did. */
    record Rung(Delivery delivery, Applied applied, StoredEvent event) {
    }

    /**
     * A doorbell that came on the queue of {@code category}: reads the named event from the store (an indexed
     * point read), and only if the store holds an event with that id at that place, of that category, and the
     * category is live for this subscriber (a replaying one is filled by its replay alone), applies the store's
     * copy, with any versions missing before it. A message naming anything else changes nothing, not even a row.
     */
    Uni<Rung> ring(EventRef ref, String category) {
        if (!ref.stream().category().equals(category) || !subscription.categories().contains(category)) {
            return Uni.createFrom().item(new Rung(Delivery.UNMATCHED, Applied.NOTHING, null));
        }
        String stream = ref.stream().value();
        return store.inTransaction(tx -> streams.lockIfStoredAndLive(tx, subscription.name(), stream, ref.version(), ref.eventId())
                .chain(found -> {
                    if (found.isEmpty()) {
                        // Rolled back: the row the first statement may have made (the subscriber's checkpoints
                        // vanished in between, say) must not outlive a doorbell that changed nothing.
                        return Uni.createFrom().failure(new Unmatched());
                    }
                    StoredEvent event = found.get().event();
                    StreamState state = rowsState(Map.of(stream, found.get().row()));
                    PagePlan plan = PagePlan.of(List.of(event), state);
                    if (plan.duplicates() == 1) {
                        return Uni.createFrom().item(new Rung(Delivery.DUPLICATE, new Applied(0, 0, 1, 0, 0), event));
                    }
                    if (plan.parked() == 1) {
                        return Uni.createFrom().item(new Rung(Delivery.PARKED, new Applied(0, 0, 0, 1, 0), event));
                    }
                    return execute(tx, plan, state, true, Decoded.NONE)
                            .call(() -> streams.advance(tx, subscription.name(), stream, event.streamVersion()))
                            .map(applied -> new Rung(Delivery.APPLIED, applied, event));
                }))
                .onFailure(Unmatched.class).recoverWithItem(new Rung(Delivery.UNMATCHED, Applied.NOTHING, null));
    }

    /** What a batch of doorbells did: each doorbell's outcome and the store's copy it named (null: unmatched), in the batch's order. */
    record RungAll(List<Delivery> deliveries, List<StoredEvent> events, Applied applied) {
    }

    /**
     * Doorbells that came together on the queue of {@code category}, applied in one transaction: the events they name are
     * read and their streams' rows locked in two statements (as {@link #ring} does for one), then the batch is planned as a
     * page ({@link PagePlan}: duplicates, gaps, parked streams) in each stream's version order, whatever order the
     * doorbells came in, and handed to the handlers in one call (a view's batch handler). A doorbell naming anything the
     * store does not hold is unmatched and changes nothing, as alone. A failure is the batch's: the caller rings its
     * doorbells one by one to find the event at fault.
     */
    Uni<RungAll> ringAll(List<EventRef> refs, String category) {
        Delivery[] outcomes = new Delivery[refs.size()];
        Arrays.fill(outcomes, Delivery.UNMATCHED);
        StoredEvent[] events = new StoredEvent[refs.size()];
        Supplier<RungAll> unmatched = () -> new RungAll(List.of(outcomes), Collections.unmodifiableList(Arrays.asList(events)),
                Applied.NOTHING);
        List<Integer> named = IntStream.range(0, refs.size()).filter(i -> refs.get(i).stream().category().equals(category)).boxed()
                .toList();
        if (named.isEmpty() || !subscription.categories().contains(category)) {
            return Uni.createFrom().item(unmatched);
        }
        String[] streamIds = named.stream().map(i -> refs.get(i).stream().value()).toArray(String[]::new);
        Integer[] versions = named.stream().map(i -> refs.get(i).version()).toArray(Integer[]::new);
        UUID[] eventIds = named.stream().map(i -> refs.get(i).eventId()).toArray(UUID[]::new);
        return store.inTransaction(tx -> streams.lockAllIfStoredAndLive(tx, subscription.name(), category, streamIds, versions, eventIds)
                .chain(found -> {
                    if (found.isEmpty()) {
                        return Uni.createFrom().failure(new Unmatched()); // rolled back, as for one doorbell
                    }
                    Map<String, StreamRow> rows = new HashMap<>();
                    found.values().forEach(rung -> rows.put(rung.event().streamId().value(), rung.row()));
                    // Each stream's versions in order, so doorbells that came out of order need no gap repair.
                    List<Integer> inOrder = found.keySet().stream().sorted(Comparator
                            .comparing((Integer k) -> found.get(k).event().streamId().value())
                            .thenComparingInt(k -> found.get(k).event().streamVersion())).toList();
                    List<StoredEvent> page = inOrder.stream().map(k -> found.get(k).event()).toList();
                    StreamState state = rowsState(rows);
                    PagePlan plan = PagePlan.of(page, state);
                    // The plan's own instances: a doorbell rung twice in one batch reads its event twice, and only the first applies.
                    Set<StoredEvent> applying = Collections.newSetFromMap(new IdentityHashMap<>());
                    plan.steps().forEach(step -> {
                        if (step instanceof PagePlan.Apply apply) {
                            applying.add(apply.event());
                        }
                    });
                    for (int k : inOrder) {
                        StoredEvent event = found.get(k).event();
                        String stream = event.streamId().value();
                        int doorbell = named.get(k);
                        events[doorbell] = event;
                        outcomes[doorbell] = applying.contains(event) ? Delivery.APPLIED
                                : state.parked(stream) && event.streamVersion() > state.last(stream) ? Delivery.PARKED : Delivery.DUPLICATE;
                    }
                    return execute(tx, plan, state, false, Decoded.NONE)
                            .call(() -> streams.advance(tx, subscription.name(), plan.lastVersions()))
                            .map(applied -> new RungAll(List.of(outcomes), Collections.unmodifiableList(Arrays.asList(events)), applied));
                }))
                .onFailure(Unmatched.class).recoverWithItem(unmatched);
    }

    private static final class Unmatched extends RuntimeException {
        Unmatched() {
            super(null, null, false, false);
        }
    }

    /**
     * A catch-up page read after {@code from}: applied, and the category's checkpoint moved to its end, in
     * one transaction.
     *
     * @throws PositionMovedException (as the Uni's failure) when the checkpoint is no longer at {@code from}
     */
    Uni<Applied> catchUp(String category, Checkpoint from, List<StoredEvent> page) {
        Checkpoint end = page.getLast().position();
        return store.inTransaction(tx -> lockAt(tx, category, from, false)
                .chain(() -> streams.lock(tx, subscription.name(), page.stream().map(e -> e.streamId().value()).toList()))
                .chain(rows -> {
                    StreamState state = rowsState(rows);
                    PagePlan plan = PagePlan.of(page, state);
                    return execute(tx, plan, state, page.size() == 1, Decoded.NONE)
                            .call(() -> streams.advance(tx, subscription.name(), plan.lastVersions()));
                })
                .call(() -> checkpoints.save(tx, subscription.name(), category, end, 0)));
    }

    /** What a replay page did, and each stream's version after it, for the replay's memory once it committed. */
    record Replayed(Applied applied, Map<String, Integer> lastVersions) {
    }

    /**
     * A replay page: the same protocol with the per-stream state in memory. The replay's checkpoint row (the
     * category's, or its partition's) is locked and must still be {@code from}, still replaying: replicas replaying
     * one view take turns, page by page, and never apply a page twice. The page's events count towards the replay's
     * progress; what the memory must remember past the page commits with the checkpoint.
     */
    Uni<Replayed> replay(ReplayCursor cursor, Checkpoint from, List<StoredEvent> page, Decoded decoded, ReplayMemory memory) {
        Checkpoint end = page.getLast().position();
        String overtaken = memory.overtakenAfter(page);
        return store.inTransaction(tx -> lockReplay(tx, cursor, from).chain(() -> {
            PagePlan plan = PagePlan.of(page, memory);
            return execute(tx, plan, memory, page.size() == 1, decoded)
                    .call(() -> saveReplay(tx, cursor, end, page.size(), overtaken))
                    .map(applied -> new Replayed(applied, plan.lastVersions()));
        }));
    }

    /** Moves a catch-up checkpoint from {@code from} past an event that was dead-lettered instead of applied. */
    Uni<Void> passPast(String category, Checkpoint from, Checkpoint to) {
        return store.inTransaction(tx -> lockAt(tx, category, from, false)
                .chain(() -> checkpoints.save(tx, subscription.name(), category, to, 0)));
    }

    /**
     * A replay gives up on {@code event}: dead-letters it (its stream's row made at {@code applied}, the version the
     * replay's memory holds) and moves the checkpoint from {@code from} to {@code to}, in one transaction with the
     * checkpoint locked, so that it only happens if no replica moved the replay meanwhile.
     */
    Uni<Optional<DeadLetters.Recorded>> parkInReplay(ReplayCursor cursor, Checkpoint from, Checkpoint to, RecordedEvent event, int applied,
            String reason, int attempts, String body) {
        return store.inTransaction(tx -> lockReplay(tx, cursor, from)
                .chain(() -> deadLetters.park(tx, subscription.name(), subscription.lineage(), event, applied, reason, attempts, body))
                .call(() -> saveReplay(tx, cursor, to, 1, null)));
    }

    private Uni<Void> lockReplay(StoreTransaction tx, ReplayCursor cursor, Checkpoint from) {
        if (!cursor.partitioned()) {
            return lockAt(tx, cursor.category(), from, true);
        }
        return partitions.lock(tx, subscription.name(), cursor.category(), cursor.start(), cursor.until(), cursor.partition()).invoke(found -> {
            if (found.isEmpty() || found.get().level() || !found.get().checkpoint().equals(from)) {
                throw new PositionMovedException(subscription.name() + " in " + cursor + " is " + found.map(p -> p.level()
                        ? "level at " + p.checkpoint() : "at " + p.checkpoint()).orElse("no longer partitioned") + ", not at " + from);
            }
        }).replaceWithVoid();
    }

    private Uni<Void> saveReplay(StoreTransaction tx, ReplayCursor cursor, Checkpoint to, int replayed, String overtaken) {
        return cursor.partitioned()
                ? partitions.save(tx, subscription.name(), cursor.category(), cursor.partition(), to, replayed, overtaken)
                : checkpoints.saveReplay(tx, subscription.name(), cursor.category(), to, replayed, overtaken);
    }

    private Uni<Void> lockAt(StoreTransaction tx, String category, Checkpoint from, boolean replaying) {
        return checkpoints.lock(tx, subscription.name(), category).invoke(found -> {
            // A finishing replay's checkpoint is frozen: the stream rows it has written hold for that checkpoint only.
            // So is one whose stream rows a seeding or a reposition writes or moves back.
            if (found.isEmpty() || found.get().replaying() != replaying || replaying && found.get().finishing() || found.get().rows() != null
                    || !found.get().checkpoint().equals(from)) {
                throw new PositionMovedException(subscription.name() + " in " + category + " is "
                        + found.map(ApplyTransaction::where).orElse("retired") + ", not at " + from + (replaying ? " (replaying)" : ""));
            }
        }).chain(() -> !replaying ? Uni.createFrom().voidItem() : partitions.exist(tx, subscription.name(), category).invoke(partitioned -> {
            // Another replica began a partitioned phase from here: its workers apply these events (common-events DECISIONS 64).
            if (partitioned) {
                throw new PositionMovedException(subscription.name() + " in " + category + " replays in partitions from " + from);
            }
        }).replaceWithVoid());
    }

    private static String where(Position position) {
        return "at " + position.checkpoint() + (position.rows() != null ? " (" + position.rows().kind().name().toLowerCase() + ")"
                : !position.replaying() ? "" : position.finishing() ? " (finishing its replay)" : " (replaying)");
    }

    private Uni<Applied> execute(StoreTransaction tx, PagePlan plan, StreamState state, boolean single, Decoded decoded) {
        if (plan.isEmpty()) {
            return Uni.createFrom().item(new Applied(0, 0, plan.duplicates(), plan.parked(), 0));
        }
        return inOrder(tx, plan).chain(events -> {
            List<Envelope<DomainEvent>> envelopes = new ArrayList<>(events.size());
            List<StoredEvent> handled = new ArrayList<>(events.size());
            int skipped = 0;
            for (StoredEvent event : events) {
                if (state.skipped(event)) {
                    skipped++;
                    continue;
                }
                Optional<Envelope<DomainEvent>> envelope = decoded.envelope(event, subscription); // poison throws, naming its event
                if (envelope.isPresent()) {
                    envelopes.add(envelope.get());
                    handled.add(event);
                }
            }
            Applied applied = new Applied(events.size() - skipped, events.size() - plan.incoming(), plan.duplicates(), plan.parked(), skipped);
            if (!single && envelopes.isEmpty()) {
                return handle(tx, envelopes).replaceWith(applied);
            }
            if (!single && subscription.appliesPagesAtOnce()) {
                // One handler call, one span: linked to each event's context, as a span has one parent. Only a view
                // applies pages at once, and it appends nothing that would carry the span on.
                Span span = spans.applyPage(subscription.name(), envelopes.stream().map(Envelope::recorded).toList());
                return traced(span, handle(tx, envelopes)).replaceWith(applied);
            }
            // One by one, each after the previous one's handler finished, so a failure names its event. Each its own
            // span, a child of the event's context; the handler sees it as the event's, so what it appends is a child too
            // (a reactor's page as well: what it appends for each event must not carry its cause's own span on).
            return Multi.createFrom().range(0, envelopes.size())
                    .onItem().transformToUniAndConcatenate(i -> {
                        Envelope<DomainEvent> envelope = envelopes.get(i);
                        Span span = spans.apply(subscription.name(), envelope.recorded());
                        Envelope<DomainEvent> within = new Envelope<>(EventSpans.within(span, envelope.recorded()), envelope.payload(),
                                envelope.position());
                        return traced(span, handle(tx, List.of(within)))
                                .onFailure().transform(failure -> new EventFailedException(handled.get(i), failure));
                    })
                    .collect().last().replaceWith(applied);
        });
    }

    private static Uni<Void> traced(Span span, Uni<Void> work) {
        return work.onItemOrFailure().invoke((done, failure) -> {
            if (failure != null) {
                span.setStatus(StatusCode.ERROR, failure.getClass().getSimpleName());
            }
            span.end();
        }).onCancellation().invoke(span::end);
    }

    // Deferred: a handler that throws instead of returning a failed Uni fails the same way. Bounded: one that never
    // completes fails after the handler timeout (a contention failure: tried again, a bounded number of times).
    private Uni<Void> handle(StoreTransaction tx, List<Envelope<DomainEvent>> envelopes) {
        return Uni.createFrom().deferred(() -> {
                    if (envelopes.size() != 1) {
                        return subscription.handleAll(tx, envelopes);
                    }
                    // What the handler logs while it runs names the flow and the trace (JSON logs in prod carry the MDC).
                    // Invalid metadata logs without them: it fails only a handler that reads it.
                    Optional<EventMetadata> metadata = envelopes.getFirst().recorded().readableMetadata();
                    MDC.put(CORRELATION_ID, metadata.map(EventMetadata::correlationId).orElse(""));
                    MDC.put(TRACE_ID, Objects.requireNonNullElse(Traceparents.traceId(metadata.map(EventMetadata::traceparent).orElse(null)), ""));
                    try {
                        return subscription.handleAll(tx, envelopes);
                    } finally {
                        MDC.remove(CORRELATION_ID);
                        MDC.remove(TRACE_ID);
                    }
                })
                .ifNoItem().after(handlerTimeout).failWith(() -> new TimeoutException(
                        "the handler did not finish within " + handlerTimeout));
    }

    // The plan's events with the gaps before them read from the store, in order. Read on the transaction's
    // own connection: waiting for a second one from the same pool could exhaust it (a test found it).
    private Uni<List<StoredEvent>> inOrder(StoreTransaction tx, PagePlan plan) {
        if (!plan.hasRepairs()) {
            return Uni.createFrom().item(plan.steps().stream().map(step -> ((PagePlan.Apply) step).event()).toList());
        }
        return Multi.createFrom().iterable(plan.steps())
                .onItem().transformToUniAndConcatenate(step -> switch (step) {
                    case PagePlan.Apply apply -> Uni.createFrom().item(List.of(apply.event()));
                    case PagePlan.Repair repair -> store.readStream(tx, repair.stream(), repair.from(), repair.to()).invoke(found -> {
                        if (found.size() != repair.count()) {
                            throw new IllegalStateException(repair.stream() + " lacks versions " + repair.from() + ".." + repair.to()
                                    + " in the store, but version " + repair.before().streamVersion() + " is there");
                        }
                    });
                })
                .collect().in(ArrayList<StoredEvent>::new, List::addAll)
                .map(List::copyOf);
    }

    static StreamState rowsState(Map<String, StreamRow> rows) {
        return new StreamState() {
            @Override
            public int last(String stream) {
                return rows.get(stream).lastVersion();
            }

            @Override
            public boolean parked(String stream) {
                return rows.get(stream).parked();
            }

            @Override
            public boolean skipped(StoredEvent event) {
                StreamRow row = rows.get(event.streamId().value());
                return row != null && row.skipVersions().contains(event.streamVersion());
            }
        };
    }
}
