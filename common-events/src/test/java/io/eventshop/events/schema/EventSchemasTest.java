package io.eventshop.events.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.eventshop.events.EventType;
import io.eventshop.events.codec.EventTypes;
import io.eventshop.events.order.OrderPlaced;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The schemas are generated from the contract records and agree with the pinned wire format: every golden file's
 * data has exactly the properties its schema names, of the kinds it names. (Real stored events are checked
 * against the served schemas with ajv in system-tests' ContractsTest.)
 */
class EventSchemasTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<EventType<?>> types() {
        return EventTypes.ALL.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("types")
    void every_type_has_a_draft_7_schema_whose_id_is_its_dataschema(EventType<?> type) {
        ObjectNode schema = EventSchemas.of(type);

        assertThat(schema.path("$schema").asText()).isEqualTo("http://json-schema.org/draft-07/schema#");
        assertThat(schema.path("$id").asText())
                .isEqualTo("https://eventshop.io/events/schemas/" + type.name() + "/" + type.schemaVersion())
                .isEqualTo(EventSchemas.uri(type.name(), type.schemaVersion()).toString());
        assertThat(EventSchemas.of(type.name(), type.schemaVersion())).contains(schema);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("types")
    void the_golden_events_data_fits_its_schema_exactly(EventType<?> type) throws IOException {
        JsonNode golden = golden(type);
        ObjectNode schema = EventSchemas.of(type);

        List<String> mismatches = new ArrayList<>();
        fits(schema, schema, golden.path("data"), "data", mismatches);

        assertThat(mismatches).isEmpty();
        assertThat(golden.path("dataschema").asText()).isEqualTo(schema.path("$id").asText());
    }

    @Test
    void a_record_component_is_a_required_property_and_a_nested_record_a_definition() {
        ObjectNode schema = EventSchemas.of(EventTypes.of(OrderPlaced.class));

        assertThat(schema.path("required")).extracting(JsonNode::asText).containsExactly("orderId", "shopperId", "lines", "total");
        assertThat(schema.at("/properties/orderId/format").asText()).isEqualTo("uuid");
        assertThat(schema.at("/properties/lines/items/$ref").asText()).isEqualTo("#/definitions/OrderLine");
        assertThat(schema.at("/definitions/Money/properties/amount/type").asText()).isEqualTo("integer");
    }

    @Test
    void a_version_that_is_not_written_has_no_schema() {
        assertThat(EventSchemas.of("io.eventshop.order.cancelled", 1)).isEmpty();
        assertThat(EventSchemas.of("io.eventshop.order.shipped", 1)).isEmpty();
    }

    @Test
    void a_contract_that_is_not_a_record_has_no_schema() {
        record WithAnObject(UUID id, Object anything) implements io.eventshop.events.DomainEvent {
            @Override
            public io.eventshop.events.StreamId streamId() {
                return io.eventshop.events.StreamId.of("test", id);
            }
        }
        assertThatThrownBy(() -> EventSchemas.generate(new EventType<>("io.eventshop.test.odd", 1, WithAnObject.class)))
                .hasMessageContaining("no JSON Schema for java.lang.Object");
    }

    // A structural check, enough for what the generator writes: objects with exactly their properties, arrays,
    // enums and plain kinds. Full JSON Schema validation of real events (ajv) is in system-tests.
    private static void fits(ObjectNode root, JsonNode schema, JsonNode value, String path, List<String> mismatches) {
        if (schema.has("$ref")) {
            fits(root, root.at(schema.get("$ref").asText().substring(1)), value, path, mismatches);
            return;
        }
        String kind = schema.path("type").asText();
        switch (kind) {
            case "object" -> {
                if (!value.isObject()) {
                    mismatches.add(path + " is not an object");
                    return;
                }
                List<String> named = new ArrayList<>();
                schema.path("properties").fieldNames().forEachRemaining(named::add);
                List<String> present = new ArrayList<>();
                value.fieldNames().forEachRemaining(present::add);
                if (!named.equals(present)) {
                    mismatches.add(path + " has " + present + ", the schema names " + named);
                }
                named.forEach(name -> fits(root, schema.path("properties").path(name), value.path(name), path + "." + name, mismatches));
            }
            case "array" -> {
                if (!value.isArray()) {
                    mismatches.add(path + " is not an array");
                    return;
                }
                for (int i = 0; i < value.size(); i++) {
                    fits(root, schema.path("items"), value.get(i), path + "[" + i + "]", mismatches);
                }
            }
            case "string" -> {
                if (!value.isTextual()) {
                    mismatches.add(path + " is not a string");
                } else if (schema.has("enum") && !schema.get("enum").toString().contains("\"" + value.asText() + "\"")) {
                    mismatches.add(path + " = " + value + " is not one of " + schema.get("enum"));
                }
            }
            case "integer" -> {
                if (!value.isIntegralNumber()) {
                    mismatches.add(path + " is not an integer");
                }
            }
            default -> mismatches.add(path + ": unexpected schema kind '" + kind + "'");
        }
    }

    private static JsonNode golden(EventType<?> type) throws IOException {
        try (InputStream in = EventSchemasTest.class.getResourceAsStream("/wire/" + type.name() + ".v" + type.schemaVersion() + ".json")) {
            assertThat(in).as("golden file for %s", type.name()).isNotNull();
            return JSON.readTree(in);
        }
    }
}
