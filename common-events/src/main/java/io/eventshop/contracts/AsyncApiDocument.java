package io.eventshop.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.eventshop.events.EventType;
import io.eventshop.events.codec.EventTypes;
import io.eventshop.events.schema.EventSchemas;
import io.eventshop.wire.CloudEventCodec;
import io.eventshop.wire.Exchanges;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The AsyncAPI 3.0 document of one service: a channel per category it publishes or reads (the fanout exchange
 * {@code eventshop.<category>}), a {@code send} operation per published category (its relay), a {@code receive}
 * operation per subscriber and category with the types that subscriber handles, and a message per event type whose
 * payload is the structured CloudEvent with {@code data} as the type's generated JSON Schema ({@link EventSchemas}).
 * Built from the code's own tables (EventTypes, the relay's categories, the subscriptions), never kept by hand.
 */
public final class AsyncApiDocument {

    /** A subscriber of the service: a view or a reactor, with the categories it reads and the types it handles. */
    public record Consumer(String name, List<String> categories, Collection<String> handledTypes) {
    }

    static final String AMQP_BINDING = "0.3.0";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final String DEFINITIONS = "#/definitions/";
    private static final String COMPONENT_SCHEMAS = "#/components/schemas/";

    private AsyncApiDocument() {
    }

    /**
     * @param service   the service's name, e.g. {@code order-service}
     * @param version   the API's version (the OpenAPI document's)
     * @param publishes the categories its relay publishes
     * @param consumers its subscribers
     */
    public static ObjectNode of(String service, String version, Collection<String> publishes, Collection<Consumer> consumers) {
        ObjectNode document = JSON.objectNode().put("asyncapi", "3.0.0");
        ObjectNode info = document.putObject("info")
                .put("title", "eventshop " + service + " events")
                .put("version", version)
                .put("description", "What " + service + " announces and reads on RabbitMQ. A message is a doorbell: subscribers"
                        + " apply the store's copy of the event it names (id, subject, streamversion). Bodies are structured"
                        + " CloudEvents 1.0; AMQP properties: content_type " + CloudEventCodec.CONTENT_TYPE
                        + ", message_id = id, type = type, timestamp = time, delivery_mode 2 (persistent).");
        info.putArray("tags").addObject().put("name", service);
        document.put("defaultContentType", CloudEventCodec.CONTENT_TYPE);

        SortedSet<String> categories = new TreeSet<>(publishes);
        consumers.forEach(consumer -> categories.addAll(consumer.categories()));
        ObjectNode channels = document.putObject("channels");
        ObjectNode operations = document.putObject("operations");
        ObjectNode components = document.putObject("components");
        ObjectNode messages = components.putObject("messages");
        ObjectNode schemas = components.putObject("schemas");
        schemas.set("CloudEvent", cloudEvent());

        for (String category : categories) {
            ObjectNode channel = channels.putObject(category)
                    .put("address", Exchanges.forCategory(category))
                    .put("title", "Events of " + category + "-<id> streams")
                    .put("description", "The durable fanout exchange " + Exchanges.forCategory(category)
                            + "; each subscriber binds a queue <subscriber>." + category + " to it.");
            ObjectNode channelMessages = channel.putObject("messages");
            for (EventType<?> type : typesOf(category)) {
                channelMessages.putObject(type.name()).put("$ref", "#/components/messages/" + type.name());
                messages.set(type.name(), message(type, schemas));
            }
            channel.putObject("bindings").set("amqp", JSON.objectNode().put("is", "routingKey")
                    .put("bindingVersion", AMQP_BINDING)
                    .set("exchange", JSON.objectNode().put("name", Exchanges.forCategory(category)).put("type", "fanout")
                            .put("durable", true).put("autoDelete", false).put("vhost", "/")));
        }
        for (String category : new TreeSet<>(publishes)) {
            ObjectNode send = operations.putObject("publish." + category)
                    .put("action", "send")
                    .put("summary", service + "'s relay announces each committed event of " + category + "-<id> streams, in store order");
            send.putObject("channel").put("$ref", "#/channels/" + category);
            ArrayNode sent = send.putArray("messages");
            typesOf(category).forEach(type -> sent.addObject().put("$ref", "#/channels/" + category + "/messages/" + type.name()));
            send.putObject("bindings").set("amqp", JSON.objectNode().put("deliveryMode", 2).put("mandatory", false)
                    .put("timestamp", true).put("bindingVersion", AMQP_BINDING));
        }
        consumers.stream().sorted(java.util.Comparator.comparing(Consumer::name)).forEach(consumer -> {
            for (String category : consumer.categories()) {
                List<EventType<?>> handled = typesOf(category).stream().filter(type -> consumer.handledTypes().contains(type.name())).toList();
                if (handled.isEmpty()) {
                    continue;
                }
                ObjectNode receive = operations.putObject(consumer.name() + "." + category)
                        .put("action", "receive")
                        .put("summary", consumer.name() + " reads " + category + " events from its queue "
                                + consumer.name() + "." + category);
                receive.putObject("channel").put("$ref", "#/channels/" + category);
                ArrayNode received = receive.putArray("messages");
                handled.forEach(type -> received.addObject().put("$ref", "#/channels/" + category + "/messages/" + type.name()));
                receive.putObject("bindings").set("amqp", JSON.objectNode().put("ack", true).put("bindingVersion", AMQP_BINDING));
            }
        });
        return document;
    }

