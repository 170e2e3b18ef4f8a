package io.eventshop.view;

import io.eventshop.events.DomainEvent;
import io.eventshop.store.StoreTransaction;
import io.eventshop.subscriber.Envelope;
import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A view: tables kept from events, rebuildable from the store at any time. A service declares each of
 * its views once, as a CDI bean of this type: its name, the schema it belongs to, its tables and how a
 * batch of events changes them. The runtime keeps it in generations ({@link Generation}): the live copy
 * serves queries through stable relations ({@code <schema>.<view>_<table>}) while a rebuild fills a
 * fresh copy beside it and takes over when level.
 *
 * <p>The view knows nothing of generations: it is handed the schema to write, so the live copy and a
 * rebuild's copy run the same code. Live deliveries come as batches of one, catch-up and replay pages
 * as batches of up to a page: one code path.
 */
public abstract class View {

    private static final Pattern SCHEMA = Pattern.compile("[a-z][a-z0-9_]*");
    private static final Pattern TABLE = Pattern.compile("[a-z][a-z0-9_]*");

    private final String name;
    private final int version;
    private final String schema;
    private final List<String> categories;
    private final List<Class<? extends DomainEvent>> handles;
    private final List<String> tables;

    /**
     * @param name       the subscriber name, {@code <service>.<view>} (e.g. {@code analytics.sales}); its last
     *                   part names the query relations
     * @param version    the definition version: raised when the tables or what {@link #apply} writes change,
     *                   so a new release rebuilds the view from the store beside the old copy
     * @param schema     the service's schema, where the query relations live (e.g. {@code analytics})
     * @param categories the categories it reads
     * @param handles    the event types it reads; every other type of its categories passes by
     * @param tables     its tables, by name
     */
    protected View(String name, int version, String schema, List<String> categories, List<Class<? extends DomainEvent>> handles,
            List<String> tables) {
        if (!schema.matches(SCHEMA.pattern()) || tables.stream().anyMatch(t -> !TABLE.matcher(t).matches())) {
            throw new IllegalArgumentException("view " + name + ": schema and table names are lower-case identifiers");
        }
        if (name.lastIndexOf('.') < 0) {
            throw new IllegalArgumentException("a view's name is <service>.<view>, like analytics.sales; was " + name);
        }
        this.name = name;
        this.version = version;
        this.schema = schema;
        this.categories = List.copyOf(categories);
        this.handles = List.copyOf(handles);
        this.tables = List.copyOf(tables);
    }

    public String name() {
        return name;
    }

    /** The last part of the name ({@code sales}): the stem of its query relations and generation schemas. */
    public String shortName() {
        return name.substring(name.lastIndexOf('.') + 1).replace('-', '_');
    }

    public int version() {
        return version;
    }

    public String schema() {
        return schema;
    }

    public List<String> categories() {
        return categories;
    }

    public List<Class<? extends DomainEvent>> handles() {
        return handles;
    }

    public List<String> tables() {
        return tables;
    }

    /** The relation queries read for {@code table}: an SQL view over the live generation's table. */
    public String relation(String table) {
        return schema + "." + shortName() + "_" + table;
    }

    /** The schema of generation {@code number}: {@code <schema>_<view>_g<number>}. */
    public String generationSchema(int number) {
        return schema + "_" + shortName() + "_g" + number;
    }

    /** DDL creating {@link #tables()} in {@code schema}. */
    public abstract List<String> createTables(String schema);

    /**
     * Whether a long replay of this view may run in partitions ({@link io.eventshop.subscriber.Subscription.Builder#replayInPartitions}):
     * true for a view whose pages of different streams write mostly different rows. False by default.
     */
    public boolean replaysInPartitions() {
        return false;
    }

    /**
     * Applies events in one transaction, into the tables in {@code schema}. Each stream's events come in
     * version order; the result must not depend on how a run of events is cut into batches, and applying a
     * run of events again (a reposition does, in order) must leave the tables as applying it once did: upsert
     * what an event adds, set what it changes.
     */
    public abstract Uni<Void> apply(StoreTransaction tx, String schema, List<Envelope<?>> events);
}
