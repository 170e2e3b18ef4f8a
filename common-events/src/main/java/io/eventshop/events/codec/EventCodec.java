package io.eventshop.events.codec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.eventshop.events.DomainEvent;
import io.eventshop.events.EventMetadata;
import io.eventshop.events.EventType;
import io.eventshop.events.NewEvent;
import io.eventshop.events.RecordedEvent;
import io.eventshop.events.UndecodableEventException;
import io.eventshop.events.UnknownEventTypeException;
import java.time.Instant;
import java.util.UUID;

/**
 * Payloads and metadata to and from their stored JSON; older schema versions are upcast on read. Thread-safe and usable without CDI.
 *
 * <p>Unknown payload fields are ignored on read: a producer may add an optional field without
 * breaking consumers that do not know it yet. Anything else incompatible bumps the schema version
 * and gets an upcaster.
 */
public final class EventCodec {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private EventCodec() {
    }

    /** An event ready to append, with a fresh id. */
    public static NewEvent encode(DomainEvent event, EventMetadata metadata, Instant occurredAt) {
        return encode(UUID.randomUUID(), event, metadata, occurredAt);
    }

    public static NewEvent encode(UUID eventId, DomainEvent event, EventMetadata metadata, Instant occurredAt) {
        EventType<?> type = EventTypes.of(event.getClass());
        return new NewEvent(eventId, type.name(), type.schemaVersion(), write(event), metadata, occurredAt);
    }

    /**
     * The payload of a recorded event as its contract record.
     *
     * @throws UnknownEventTypeException if the type is not in {@link EventTypes}
     * @throws UndecodableEventException if the JSON does not fit the contract, or an older schema version has no
     *         upcaster ({@link Upcasters}) to the current one
     */
    public static DomainEvent decode(RecordedEvent recorded) {
        EventType<?> type = EventTypes.byName(recorded.type())
                .orElseThrow(() -> new UnknownEventTypeException(recorded.type()));
        try {
            if (recorded.schemaVersion() == type.schemaVersion()) {
                return required(JSON.readValue(recorded.data(), type.javaType()), "payload"); // the common case: no tree
            }
            JsonNode payload = Upcasters.toCurrent(recorded.type(), recorded.schemaVersion(), type.schemaVersion(),
                    JSON.readTree(recorded.data()));
            return required(JSON.treeToValue(payload, type.javaType()), "payload");
        } catch (JsonProcessingException | IllegalArgumentException | NullPointerException e) {
            throw new UndecodableEventException("payload of " + recorded.eventId() + " (" + recorded.type()
                    + ") does not fit its contract: " + rootMessage(e), e);
        }
    }

    public static String writeMetadata(EventMetadata metadata) {
        return write(metadata);
    }

    public static EventMetadata readMetadata(String json) {
        try {
            return required(JSON.readValue(json, EventMetadata.class), "metadata");
        } catch (JsonProcessingException | IllegalArgumentException | NullPointerException e) {
            throw new UndecodableEventException("event metadata is not valid: " + rootMessage(e), e);
        }
    }

    /** The shared mapper, configured as above; do not reconfigure it. */
    public static ObjectMapper json() {
        return JSON;
    }

    private static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    // readValue answers JSON null with null; an event without payload or metadata is not an event.
    private static <T> T required(T value, String what) {
        if (value == null) {
            throw new IllegalArgumentException(what + " is JSON null");
        }
        return value;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage();
    }
}
