package io.eventshop.subscriber;

import io.eventshop.events.DomainEvent;
import io.eventshop.events.EventMetadata;
import io.eventshop.events.RecordedEvent;
import io.eventshop.events.StreamId;
import io.eventshop.store.Checkpoint;
import java.time.Instant;
import java.util.Objects;

/**
 * An event as a handler sees it: the store's copy (never a message body), its payload in the current
 * contract (upcast if it was stored in an older schema version), and where it stands in the store.
 */
public record Envelope<E extends DomainEvent>(RecordedEvent recorded, E payload, Checkpoint position) {

    public Envelope {
        Objects.requireNonNull(recorded, "recorded");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(position, "position");
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
