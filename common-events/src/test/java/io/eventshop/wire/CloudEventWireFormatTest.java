package io.eventshop.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.eventshop.events.EventMetadata;
import io.eventshop.events.EventType;
import io.eventshop.events.RecordedEvent;
import io.eventshop.events.StreamId;
import io.eventshop.events.codec.EventCodec;
import io.eventshop.events.codec.EventTypes;
import io.eventshop.wire.GoldenEvents.Golden;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CloudEvents wire format, pinned by one golden file per event type and schema version under
 * {@code src/test/resources/wire}. The files are fixed: these tests compare against them and never
 * regenerate them.
 */
class CloudEventWireFormatTest {

    private static final List<String> OPTIONAL_ATTRIBUTES = List.of("correlationid", "causationid", "traceparent", "actor");
    private static final String RFC_3339_UTC_MICROS = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z";

    static Stream<Golden> goldens() {
        return GoldenEvents.all().stream();
    }

    // --- every type is pinned -------------------------------------------------------------------

    @Test
    void every_event_type_has_a_golden_file() {
        assertThat(EventTypes.ALL).isNotEmpty();
        for (EventType<?> type : EventTypes.ALL) {
            String fileName = Golden.fileName(type.name(), type.schemaVersion());
            assertThat(WireJson.goldenBytes(fileName))
                    .as("golden file wire/%s for %s", fileName, type.javaType().getSimpleName())
                    .isNotNull();
        }
    }

    @Test
    void every_event_type_has_a_golden_event_so_every_golden_file_is_checked() {
        assertThat(GoldenEvents.all()).extracting(Golden::type)
                .containsExactlyElementsOf(EventTypes.ALL.stream().map(EventType::name).toList());
        List<Class<?>> payloadClasses = GoldenEvents.all().stream().<Class<?>>map(g -> g.payload().getClass()).toList();
        assertThat(payloadClasses)
                .containsExactlyElementsOf(EventTypes.ALL.stream().<Class<?>>map(EventType::javaType).toList());
    }

