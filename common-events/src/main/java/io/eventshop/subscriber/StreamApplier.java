package io.eventshop.subscriber;

import io.eventshop.events.DomainEvent;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.RecordedEvent;
import io.eventshop.store.StoreTransaction;
import io.eventshop.store.StoredEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The subscriber protocol (DESIGN.md, Subscribers): in one transaction, lock the subscriber's row for
 * each stream involved, then skip duplicates, repair gaps from the store (the missing versions are
 * applied first), run the handlers, advance the rows, commit. Whatever the broker does (duplicates,
 * reordering, loss) and however many replicas or catch-up readers race, a handler sees each version
 * of a stream exactly once and in order. A parked stream (one of its events is dead-lettered) is not
 * applied at all until an admin redrives or skips.
 *
 * <p>{@link #apply} serves the live path, one message at a time; {@link #applyPage} serves catch-up
 * and replay, one transaction per page with set-based bookkeeping.
 */
final class StreamApplier {

    // A stream's row exists before it is locked: the first event of a stream creates it at version 0
    // (or, for a replay parking a stream, at the version the replay applied).
    static final String ENSURE_ROW = "insert into event_store.subscriber_streams (subscriber, stream_id, last_version)"
            + " values ($1, $2, $3) on conflict do nothing";
    static final String LOCK_ROW = "select last_version, parked_version, skip_versions from event_store.subscriber_streams"
            + " where subscriber = $1 and stream_id = $2 for update";
    // Skipped versions, once passed, are history.
    private static final String PASSED_SKIPS = "case when cardinality(skip_versions) = 0 then skip_versions"
            + " else array(select k from unnest(skip_versions) k where k > %s) end";
    private static final String ADVANCE = "update event_store.subscriber_streams set last_version = $3,"
            + " skip_versions = " + PASSED_SKIPS.formatted("$3")
            + " where subscriber = $1 and stream_id = $2";
    private static final String ENSURE_ROWS = "insert into event_store.subscriber_streams (subscriber, stream_id, last_version)"
            + " select $1, s, 0 from unnest($2::text[]) s on conflict do nothing";
    // Sorted, so two pages (two replicas' catch-up readers) lock their rows in one order: no deadlock.
    // A join with the array, not "= any": without statistics (autovacuum off) the planner scanned every
    // row of the subscriber for "= any"; the join probes the primary key once per stream.
    private static final String LOCK_ROWS = "select s.stream_id, s.last_version, s.parked_version, s.skip_versions"
            + " from unnest($2::text[]) k(stream_id) join event_store.subscriber_streams s on s.subscriber = $1 and s.stream_id = k.stream_id"
            + " order by s.stream_id for update of s";
    private static final String ADVANCE_ROWS = "update event_store.subscriber_streams s set last_version = v.last,"
            + " skip_versions = " + PASSED_SKIPS.replace("skip_versions", "s.skip_versions").formatted("v.last")
            + " from unnest($2::text[], $3::int[]) v(stream_id, last) where s.subscriber = $1 and s.stream_id = v.stream_id";

    /** What applying one event did. {@code parked}: its stream waits for a dead letter's redrive. */
    record Outcome(int applied, boolean duplicate, int repaired, boolean parked) {
    }

    /** What applying a page did. */
    record PageOutcome(int applied, int duplicates, int repaired, int parked, int ignored) {
    }

    /** A failure while applying {@link #event()}: the event to dead-letter if the failure is not transient. */
    static final class EventFailedException extends RuntimeException {

        private final transient RecordedEvent event;

        EventFailedException(RecordedEvent event, Throwable cause) {
            super(event.streamId() + " version " + event.streamVersion() + " (" + event.type() + "): " + cause.getMessage(), cause);
            this.event = event;
        }

        RecordedEvent event() {
            return event;
        }
    }

    private final EventStore store;
    private final Subscription subscription;
    private final SubscriberCheckpoints checkpoints;

    StreamApplier(EventStore store, Subscription subscription, SubscriberCheckpoints checkpoints) {
        this.store = store;
        this.subscription = subscription;
        this.checkpoints = checkpoints;
    }

    /** Applies {@code event} (and any versions of its stream missing before it) in one transaction. */
    Uni<Outcome> apply(RecordedEvent event) {
        return store.inTransaction(tx -> lock(tx, event).flatMap(row -> {
            if (row.parkedVersion() != null && event.streamVersion() > row.lastVersion()) {
                return Uni.createFrom().item(new Outcome(0, false, 0, true));
            }
            return switch (StreamGuard.decide(row.lastVersion(), event.streamVersion())) {
                case StreamGuard.Duplicate duplicate -> Uni.createFrom().item(new Outcome(0, true, 0, false));
                case StreamGuard.Apply next -> applyInOrder(tx, List.of(event), row.skipVersions())
                        .replaceWith(new Outcome(1, false, 0, false));
                case StreamGuard.RepairGap gap -> missing(tx, event, gap.fromVersion(), gap.toVersion())
                        .flatMap(repairs -> applyInOrder(tx, concat(repairs, event), row.skipVersions())
                                .replaceWith(new Outcome(repairs.size() + 1, false, repairs.size(), false)));
            };
        }));
    }

    /**
     * Applies a page read from {@code category} in store order, and moves the subscriber's checkpoint
     * for the category to the page's end, in one transaction.
     */
    Uni<PageOutcome> applyPage(String category, List<StoredEvent> page) {
        if (page.isEmpty()) {
            return Uni.createFrom().item(new PageOutcome(0, 0, 0, 0, 0));
        }
        String[] streams = page.stream().map(e -> e.streamId().value()).distinct().sorted().toArray(String[]::new);
        Checkpoint end = page.getLast().position();
        return store.inTransaction(tx -> tx.connection().preparedQuery(ENSURE_ROWS).execute(Tuple.of(subscription.name(), streams))
                .chain(() -> tx.connection().preparedQuery(LOCK_ROWS).execute(Tuple.of(subscription.name(), streams)))
                .map(rows -> plan(page, rowsState(streamRows(rows))))
                .chain(plan -> execute(tx, plan, DecodedPage.NONE).call(() -> advance(tx, plan.lastVersions())))
                .call(() -> checkpoints.save(tx, category, end)));
    }

    /** What a replay page did, and each stream's version after it: merge them into the replay once it committed. */
    record ReplayOutcome(PageOutcome outcome, Map<String, Integer> versions) {
    }

    /** The page's first event is not where the replay stood: another replica moved it, or it finished. */
    static final class ReplayMovedException extends RuntimeException {
        ReplayMovedException(String message) {
            super(message);
        }
    }

    /**
     * Applies a page of a view's replay: the same protocol as {@link #applyPage}, with the per-stream
     * state in memory ({@link Replay}) instead of locked rows, which is what lets a replay run near the
     * speed the store is read. The category's checkpoint row is locked and must still be {@code from}:
     * replicas replaying the same view take turns, page by page, and never apply a page twice.
     */
    Uni<ReplayOutcome> replayPage(String category, DecodedPage page, Replay replay, Checkpoint from) {
        Checkpoint end = page.events().getLast().position();
        return store.inTransaction(tx -> checkpoints.lock(tx, category).chain(position -> {
            if (!position.replaying() || !position.checkpoint().equals(from)) {
                return Uni.createFrom().failure(new ReplayMovedException(subscription.name() + " replay of " + category
                        + " is at " + position.checkpoint() + (position.replaying() ? "" : " (finished)") + ", not " + from));
            }
            Plan plan = plan(page.events(), replayState(replay));
            return execute(tx, plan, page).call(() -> checkpoints.saveReplayed(tx, category, end, page.events().size()))
                    .map(outcome -> new ReplayOutcome(outcome, plan.lastVersions()));
        }));
    }

    private Uni<PageOutcome> execute(StoreTransaction tx, Plan plan, DecodedPage decoded) {
        return resolveGaps(tx, plan.items())
                .map(events -> events.stream().filter(event -> !plan.skips(event)).toList())
                .chain(events -> handleAll(tx, events, decoded).map(ignored -> new PageOutcome(
                        events.size() - ignored, plan.duplicates(), events.size() - plan.incoming(), plan.parked(), ignored)));
    }

    // --- one event ------------------------------------------------------------------------------

    private Uni<StreamRow> lock(StoreTransaction tx, RecordedEvent event) {
        Tuple key = Tuple.of(subscription.name(), event.streamId().value());
        return tx.connection().preparedQuery(ENSURE_ROW).execute(Tuple.of(subscription.name(), event.streamId().value(), 0))
                .chain(() -> tx.connection().preparedQuery(LOCK_ROW).execute(key))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new StreamRow(row.getInteger(0), row.getInteger(1), skips(row.getArrayOfIntegers(2)));
                });
    }

    // One after another, each version after the previous one's handler finished; then advance once.
    // A version an admin skipped passes without its handler.
    private Uni<Void> applyInOrder(StoreTransaction tx, List<RecordedEvent> events, Set<Integer> skipVersions) {
        return Multi.createFrom().iterable(events)
                .onItem().transformToUniAndConcatenate(event -> skipped(event, skipVersions) ? Uni.createFrom().voidItem() : envelope(event)
                        .map(envelope -> subscription.handle(tx, envelope)
                                .onFailure().transform(failure -> new EventFailedException(event, failure)))
                        .orElse(Uni.createFrom().voidItem()))
                .collect().last()
                .chain(() -> tx.connection().preparedQuery(ADVANCE).execute(Tuple.of(subscription.name(),
                        events.getLast().streamId().value(), events.getLast().streamVersion())))
                .replaceWithVoid();
    }

    // --- a page ---------------------------------------------------------------------------------

    private record StreamRow(int lastVersion, Integer parkedVersion, Set<Integer> skipVersions) {
    }

    private static Set<Integer> skips(Integer[] versions) {
        return versions == null || versions.length == 0 ? Set.of() : Set.of(versions);
    }

    private static boolean skipped(RecordedEvent event, Set<Integer> skipVersions) {
        return skipVersions.contains(event.streamVersion());
    }

    /** An event to apply, or the versions of a stream to fetch from the store before the next one. */
    private sealed interface Item {
    }

    private record Incoming(RecordedEvent event) implements Item {
    }

    private record Gap(RecordedEvent before, int fromVersion, int toVersion) implements Item {
    }

    private record Plan(List<Item> items, Map<String, Integer> lastVersions, int incoming, int duplicates, int parked,
            Map<String, Set<Integer>> skipVersions) {

        boolean skips(RecordedEvent event) {
            return skipped(event, skipVersions.getOrDefault(event.streamId().value(), Set.of()));
        }
    }

    private static Map<String, StreamRow> streamRows(io.vertx.mutiny.sqlclient.RowSet<Row> rows) {
        Map<String, StreamRow> byStream = new HashMap<>();
        for (Row row : rows) {
            byStream.put(row.getString(0), new StreamRow(row.getInteger(1), row.getInteger(2), skips(row.getArrayOfIntegers(3))));
        }
        return byStream;
    }

    /** What the protocol needs to know about a stream before a page: the version applied, and whether it is parked. */
    private interface StreamState {
        int last(String stream);

        boolean parked(String stream);

        default Set<Integer> skipVersions(String stream) {
            return Set.of();
        }
    }

    private static StreamState rowsState(Map<String, StreamRow> rows) {
        return new StreamState() {
            @Override
            public int last(String stream) {
                return rows.get(stream).lastVersion();
            }

            @Override
            public boolean parked(String stream) {
                return rows.get(stream).parkedVersion() != null;
            }

            @Override
            public Set<Integer> skipVersions(String stream) {
                return rows.get(stream).skipVersions();
            }
        };
    }

    private static StreamState replayState(Replay replay) {
        return new StreamState() {
            @Override
            public int last(String stream) {
                return replay.version(stream);
            }

            @Override
            public boolean parked(String stream) {
                return replay.parked().contains(stream);
            }
        };
    }

    // The whole protocol in memory: the same decisions apply() makes, per event, in page order.
    private static Plan plan(List<StoredEvent> page, StreamState state) {
        Map<String, Integer> advanced = new HashMap<>();
        Map<String, Set<Integer>> skips = new HashMap<>();
        List<Item> items = new ArrayList<>();
        int incoming = 0;
        int duplicates = 0;
        int parked = 0;
        for (StoredEvent stored : page) {
            RecordedEvent event = stored.event();
            String stream = event.streamId().value();
            int lastVersion = advanced.getOrDefault(stream, state.last(stream));
            if (state.parked(stream) && event.streamVersion() > lastVersion) {
                parked++;
                continue;
            }
            switch (StreamGuard.decide(lastVersion, event.streamVersion())) {
                case StreamGuard.Duplicate duplicate -> {
                    duplicates++;
                    continue;
                }
                case StreamGuard.Apply next -> items.add(new Incoming(event));
                case StreamGuard.RepairGap gap -> {
                    items.add(new Gap(event, gap.fromVersion(), gap.toVersion()));
                    items.add(new Incoming(event));
                }
            }
            incoming++;
            advanced.put(stream, event.streamVersion());
            Set<Integer> skip = state.skipVersions(stream);
            if (!skip.isEmpty()) {
                skips.put(stream, skip);
            }
        }
        return new Plan(items, advanced, incoming, duplicates, parked, skips);
    }

    // Gaps are rare on catch-up (a stream's versions can commit out of transaction-id order); each costs
    // one read. Without gaps the page is the list as planned: no Uni per event (that cost ~10 µs each).
    private Uni<List<RecordedEvent>> resolveGaps(StoreTransaction tx, List<Item> items) {
        if (items.stream().noneMatch(Gap.class::isInstance)) {
            return Uni.createFrom().item(items.stream().map(item -> ((Incoming) item).event()).toList());
        }
        return Multi.createFrom().iterable(items)
                .onItem().transformToUniAndConcatenate(item -> switch (item) {
                    case Incoming in -> Uni.createFrom().item(List.of(in.event()));
                    case Gap gap -> missing(tx, gap.before(), gap.fromVersion(), gap.toVersion());
                })
                .collect().in(ArrayList<RecordedEvent>::new, List::addAll)
                .map(List::copyOf);
    }

    // Decodes every event first (poison names its event), then hands the page to the subscription.
    private Uni<Integer> handleAll(StoreTransaction tx, List<RecordedEvent> events, DecodedPage decoded) {
        List<Envelope<DomainEvent>> envelopes = new ArrayList<>(events.size());
        for (RecordedEvent event : events) {
            try {
                decoded.envelope(event, this::envelope).ifPresent(envelopes::add);
            } catch (EventFailedException poison) {
                return Uni.createFrom().failure(poison);
            }
        }
        int ignored = events.size() - envelopes.size();
        return subscription.handleAll(tx, envelopes).replaceWith(ignored);
    }

    private Uni<Void> advance(StoreTransaction tx, Map<String, Integer> lastVersions) {
        if (lastVersions.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String[] streams = lastVersions.keySet().toArray(String[]::new);
        Integer[] versions = Stream.of(streams).map(lastVersions::get).toArray(Integer[]::new);
        return tx.connection().preparedQuery(ADVANCE_ROWS).execute(Tuple.of(subscription.name(), streams, versions)).replaceWithVoid();
    }

    // --- shared ---------------------------------------------------------------------------------

    /** A page read ahead, with its events decoded off the applying thread (a replay's biggest CPU cost). */
    DecodedPage decode(List<StoredEvent> page) {
        Map<java.util.UUID, Object> decoded = new HashMap<>();
        for (StoredEvent stored : page) {
            Object result;
            try {
                result = envelope(stored.event(), stored.position());
            } catch (EventFailedException poison) {
                result = poison;
            }
            decoded.put(stored.eventId(), result);
        }
        return new DecodedPage(page, decoded);
    }

    /** Events with their envelopes (an Optional) or their decoding failure, by event id. */
    record DecodedPage(List<StoredEvent> events, Map<java.util.UUID, Object> decoded) {

        static final DecodedPage NONE = new DecodedPage(List.of(), Map.of());

        @SuppressWarnings("unchecked")
        Optional<Envelope<DomainEvent>> envelope(RecordedEvent event,
                java.util.function.Function<RecordedEvent, Optional<Envelope<DomainEvent>>> decoder) {
            Object result = decoded.get(event.eventId());
            if (result == null) {
                return decoder.apply(event); // a gap-repaired event, read inside the transaction
            }
            if (result instanceof EventFailedException poison) {
                throw poison;
            }
            return (Optional<Envelope<DomainEvent>>) result;
        }
    }

    private Optional<Envelope<DomainEvent>> envelope(RecordedEvent event) {
        return envelope(event, null);
    }

    private Optional<Envelope<DomainEvent>> envelope(RecordedEvent event, Checkpoint position) {
        try {
            return subscription.envelope(event, position);
        } catch (RuntimeException poison) {
            throw new EventFailedException(event, poison);
        }
    }

    // The versions between the last applied and the incoming one, committed in the store before it.
    // Read on the transaction's own connection: waiting for a second one could exhaust the pool.
    private Uni<List<RecordedEvent>> missing(StoreTransaction tx, RecordedEvent event, int fromVersion, int toVersion) {
        int count = toVersion - fromVersion + 1;
        return store.readStream(tx, event.streamId(), fromVersion, toVersion)
                .map(found -> {
                    if (found.size() != count) {
                        throw new IllegalStateException(event.streamId() + " lacks versions " + fromVersion + ".."
                                + toVersion + " in the store, but version " + event.streamVersion() + " arrived");
                    }
                    return found.stream().map(StoredEvent::event).toList();
                });
    }

    private static List<RecordedEvent> concat(List<RecordedEvent> first, RecordedEvent last) {
        return Stream.concat(first.stream(), Stream.of(last)).toList();
    }
}
