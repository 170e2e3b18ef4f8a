package io.eventshop.subscriber.pipeline;

import io.eventshop.events.DomainEvent;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.Envelope;
import io.eventshop.subscriber.Subscription;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Events decoded ahead of their transaction (a replay decodes the next page on another thread while
 * one is applied): each event's envelope, or the poison it turned out to be. An event that is not
 * here (a gap repair's) is decoded when it is met.
 */
public final class Decoded {

    public static final Decoded NONE = new Decoded(Map.of());

    private final Map<UUID, Object> byEvent;

    private Decoded(Map<UUID, Object> byEvent) {
        this.byEvent = byEvent;
    }

    public static Decoded of(List<StoredEvent> events, Subscription subscription) {
        Map<UUID, Object> decoded = new HashMap<>();
        for (StoredEvent event : events) {
            Object result;
            try {
                result = subscription.envelope(event);
            } catch (RuntimeException poison) {
                result = new EventFailedException(event, poison);
            }
            decoded.put(event.eventId(), result);
        }
        return new Decoded(decoded);
    }

    /** @throws EventFailedException when the event is poison */
    @SuppressWarnings("unchecked")
    Optional<Envelope<DomainEvent>> envelope(StoredEvent event, Subscription subscription) {
        Object result = byEvent.get(event.eventId());
        if (result == null) {
            try {
                return subscription.envelope(event);
            } catch (RuntimeException poison) {
                throw new EventFailedException(event, poison);
            }
        }
        if (result instanceof EventFailedException poison) {
            throw poison;
        }
        return (Optional<Envelope<DomainEvent>>) result;
    }
}
