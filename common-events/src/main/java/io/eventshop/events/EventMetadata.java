package io.eventshop.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Objects;
import java.util.UUID;

/**
 * What is known about an event besides its payload: who caused it and how it links to others.
 * Stored in the event's {@code metadata} column and carried as CloudEvents attributes on the wire.
 *
 * @param correlationId the id shared by every event of one business flow (an order's saga)
 * @param causationId   the id of the event or request that caused this one
 * @param source        the producing service, e.g. {@code order-service}; required
 * @param traceparent   the W3C trace context of the producing request, if traced
 * @param actor         the authenticated subject who asked for it, if any
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EventMetadata(
        @JsonProperty("correlation_id") String correlationId,
        @JsonProperty("causation_id") String causationId,
        @JsonProperty("source") String source,
        @JsonProperty("traceparent") String traceparent,
        @JsonProperty("actor") String actor) {

    // Its own reader, set as the codec's mapper is (unknown fields ignored), so that a stored event can read its metadata
    // lazily without the events package depending on the codec's.
    private static final ObjectReader READER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build()
            .readerFor(EventMetadata.class);

    public EventMetadata {
        Objects.requireNonNull(source, "source (the producing service) is required");
    }

    /** Metadata for the first event of a new flow: it correlates with itself. */
    public static EventMetadata startingFlow(String source, UUID flowId, String actor) {
        return new EventMetadata(flowId.toString(), null, source, null, actor);
    }

    /** Metadata for an event caused by {@code cause}: same correlation, caused by it. */
    public EventMetadata causedBy(UUID causeEventId, String newSource) {
        return new EventMetadata(correlationId, causeEventId.toString(), newSource, traceparent, actor);
    }

    /**
     * The metadata stored as {@code json} (snake_case names; unknown fields ignored).
     *
     * @throws UndecodableEventException when it is not JSON, JSON null, or lacks a source
     */
    public static EventMetadata read(String json) {
        try {
            EventMetadata metadata = READER.readValue(json);
            if (metadata == null) {
                throw new IllegalArgumentException("metadata is JSON null");
            }
            return metadata;
        } catch (JsonProcessingException | IllegalArgumentException | NullPointerException e) {
            throw new UndecodableEventException("event metadata is not valid: " + rootMessage(e), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage();
    }
}
