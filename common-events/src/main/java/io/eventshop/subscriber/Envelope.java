package io.eventshop.subscriber;

import io.eventshop.events.DomainEvent;
import io.eventshop.events.EventMetadata;
import io.eventshop.events.StreamId;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.RecordedEvent;
import java.util.Optional;
import java.time.Instant;

/** An event as a handler sees it: the payload in its current contract (upcast if stored older) and where it was recorded. */
public record Envelope<E extends DomainEvent>(RecordedEvent recorded, E payload, Checkpoint position) {

    /** An event as the broker delivered it: the wire does not carry the store position. */
    public Envelope(RecordedEvent recorded, E payload) {
        this(recorded, payload, null);
    }

    /**
     * Where the event stands in the store's order, when this event was read from the store (catch-up,
     * replay); empty when it came from the broker or a gap repair. A view that records positions looks
     * the others up by event id.
     */
    public Optional<Checkpoint> knownPosition() {
        return Optional.ofNullable(position);
    }

    public StreamId streamId() {
        return recorded.streamId();
    }

    public int streamVersion() {
        return recorded.streamVersion();
    }

    public EventMetadata metadata() {
        return recorded.metadata();
    }

    public Instant occurredAt() {
        return recorded.occurredAt();
    }
}
