package io.eventshop.events.schema;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.eventshop.events.EventType;
import io.eventshop.events.codec.EventTypes;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The JSON Schema (draft-07) of each event type's payload at the schema version this code writes, generated from
 * its contract record: one property per record component, all required (the records refuse nulls), nested records
 * as {@code definitions}, enums as {@code enum}, UUIDs as {@code format: uuid}. Unknown properties are allowed,
 * as the decoder ignores them: adding an optional field is not a new version (EventCodec).
 *
 * <p>A schema's {@code $id} is {@code https://eventshop.io/events/schemas/<type>/<version>}, an identifier that does not
 * depend on where a service runs; each producing service serves it under the same path (DECISIONS.md). The REST side is in {@code io.eventshop.contracts}.
 * Pure and thread-safe; schemas are built once.
 */
public final class EventSchemas {

    /** The base of every schema's {@code $id} and of the CloudEvents {@code dataschema}. */
    public static final String BASE = "https://eventshop.io/events/schemas/";
    static final String DIALECT = "http://json-schema.org/draft-07/schema#";

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Map<String, ObjectNode> BY_ID = EventTypes.ALL.stream()
            .collect(Collectors.toUnmodifiableMap(type -> uri(type.name(), type.schemaVersion()).toString(), EventSchemas::generate));

    private EventSchemas() {
    }

    /** The {@code dataschema} of an event of {@code type} written at {@code schemaVersion}. */
    public static URI uri(String type, int schemaVersion) {
        return URI.create(BASE + type + "/" + schemaVersion);
    }

    /** The schema of {@code type} at {@code schemaVersion}, if this code writes that version (a copy: change it freely). */
    public static Optional<ObjectNode> of(String type, int schemaVersion) {
        return Optional.ofNullable(BY_ID.get(uri(type, schemaVersion).toString())).map(ObjectNode::deepCopy);
    }

    /** The schema of an event kind as written now. */
    public static ObjectNode of(EventType<?> type) {
        return BY_ID.get(uri(type.name(), type.schemaVersion()).toString()).deepCopy();
    }

    static ObjectNode generate(EventType<?> type) {
        ObjectNode schema = JSON.objectNode();
        schema.put("$schema", DIALECT);
        schema.put("$id", uri(type.name(), type.schemaVersion()).toString());
        schema.put("title", type.name() + " v" + type.schemaVersion());
        ObjectNode definitions = JSON.objectNode();
        schema.setAll(object(type.javaType(), definitions));
        if (!definitions.isEmpty()) {
            schema.set("definitions", definitions);
        }
        return schema;
    }

    private static ObjectNode object(Class<?> record, ObjectNode definitions) {
        if (!record.isRecord()) {
            throw new IllegalArgumentException(record.getName() + " is not a record: contracts are records");
        }
        ObjectNode schema = JSON.objectNode().put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        ArrayNode required = schema.putArray("required");
        for (RecordComponent component : record.getRecordComponents()) {
            properties.set(component.getName(), value(component.getGenericType(), definitions));
            required.add(component.getName());
        }
        return schema;
    }

    private static ObjectNode value(Type type, ObjectNode definitions) {
        if (type instanceof ParameterizedType list && list.getRawType() == List.class) {
            ObjectNode array = JSON.objectNode().put("type", "array");
            array.set("items", value(list.getActualTypeArguments()[0], definitions));
            return array;
        }
        if (!(type instanceof Class<?> java)) {
            throw new IllegalArgumentException("no JSON Schema for " + type + ": use a record, an enum, a List or a plain value");
        }
        if (java == String.class) {
            return JSON.objectNode().put("type", "string");
        }
        if (java == UUID.class) {
            return JSON.objectNode().put("type", "string").put("format", "uuid");
        }
        if (java == int.class || java == long.class) {
            return JSON.objectNode().put("type", "integer");
        }
        if (java == boolean.class) {
            return JSON.objectNode().put("type", "boolean");
        }
        if (java.isEnum()) {
            ObjectNode enumeration = JSON.objectNode().put("type", "string");
            ArrayNode values = enumeration.putArray("enum");
            for (Object constant : java.getEnumConstants()) {
                values.add(((Enum<?>) constant).name());
            }
            return enumeration;
        }
        if (java.isRecord()) {
            String name = java.getSimpleName();
            if (!definitions.has(name)) {
                definitions.putObject(name); // placeholder first: a record that contains itself must not recurse for ever
                definitions.set(name, object(java, definitions));
            }
            return JSON.objectNode().put("$ref", "#/definitions/" + name);
        }
        throw new IllegalArgumentException("no JSON Schema for " + java.getName() + ": use a record, an enum, a List or a plain value");
    }

    /** Every schema this code writes, by event type, in {@link EventTypes#ALL}'s order. */
    public static Map<EventType<?>, ObjectNode> all() {
        return EventTypes.ALL.stream().collect(Collectors.toMap(Function.identity(), EventSchemas::of,
                (a, b) -> a, java.util.LinkedHashMap::new));
    }
}
