package io.eventshop.events;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * An event as it was recorded in its stream: what travels on the wire as a CloudEvent. The store's
 * coordinates (transaction id, global position) are not part of it; see {@code StoredEvent}.
 *
 * <p>An event read from the store keeps its metadata as the stored JSON and parses it on the first
 * {@link #metadata()} (common-events/DECISIONS.md 58): most handlers never ask, and a replay need not
 * pay for it on every event. Equal, with the same hash and text, as a record of these eight
 * components would be.
 */
public final class RecordedEvent {

    private final UUID eventId;
    private final StreamId streamId;
    private final int streamVersion;
    private final String type;
    private final int schemaVersion;
    private final String data;
    private final String metadataJson;
    private final Instant occurredAt;
    // Parsed at most once per thread that races for it; an immutable record, so a racing reader sees it whole or not at all.
    private EventMetadata metadata;

    public RecordedEvent(UUID eventId, StreamId streamId, int streamVersion, String type, int schemaVersion, String data,
            EventMetadata metadata, Instant occurredAt) {
        this(eventId, streamId, streamVersion, type, schemaVersion, data, Objects.requireNonNull(metadata, "metadata"), null,
                occurredAt);
    }

    private RecordedEvent(UUID eventId, StreamId streamId, int streamVersion, String type, int schemaVersion, String data,
            EventMetadata metadata, String metadataJson, Instant occurredAt) {
        this.eventId = Objects.requireNonNull(eventId, "eventId");
        this.streamId = Objects.requireNonNull(streamId, "streamId");
        this.type = Objects.requireNonNull(type, "type");
        this.data = Objects.requireNonNull(data, "data");
        this.occurredAt = Objects.requireNonNull(occurredAt, "occurredAt");
        if (streamVersion < 1) {
            throw new IllegalArgumentException("stream versions start at 1, was " + streamVersion);
        }
        this.streamVersion = streamVersion;
        this.schemaVersion = schemaVersion;
        this.metadata = metadata;
        this.metadataJson = metadataJson;
    }

    /** An event as the store holds it: its metadata is the stored JSON, read when first asked for. */
    public static RecordedEvent stored(UUID eventId, StreamId streamId, int streamVersion, String type, int schemaVersion, String data,
            String metadataJson, Instant occurredAt) {
        return new RecordedEvent(eventId, streamId, streamVersion, type, schemaVersion, data, null,
                Objects.requireNonNull(metadataJson, "metadata"), occurredAt);
    }

    public UUID eventId() {
        return eventId;
    }

    public StreamId streamId() {
        return streamId;
    }

    public int streamVersion() {
        return streamVersion;
    }

    public String type() {
        return type;
    }

    public int schemaVersion() {
        return schemaVersion;
    }

    public String data() {
        return data;
    }

    /**
     * Who caused the event and how it links to others.
     *
     * @throws UndecodableEventException when the stored metadata is not valid (a row written around the store's API),
     *         every time it is asked for
     */
    public EventMetadata metadata() {
        EventMetadata parsed = metadata;
        if (parsed == null) {
            parsed = EventMetadata.read(metadataJson);
            metadata = parsed;
        }
        return parsed;
    }

    /**
     * The metadata, or empty when the stored JSON is not valid metadata: for the runtime's own use (trace context,
     * log fields), which does without it, rather than fail an event that no handler of it reads the metadata of.
     */
    public Optional<EventMetadata> readableMetadata() {
        try {
            return Optional.of(metadata());
        } catch (UndecodableEventException invalid) {
            return Optional.empty();
        }
    }

    public Instant occurredAt() {
        return occurredAt;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RecordedEvent that
                && eventId.equals(that.eventId) && streamId.equals(that.streamId) && streamVersion == that.streamVersion
                && type.equals(that.type) && schemaVersion == that.schemaVersion && data.equals(that.data)
                && comparableMetadata().equals(that.comparableMetadata()) && occurredAt.equals(that.occurredAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(eventId, streamId, streamVersion, type, schemaVersion, data, comparableMetadata(), occurredAt);
    }

    @Override
    public String toString() {
        return "RecordedEvent[eventId=" + eventId + ", streamId=" + streamId + ", streamVersion=" + streamVersion + ", type=" + type
                + ", schemaVersion=" + schemaVersion + ", data=" + data + ", metadata=" + comparableMetadata()
                + ", occurredAt=" + occurredAt + "]";
    }

    // Invalid metadata compares (and prints) as its stored text: equals must not throw.
    private Object comparableMetadata() {
        return readableMetadata().<Object>map(m -> m).orElse(metadataJson);
    }
}
