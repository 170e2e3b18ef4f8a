package io.eventshop.wire;

import io.cloudevents.CloudEvent;
import io.cloudevents.CloudEventData;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.core.format.EventDeserializationException;
import io.cloudevents.jackson.JsonFormat;
import io.cloudevents.rw.CloudEventRWException;
import io.eventshop.events.schema.EventSchemas;
import io.eventshop.events.EventMetadata;
import io.eventshop.events.RecordedEvent;
import io.eventshop.events.StreamId;
import io.eventshop.events.UndecodableEventException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * A recorded event as a CloudEvents 1.0 document in structured JSON mode, and back, without loss.
 *
 * <p>Mapping (docs/architecture.md, "On the wire"): id = event id, source = producing service, type, subject =
 * stream id, time = occurred at, data = the payload as JSON, dataschema = its JSON Schema's id
 * ({@link EventSchemas#uri}); extensions {@code streamversion},
 * {@code schemaversion}, {@code correlationid}, {@code causationid}, {@code traceparent}, and
 * {@code actor} (DECISIONS.md 4: without it the metadata would not survive the trip). The golden
 * files under {@code src/test/resources/wire} pin this shape.
 */
public final class CloudEventCodec {

    /** The content type of a message body in structured mode. */
    public static final String CONTENT_TYPE = JsonFormat.CONTENT_TYPE;

    static final String STREAM_VERSION = "streamversion";
    static final String SCHEMA_VERSION = "schemaversion";
    static final String CORRELATION_ID = "correlationid";
    static final String CAUSATION_ID = "causationid";
    static final String TRACEPARENT = "traceparent";
    static final String ACTOR = "actor";

    private static final String JSON = "application/json";
    private static final JsonFormat FORMAT = new JsonFormat();

    private CloudEventCodec() {
    }

    public static CloudEvent toCloudEvent(RecordedEvent event) {
        EventMetadata metadata = event.metadata();
        CloudEventBuilder builder = CloudEventBuilder.v1()
                .withId(event.eventId().toString())
                .withSource(URI.create(metadata.source()))
                .withType(event.type())
                .withSubject(event.streamId().value())
                .withTime(event.occurredAt().atOffset(ZoneOffset.UTC))
                .withDataContentType(JSON)
                .withDataSchema(EventSchemas.uri(event.type(), event.schemaVersion()))
                .withData(event.data().getBytes(StandardCharsets.UTF_8))
                .withExtension(STREAM_VERSION, event.streamVersion())
                .withExtension(SCHEMA_VERSION, event.schemaVersion());
        withOptional(builder, CORRELATION_ID, metadata.correlationId());
        withOptional(builder, CAUSATION_ID, metadata.causationId());
        withOptional(builder, TRACEPARENT, metadata.traceparent());
        withOptional(builder, ACTOR, metadata.actor());
        return builder.build();
    }

    /** The message body: {@code application/cloudevents+json}. */
    public static byte[] encode(RecordedEvent event) {
        return FORMAT.serialize(toCloudEvent(event));
    }

    /**
     * Reads a message body.
     *
     * @throws UndecodableEventException when the body is not a CloudEvent or lacks what eventshop needs;
     *         the message names what is wrong, for the dead letter's reason
     */
    public static RecordedEvent decode(byte[] body) {
        return fromCloudEvent(read(body));
    }

    /**
     * Reads only what a message names: the event's id ({@code id}), stream ({@code subject}) and version
     * ({@code streamversion}). A subscriber applies the store's copy of that event, never the message's
     * type, data or metadata, so nothing else of a message is trusted or even needed.
     *
     * @throws UndecodableEventException when the body is not a CloudEvent or does not name an event
     */
    public static EventRef reference(byte[] body) {
        CloudEvent event = read(body);
        try {
            return new EventRef(canonicalUuid(required(event.getId(), "id")), StreamId.parse(required(event.getSubject(), "subject")),
                    number(event, STREAM_VERSION));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new UndecodableEventException("undecodable: CloudEvent " + event.getId() + " (" + event.getType()
                    + ") does not name an eventshop event: " + e.getMessage(), e);
        }
    }

    private static CloudEvent read(byte[] body) {
        CloudEvent cloudEvent;
        try {
            cloudEvent = FORMAT.deserialize(body);
        } catch (EventDeserializationException | CloudEventRWException | IllegalArgumentException e) {
            throw new UndecodableEventException("undecodable: not a structured CloudEvent: " + e.getMessage(), e);
        }
        if (cloudEvent == null) {
            throw new UndecodableEventException("undecodable: the body is JSON null, not a CloudEvent");
        }
        return cloudEvent;
    }

    public static RecordedEvent fromCloudEvent(CloudEvent event) {
        try {
            CloudEventData data = required(event.getData(), "data");
            EventMetadata metadata = new EventMetadata(
                    text(event, CORRELATION_ID), text(event, CAUSATION_ID), event.getSource().toString(),
                    text(event, TRACEPARENT), text(event, ACTOR));
            return new RecordedEvent(
                    canonicalUuid(event.getId()),
                    StreamId.parse(required(event.getSubject(), "subject")),
                    number(event, STREAM_VERSION),
                    event.getType(),
                    number(event, SCHEMA_VERSION),
                    new String(data.toBytes(), StandardCharsets.UTF_8),
                    metadata,
                    required(event.getTime(), "time").toInstant());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new UndecodableEventException("undecodable: CloudEvent " + event.getId() + " (" + event.getType()
                    + ") is not an eventshop event: " + e.getMessage(), e);
        }
    }

    // UUID.fromString accepts 1-2-3-4-5 and rewrites it: the id would not survive the trip, and
    // subscribers deduplicate by it.
    private static UUID canonicalUuid(String id) {
        UUID uuid = UUID.fromString(id);
        if (!uuid.toString().equalsIgnoreCase(id)) {
            throw new IllegalArgumentException("id '" + id + "' is not a canonical UUID");
        }
        return uuid;
    }

    private static void withOptional(CloudEventBuilder builder, String name, String value) {
        if (value != null) {
            builder.withExtension(name, value);
        }
    }

    private static String text(CloudEvent event, String name) {
        Object value = event.getExtension(name);
        return value == null ? null : value.toString();
    }

    // Extensions arrive as JSON numbers from our producers, but CloudEvents lets a hop turn them into strings.
    private static int number(CloudEvent event, String name) {
        Object value = required(event.getExtension(name), "extension " + name);
        return value instanceof Number n ? n.intValue() : Integer.parseInt(value.toString());
    }

    private static <T> T required(T value, String what) {
        if (value == null) {
            throw new IllegalArgumentException(what + " is missing");
        }
        return value;
    }
}
