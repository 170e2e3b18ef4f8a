package io.eventshop.subscriber;

import io.eventshop.events.DomainEvent;
import io.eventshop.events.EventType;
import io.eventshop.events.UnknownEventTypeException;
import io.eventshop.events.codec.EventCodec;
import io.eventshop.events.codec.EventTypes;
import io.eventshop.store.StoreTransaction;
import io.eventshop.store.StoredEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A subscriber's declaration: its name, whether it is a view or a reactor, the categories it reads
 * and a handler per event type. A service publishes its reactors as CDI beans and the runtime does
 * the rest (queues, live consumption, catch-up, dead letters); views are declared as
 * {@code View}s (package {@code io.eventshop.view}), which run their subscriptions in rebuildable generations.
 *
 * <pre>{@code
 * Subscription.reactor("order.saga", "reservation")
 *         .on(StockReserved.class, (tx, reserved) -> ...)
 *         .build();
 * }</pre>
 *
 * <p>Events of a known type without a handler are passed over (the stream still advances). An
 * event of a type this code does not know at all is poison: the subscriber cannot tell whether it
 * should have handled it.
 */
public final class Subscription {

    /** Views can be rebuilt from the store; reactors append events, so they never replay on their own. */
    public enum Kind { VIEW, REACTOR }

    /**
     * Where a new subscriber starts. A view starts at the beginning (it fills itself from the store);
     * a reactor at the head unless configured otherwise: acting on history again is an operator's
     * decision ({@code eventshop.subscriber.start."<name>"=beginning}), never a default.
     */
    public enum Start { BEGINNING, HEAD }

