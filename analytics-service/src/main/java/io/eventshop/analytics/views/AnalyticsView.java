package io.eventshop.analytics.views;

import io.eventshop.events.DomainEvent;
import io.eventshop.view.View;
import java.util.List;

/**
 * An analytics view: a {@link View} named {@code analytics.<name>} whose query relations live in the
 * {@code analytics} schema ({@code analytics.<name>_<table>}).
 *
 * <p>Every fact a view keeps carries when it happened ({@code <fact>_at}, the event's business time)
 * and where it stands in the store ({@code <fact>_tx}, {@code <fact>_pos}), so that any question can
 * be asked {@link io.eventshop.analytics.timetravel.AsOf as of} an earlier moment.
 */
public abstract class AnalyticsView extends View {

    public static final String SCHEMA = "analytics";

    protected AnalyticsView(String name, int version, List<String> categories, List<Class<? extends DomainEvent>> handles,
            List<String> tables) {
        super(SCHEMA + "." + name, version, SCHEMA, categories, handles, tables);
    }
}
