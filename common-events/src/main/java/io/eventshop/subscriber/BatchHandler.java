package io.eventshop.subscriber;

import io.eventshop.store.StoreTransaction;
import io.smallrye.mutiny.Uni;
import java.util.List;

/**
 * Applies a whole page (a live batch, a catch-up or replay page) in one transaction, for views that
 * can do set-based SQL (one statement per page instead of one per event): how a rebuild runs near
 * the speed Postgres reads the store. {@code events} holds only events with a handler, each stream's
 * in version order. The result must not depend on how a run of events is cut into pages.
 */
@FunctionalInterface
public interface BatchHandler {

    Uni<Void> handle(StoreTransaction tx, List<Envelope<?>> events);
}