    // Names become queue names and metric tags: keep them to a plain dotted form.
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)+");
    private static final Pattern CATEGORY = Pattern.compile("[a-z][a-z0-9]*");

    private final String name;
    private final String lineage;
    private final Kind kind;
    private final List<String> categories;
    private final Map<String, Handler<DomainEvent>> handlers;
    private final BatchHandler batchHandler;
    private final boolean replaysInPartitions;

    private Subscription(Builder builder) {
        this.name = builder.name;
        this.lineage = builder.lineage == null ? builder.name : builder.lineage;
        this.kind = builder.kind;
        this.categories = builder.categories;
        this.handlers = Map.copyOf(builder.handlers);
        this.batchHandler = builder.batchHandler;
        this.replaysInPartitions = builder.replaysInPartitions;
    }

    /** A view named {@code service.view}, reading {@code categories}: starts from the first event. */
    public static Builder view(String name, String... categories) {
        return new Builder(name, Kind.VIEW, categories);
    }

    /** A reactor (saga) named {@code service.reactor}: starts at the head when new, never replays. */
    public static Builder reactor(String name, String... categories) {
        return new Builder(name, Kind.REACTOR, categories);
    }

    public String name() {
        return name;
    }

    /**
     * The name of what this subscriber is a copy of: a view generation's view ({@code analytics.sales}
     * for {@code analytics.sales.g3}), else the subscriber itself. An operator's skip of a dead letter
     * holds for the whole lineage: a rebuild that meets the same event passes over it too.
     */
    public String lineage() {
        return lineage;
    }

    public Kind kind() {
        return kind;
    }

    public List<String> categories() {
        return categories;
    }

    /** The event types it handles, by type name; other types of its categories pass by. */
    public Set<String> handledTypes() {
        return handlers.keySet();
    }

    /**
     * The event as its handler sees it, or empty when this subscription has no handler for its type.
     * Decodes (and upcasts) the store's copy.
     *
     * @throws UnknownEventTypeException when no code knows the type: poison
     * @throws io.eventshop.events.UndecodableEventException when the payload does not bind: poison
     */
    public Optional<Envelope<DomainEvent>> envelope(StoredEvent event) {
        if (!handlers.containsKey(event.type())) {
            if (EventTypes.byName(event.type()).isEmpty()) {
                throw new UnknownEventTypeException(event.type());
            }
            return Optional.empty();
        }
        return Optional.of(new Envelope<>(event.event(), EventCodec.decode(event.event()), event.position()));
    }

    /**
     * Whether live deliveries may be applied several to a transaction. Not for a reactor without a batch handler: its
     * handlers lock rows of other streams (inventory's products, in sku order per order), and one after another in one
     * transaction they would hold those locks in an order no other replica's batch shares, so replicas would deadlock.
     */
    public boolean batchesLiveDeliveries() {
        return kind == Kind.VIEW || batchHandler != null;
    }

    /** Whether a page of several events is applied by one call of the batch handler, rather than event by event. */
    public boolean appliesPagesAtOnce() {
        return batchHandler != null;
    }

    /**
     * Whether a long replay may split this view's streams between workers ({@code eventshop.subscriber.replay-partitions};
     * common-events DECISIONS 64), else one worker replays in store order.
     */
    public boolean replaysInPartitions() {
        return replaysInPartitions;
    }

    /**
     * Applies events in one transaction: with the batch handler when there is one, else one handler call
     * after another. Each stream's events come in version order.
     */
    public Uni<Void> handleAll(StoreTransaction tx, List<Envelope<DomainEvent>> events) {
        if (events.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        if (batchHandler != null) {
            return batchHandler.handle(tx, List.copyOf(events));
        }
        return Multi.createFrom().iterable(events)
                .onItem().transformToUniAndConcatenate(event -> handlers.get(event.recorded().type()).handle(tx, event))
                .collect().last().replaceWithVoid();
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase() + " " + name + " " + categories;
    }

    /** Collects handlers; {@link #build()} checks the declaration. */
    public static final class Builder {

        private final String name;
        private final Kind kind;
        private final List<String> categories;
        private final Map<String, Handler<DomainEvent>> handlers = new LinkedHashMap<>();
        private BatchHandler batchHandler;
        private String lineage;
        private boolean replaysInPartitions;

        private Builder(String name, Kind kind, String... categories) {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("a subscriber's name is dotted lower case, like analytics.sales; was '" + name + "'");
            }
            if (categories.length == 0) {
                throw new IllegalArgumentException("subscriber " + name + " reads no category");
            }
            for (String category : categories) {
                if (!CATEGORY.matcher(category).matches()) {
                    throw new IllegalArgumentException("subscriber " + name + ": '" + category + "' is not a category");
                }
            }
            this.name = name;
            this.kind = kind;
            this.categories = List.of(categories);
        }

        /** Handles events of {@code type}; one handler per type. */
        @SuppressWarnings("unchecked")
        public <E extends DomainEvent> Builder on(Class<E> type, Handler<? super E> handler) {
            // Which category's streams carry a type is the producers' convention, not checked here.
            EventType<E> eventType = EventTypes.of(type);
            if (handlers.putIfAbsent(eventType.name(), (Handler<DomainEvent>) (Handler<?>) handler) != null) {
                throw new IllegalArgumentException("subscriber " + name + " has two handlers for " + eventType.name());
            }
            return this;
        }

        /** Applies whole pages with {@code handler} instead of event by event. */
        public Builder batch(BatchHandler handler) {
            this.batchHandler = handler;
            return this;
        }

        /**
         * Lets a long replay split the view's streams between workers, each applying its streams' pages beside the others:
         * for a view whose pages of different streams write mostly different rows (a row per order, say). Not for a view
         * whose every event updates the same few rows: its workers would wait for each other on them, so partitions gain
         * nothing there and cost a read of the category and two connections each (docs/benchmarks.md).
         */
        public Builder replayInPartitions() {
            if (kind != Kind.VIEW) {
                throw new IllegalArgumentException("subscriber " + name + " is a reactor: it never replays");
            }
            this.replaysInPartitions = true;
            return this;
        }

        /** Marks this subscriber as a copy of {@code lineage} (a view generation); see {@link Subscription#lineage()}. */
        public Builder lineage(String lineage) {
            if (lineage == null || !NAME.matcher(lineage).matches()) {
                throw new IllegalArgumentException("a lineage is a subscriber name, like analytics.sales; was '" + lineage + "'");
            }
            this.lineage = lineage;
            return this;
        }

        public Subscription build() {
            if (handlers.isEmpty()) {
                throw new IllegalArgumentException("subscriber " + name + " handles no event type");
            }
            return new Subscription(this);
        }
    }
}