    @Test
    void every_golden_file_names_a_current_type_and_schema_version() throws IOException, URISyntaxException {
        URL dir = getClass().getResource("/wire");
        assertThat(dir).isNotNull();
        List<String> expected = EventTypes.ALL.stream()
                .map(t -> Golden.fileName(t.name(), t.schemaVersion())).toList();
        try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")))
                    .containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    // --- the golden files -----------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldens")
    void a_golden_file_is_a_structured_cloud_event_1_0_with_the_eventshop_attributes(Golden golden) {
        ObjectNode file = WireJson.goldenTree(golden.fileName());
        RecordedEvent expected = golden.recorded();

        assertThat(file.path("specversion").asText()).isEqualTo("1.0");
        assertThat(file.path("id").asText()).isEqualTo(expected.eventId().toString());
        assertThat(file.path("type").asText()).isEqualTo(golden.type());
        assertThat(file.path("source").asText()).isEqualTo(expected.metadata().source()).endsWith("-service");
        assertThat(file.path("subject").asText()).isEqualTo(golden.payload().streamId().value());
        assertThat(file.path("time").asText()).matches(RFC_3339_UTC_MICROS);
        assertThat(file.path("datacontenttype").asText()).isEqualTo("application/json");
        assertThat(file.path("streamversion").isInt()).as("streamversion is a JSON number").isTrue();
        assertThat(file.path("streamversion").intValue()).isEqualTo(expected.streamVersion());
        assertThat(file.path("schemaversion").isInt()).as("schemaversion is a JSON number").isTrue();
        assertThat(file.path("schemaversion").intValue()).isEqualTo(expected.schemaVersion());
        assertThat(file.path("data").isObject()).as("data is the payload as a JSON object").isTrue();
        assertThat(file.has("data_base64")).isFalse();
        for (String attribute : OPTIONAL_ATTRIBUTES) {
            if (file.has(attribute)) {
                assertThat(file.get(attribute).isTextual()).as("%s is a string", attribute).isTrue();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldens")
    void a_golden_file_decodes_to_its_recorded_event(Golden golden) {
        RecordedEvent decoded = CloudEventCodec.decode(WireJson.goldenBytes(golden.fileName()));

        assertThat(decoded).isEqualTo(golden.recorded());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldens")
    void the_recorded_event_of_a_golden_file_decodes_to_its_contract_record(Golden golden) {
        RecordedEvent decoded = CloudEventCodec.decode(WireJson.goldenBytes(golden.fileName()));

        assertThat(EventCodec.decode(decoded)).isEqualTo(golden.payload());
        assertThat(decoded.streamId()).isEqualTo(golden.payload().streamId());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldens")
    void encoding_the_recorded_event_gives_the_golden_file(Golden golden) {
        JsonNode encoded = WireJson.tree(CloudEventCodec.encode(golden.recorded()));

        assertThat(encoded).isEqualTo(WireJson.goldenTree(golden.fileName()));
    }

    // --- round trips ----------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldens")
    void a_recorded_event_with_every_metadata_field_round_trips_without_loss(Golden golden) {
        RecordedEvent original = withMetadata(golden.recorded(), new EventMetadata(
                UUID.randomUUID().toString(), UUID.randomUUID().toString(), "some-service",
                GoldenEvents.TRACEPARENT, "carol"));

        byte[] body = CloudEventCodec.encode(original);
        RecordedEvent decoded = CloudEventCodec.decode(body);

        assertThat(decoded).isEqualTo(original);
        assertThat(decoded.metadata()).hasNoNullFieldsOrProperties();
        JsonNode json = WireJson.tree(body);
        assertThat(json.path("correlationid").asText()).isEqualTo(original.metadata().correlationId());
        assertThat(json.path("causationid").asText()).isEqualTo(original.metadata().causationId());
        assertThat(json.path("traceparent").asText()).isEqualTo(GoldenEvents.TRACEPARENT);
        assertThat(json.path("actor").asText()).isEqualTo("carol");
        assertThat(json.path("source").asText()).isEqualTo("some-service");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldens")
    void a_recorded_event_with_only_a_source_round_trips_and_leaves_the_optional_attributes_out(Golden golden) {
        RecordedEvent original = withMetadata(golden.recorded(), new EventMetadata(null, null, "some-service", null, null));

        byte[] body = CloudEventCodec.encode(original);
        RecordedEvent decoded = CloudEventCodec.decode(body);

        assertThat(decoded).isEqualTo(original);
        assertThat(decoded.metadata()).isEqualTo(new EventMetadata(null, null, "some-service", null, null));
        JsonNode json = WireJson.tree(body);
        for (String attribute : OPTIONAL_ATTRIBUTES) {
            assertThat(json.has(attribute)).as("%s is absent, not null", attribute).isFalse();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "2025-03-14T10:00:00Z", "2025-03-14T10:00:00.120Z", "2025-03-14T10:00:00.000001Z",
            "1999-12-31T23:59:59.999999Z", "2038-01-19T03:14:08.5Z"})
    void the_time_survives_the_trip_to_the_microsecond_whatever_its_trailing_zeros(String time) {
        Golden golden = GoldenEvents.of("io.eventshop.order.confirmed");
        RecordedEvent original = GoldenEvents.recorded(UUID.randomUUID(), golden.payload(), 2,
                golden.recorded().metadata(), Instant.parse(time));

        RecordedEvent decoded = CloudEventCodec.decode(CloudEventCodec.encode(original));

        assertThat(decoded.occurredAt()).isEqualTo(Instant.parse(time));
        assertThat(decoded).isEqualTo(original);
    }

    @Test
    void a_recorded_event_at_a_high_stream_version_round_trips() {
        Golden golden = GoldenEvents.of("io.eventshop.product.stock-replenished");
        RecordedEvent original = new RecordedEvent(UUID.randomUUID(), StreamId.parse("product-SKU-1"),
                Integer.MAX_VALUE, golden.type(), 1, golden.recorded().data(), golden.recorded().metadata(),
                golden.recorded().occurredAt());

        assertThat(CloudEventCodec.decode(CloudEventCodec.encode(original))).isEqualTo(original);
    }

    @Test
    void a_stream_version_turned_into_a_string_by_a_hop_still_decodes() {
        Golden golden = GoldenEvents.of("io.eventshop.order.placed");
        ObjectNode file = WireJson.goldenTree(golden.fileName());
        file.put("streamversion", "1");
        file.put("schemaversion", "1");

        assertThat(CloudEventCodec.decode(WireJson.bytes(file))).isEqualTo(golden.recorded());
    }

    @Test
    void the_message_body_is_structured_cloud_events_json() {
        assertThat(CloudEventCodec.CONTENT_TYPE).isEqualTo("application/cloudevents+json");
    }

    private static RecordedEvent withMetadata(RecordedEvent event, EventMetadata metadata) {
        return new RecordedEvent(event.eventId(), event.streamId(), event.streamVersion(), event.type(),
                event.schemaVersion(), event.data(), metadata, event.occurredAt());
    }

    // --- messages from older producers ----------------------------------------------------------

    @Test
    void a_version_1_order_cancelled_message_from_an_older_producer_reads_as_the_current_contract() throws IOException {
        byte[] body;
        try (var in = getClass().getResourceAsStream("/wire-legacy/io.eventshop.order.cancelled.v1.json")) {
            assertThat(in).as("legacy golden file").isNotNull();
            body = in.readAllBytes();
        }

        RecordedEvent received = CloudEventCodec.decode(body);

        assertThat(received.schemaVersion()).isEqualTo(1);
        assertThat(EventCodec.decode(received)).isEqualTo(GoldenEvents.of("io.eventshop.order.cancelled").payload());
    }
}
