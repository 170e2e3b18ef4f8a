package io.eventshop.wire;

import io.eventshop.events.StreamId;
import java.util.Objects;
import java.util.UUID;

/**
 * What a broker message names: an event by its id, stream and version. A doorbell, never the truth:
 * the pipeline reads the event with this id at this place in the store and applies the store's copy,
 * or nothing at all when the store holds no such event.
 */
public record EventRef(UUID eventId, StreamId stream, int version) {

    public EventRef {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(stream, "stream");
        if (version < 1) {
            throw new IllegalArgumentException("stream versions start at 1, was " + version);
        }
    }

    @Override
    public String toString() {
        return stream + " version " + version + " (event " + eventId + ")";
    }
}
