package io.eventshop.store;

import io.eventshop.events.EventMetadata;
import io.eventshop.events.RecordedEvent;
import io.eventshop.events.StreamId;
import java.time.Instant;
import java.util.UUID;

/** A recorded event with its place in the store: readers of all events resume from {@link #position()}. */
public record StoredEvent(Checkpoint position, RecordedEvent event) {

    public UUID eventId() {
        return event.eventId();
    }

    public StreamId streamId() {
        return event.streamId();
    }

    public int streamVersion() {
        return event.streamVersion();
    }

    public String type() {
        return event.type();
    }

    public int schemaVersion() {
        return event.schemaVersion();
    }

    public String data() {
        return event.data();
    }

    public EventMetadata metadata() {
        return event.metadata();
    }

    public Instant occurredAt() {
        return event.occurredAt();
    }
}
