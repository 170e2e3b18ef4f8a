package io.eventshop.subscriber;

import io.eventshop.events.DomainEvent;
import io.eventshop.events.EventMetadata;
import io.eventshop.events.StreamId;
import io.eventshop.store.RecordedEvent;
import java.time.Instant;

/** An event as a handler sees it: the payload in its current contract (upcast if stored older) and where it was recorded. */
public record Envelope<E extends DomainEvent>(RecordedEvent recorded, E payload) {

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
