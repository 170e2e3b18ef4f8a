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
public abstract class AnalyticsView {

    private final String name;
    private final int version;
    private final List<String> categories;
    private final List<Class<? extends DomainEvent>> handles;
    private final List<String> tables;

    /** See the accessors for what each part means. */
    protected AnalyticsView(String name, int version, List<String> categories, List<Class<? extends DomainEvent>> handles,
            List<String> tables) {
        this.name = name;
        this.version = version;
        this.categories = List.copyOf(categories);
        this.handles = List.copyOf(handles);
        this.tables = List.copyOf(tables);
    }

    /** The path segment and name stem: {@code sales} is subscriber {@code analytics.sales.g<N>}. */
    public String name() {
        return name;
    }

    /**
     * Bumped when the tables or what {@link #apply} writes change: a service that finds a live
     * generation of an older version builds a new one from the store at start-up.
     */
    public int version() {
        return version;
    }

    public List<String> categories() {
        return categories;
    }

    /** The event types this view reads; every other type of its categories passes by. */
    public List<Class<? extends DomainEvent>> handles() {
        return handles;
    }

    /** The tables, by name; queries read each as {@code analytics.<view>_<table>}. */
    public List<String> tables() {
        return tables;
    }

    /** DDL creating {@link #tables()} in {@code schema}. */
    public abstract List<String> createTables(String schema);

    /**
     * Applies events in one transaction. Each stream's events come in version order; the result must
     * not depend on how a run of events is cut into batches.
     */
    public abstract Uni<Void> apply(StoreTransaction tx, String schema, List<Envelope<?>> events);
}
