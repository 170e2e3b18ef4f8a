package io.eventshop.events.codec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.eventshop.events.DomainEvent;
import io.eventshop.events.EventMetadata;
import io.eventshop.events.EventType;
import io.eventshop.events.NewEvent;
import io.eventshop.events.RecordedEvent;
import io.eventshop.events.UndecodableEventException;
import io.eventshop.events.UnknownEventTypeException;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

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

    // One reader per type, made once: binding then skips the mapper's per-call type and deserializer look-ups.
    private static final Map<String, ObjectReader> READERS = EventTypes.ALL.stream()
            .collect(Collectors.toUnmodifiableMap(EventType::name, type -> JSON.readerFor(type.javaType())));

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
        ObjectReader reader = READERS.get(type.name());
        try {
            if (recorded.schemaVersion() == type.schemaVersion()) {
                // The common case: bound as the text is read, no tree. A tree only for an older version's upcasters.
                return required(reader.<DomainEvent>readValue(recorded.data()), "payload");
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

    /** @throws UndecodableEventException when {@code json} is not valid metadata ({@link EventMetadata#read}) */
    public static EventMetadata readMetadata(String json) {
        return EventMetadata.read(json);
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