    /** The event types announced on {@code category}'s exchange: {@code io.eventshop.<category>.*}. */
    public static List<EventType<?>> typesOf(String category) {
        return EventTypes.ALL.stream().filter(type -> type.name().startsWith("io.eventshop." + category + ".")).toList();
    }

    private static ObjectNode message(EventType<?> type, ObjectNode schemas) {
        ObjectNode data = EventSchemas.of(type);
        String id = data.remove("$id").asText();
        data.remove("$schema");
        JsonNode definitions = data.remove("definitions");
        if (definitions != null) {
            definitions.properties().forEach(entry -> schemas.set(entry.getKey(), components(entry.getValue())));
        }
        String dataName = type.name() + ".v" + type.schemaVersion();
        ObjectNode payloadData = components(data);
        payloadData.put("description", "JSON Schema " + id);
        schemas.set(dataName, payloadData);

        ObjectNode message = JSON.objectNode()
                .put("name", type.name())
                .put("title", type.name() + " (schema version " + type.schemaVersion() + ")")
                .put("contentType", CloudEventCodec.CONTENT_TYPE);
        message.putObject("correlationId").put("description", "The flow this event belongs to")
                .put("location", "$message.payload#/correlationid");
        ObjectNode payload = message.putObject("payload");
        ArrayNode allOf = payload.putArray("allOf");
        allOf.addObject().put("$ref", COMPONENT_SCHEMAS + "CloudEvent");
        ObjectNode specific = allOf.addObject();
        ObjectNode properties = specific.putObject("properties");
        properties.putObject("type").put("const", type.name());
        properties.putObject("schemaversion").put("const", type.schemaVersion());
        properties.putObject("dataschema").put("const", id);
        properties.putObject("data").put("$ref", COMPONENT_SCHEMAS + dataName);
        message.putObject("bindings").set("amqp", JSON.objectNode().put("messageType", type.name()).put("bindingVersion", AMQP_BINDING));
        return message;
    }

    // The generated schema refers to its records under #/definitions; in this document they are components.
    private static ObjectNode components(JsonNode schema) {
        ObjectNode copy = (ObjectNode) schema.deepCopy();
        rewriteReferences(copy);
        return copy;
    }

    private static void rewriteReferences(JsonNode node) {
        if (node instanceof ObjectNode object) {
            JsonNode ref = object.get("$ref");
            if (ref != null && ref.isTextual() && ref.asText().startsWith(DEFINITIONS)) {
                object.put("$ref", COMPONENT_SCHEMAS + ref.asText().substring(DEFINITIONS.length()));
            }
            for (Iterator<Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext(); ) {
                rewriteReferences(fields.next().getValue());
            }
        } else if (node instanceof ArrayNode array) {
            array.forEach(AsyncApiDocument::rewriteReferences);
        }
    }

    // The envelope CloudEventCodec writes (structured JSON mode); the data and the per-type constants come per message.
    private static ObjectNode cloudEvent() {
        ObjectNode schema = JSON.objectNode().put("type", "object")
                .put("description", "A CloudEvents 1.0 event in structured JSON mode, as CloudEventCodec writes it");
        ObjectNode properties = schema.putObject("properties");
        properties.putObject("specversion").put("const", "1.0");
        properties.putObject("id").put("type", "string").put("format", "uuid").put("description", "The event's id in the store");
        properties.putObject("source").put("type", "string").put("format", "uri-reference").put("description", "The producing service");
        properties.putObject("type").put("type", "string");
        properties.putObject("subject").put("type", "string").put("description", "The stream, <category>-<id>");
        properties.putObject("time").put("type", "string").put("format", "date-time").put("description", "When it occurred");
        properties.putObject("datacontenttype").put("const", "application/json");
        properties.putObject("dataschema").put("type", "string").put("format", "uri").put("description", "The JSON Schema of data");
        properties.putObject("data").put("type", "object");
        properties.putObject("streamversion").put("type", "integer").put("minimum", 1).put("description", "Its version in its stream");
        properties.putObject("schemaversion").put("type", "integer").put("minimum", 1).put("description", "The version of its data's schema");
        properties.putObject("correlationid").put("type", "string").put("description", "The flow it belongs to");
        properties.putObject("causationid").put("type", "string").put("description", "The event or request that caused it");
        properties.putObject("traceparent").put("type", "string").put("description", "W3C trace context of the producing request");
        properties.putObject("actor").put("type", "string").put("description", "The authenticated subject who asked for it");
        ArrayNode required = schema.putArray("required");
        List.of("specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema", "data", "streamversion",
                "schemaversion").forEach(required::add);
        return schema;
    }
}
