package io.eventshop.subscriber;

import io.eventshop.store.RecordedEvent;
import io.eventshop.store.StoreTransaction;
import io.smallrye.mutiny.Uni;

/**
 * What a view or reactor does with one event, inside the transaction that also records it as
 * applied: make the change on {@link StoreTransaction#connection()} (or append with the store), and
 * it commits with the subscriber's progress or not at all. Called once per stream version, in order.
 */
@FunctionalInterface
public interface EventHandler {

    Uni<Void> handle(StoreTransaction tx, RecordedEvent event);
}
