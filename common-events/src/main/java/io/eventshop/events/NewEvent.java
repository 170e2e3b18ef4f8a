package io.eventshop.events;

import io.eventshop.events.EventMetadata;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.UUID;

/**
 * An event to append: everything but its stream coordinates, which the store assigns.
 *
 * @param data JSON text of the payload, stored byte for byte
 * @param occurredAt business time; truncated to microseconds, the store's precision, so that what
 *                   is read back equals what was written
 */
public record NewEvent(UUID eventId, String type, int schemaVersion, String data, EventMetadata metadata, Instant occurredAt) {

    public NewEvent {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(occurredAt, "occurredAt");
        occurredAt = occurredAt.truncatedTo(ChronoUnit.MICROS);
    }
}
