package io.eventshop.events;

import io.eventshop.events.EventMetadata;
import io.eventshop.events.StreamId;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * An event as it was recorded in its stream: what travels on the wire as a CloudEvent. The store's
 * coordinates (transaction id, global position) are not part of it; see {@link StoredEvent}.
 */
public record RecordedEvent(
        UUID eventId,
        StreamId streamId,
        int streamVersion,
        String type,
        int schemaVersion,
        String data,
        EventMetadata metadata,
        Instant occurredAt) {

    public RecordedEvent {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(streamId, "streamId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(occurredAt, "occurredAt");
        if (streamVersion < 1) {
            throw new IllegalArgumentException("stream versions start at 1, was " + streamVersion);
        }
    }
}
