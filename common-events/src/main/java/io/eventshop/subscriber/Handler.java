package io.eventshop.subscriber;

import io.eventshop.events.DomainEvent;
import io.eventshop.store.StoreTransaction;
import io.smallrye.mutiny.Uni;

/**
 * What a view or reactor does with one kind of event, inside the transaction that also records it as
 * applied: make the change on {@link StoreTransaction#connection()} (or append with the store), and
 * it commits with the subscriber's progress or not at all. Called once per stream version, in order,
 * with the store's copy of the event.
 *
 * <p>Throwing (or failing the Uni) rolls the event back. A passing failure (serialization, deadlock,
 * a stream version conflict, a lost connection) is retried with backoff; any other failure is retried
 * a few times and then dead-lettered, which parks the event's stream (see the retry policy in
 * {@code io.eventshop.subscriber.pipeline}).
 */
@FunctionalInterface
public interface Handler<E extends DomainEvent> {

    Uni<Void> handle(StoreTransaction tx, Envelope<E> event);
}
