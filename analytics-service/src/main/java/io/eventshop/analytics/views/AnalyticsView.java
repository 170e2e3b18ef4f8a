package io.eventshop.analytics.views;

import io.eventshop.events.DomainEvent;
import io.eventshop.store.StoreTransaction;
import io.eventshop.subscriber.Envelope;
import io.smallrye.mutiny.Uni;
import java.util.List;

/**
 * One analytics view: the tables it keeps and how a batch of events changes them. The view knows
 * nothing of generations: it is handed the schema to write, so the live copy and a rebuild's shadow
 * copy run the same code. Live deliveries come as batches of one, replay pages as batches of up to a
 * page: one code path, set-based SQL.
 *
 * <p>Every fact a view keeps carries when it happened ({@code <fact>_at}, the event's business time)
 * and where it stands in the store ({@code <fact>_tx}, {@code <fact>_pos}), so that any question can
 * be asked {@link io.eventshop.analytics.timetravel.AsOf as of} an earlier moment.
 */
public interface AnalyticsView {

    /** The path segment and name stem: {@code sales} is subscriber {@code analytics.sales.g<N>}. */
    String name();

    /**
     * Bumped when the tables or what {@link #apply} writes change: a service that finds a live
     * generation of an older version builds a new one from the store at start-up.
     */
    int version();

    List<String> categories();

    /** The event types this view reads; every other type of its categories passes by. */
    List<Class<? extends DomainEvent>> handles();

    /** The tables, by name; queries read each as {@code analytics.<view>_<table>}. */
    List<String> tables();

    /** DDL creating {@link #tables()} in {@code schema}. */
    List<String> createTables(String schema);

    /**
     * Applies events in one transaction. Each stream's events come in version order; the result must
     * not depend on how a run of events is cut into batches.
     */
    Uni<Void> apply(StoreTransaction tx, String schema, List<Envelope<?>> events);
}
