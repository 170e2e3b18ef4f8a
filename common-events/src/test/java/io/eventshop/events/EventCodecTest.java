package io.eventshop.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.eventshop.events.codec.EventCodec;
import io.eventshop.events.codec.EventTypes;
import io.eventshop.events.order.OrderCancelled;
import io.eventshop.events.order.OrderConfirmed;
import io.eventshop.events.order.OrderLine;
import io.eventshop.events.order.OrderPlaced;
import io.eventshop.events.order.OrderRejected;
import io.eventshop.events.product.ProductAdded;
import io.eventshop.events.product.ProductPriceChanged;
import io.eventshop.events.product.StockReplenished;
import io.eventshop.events.reservation.LineRejection;
import io.eventshop.events.reservation.ReservedLine;
import io.eventshop.events.reservation.StockReleased;
import io.eventshop.events.reservation.StockReservationRejected;
import io.eventshop.events.reservation.StockReserved;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class EventCodecTest {

    private static final Instant AT = Instant.parse("2025-03-15T17:45:12.654321Z");
    private static final EventMetadata METADATA = new EventMetadata(
            UUID.randomUUID().toString(), UUID.randomUUID().toString(), "order-service",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "alice");

    /** One event of every type in {@link EventTypes#ALL}. */
    static Stream<DomainEvent> oneEventOfEachType() {
        UUID orderId = UUID.randomUUID();
        var rejections = List.of(
                new LineRejection("SKU-2", LineRejection.Reason.INSUFFICIENT_STOCK, 5, 3),
                new LineRejection("SKU-404", LineRejection.Reason.UNKNOWN_SKU, 1, 0));
        var reserved = List.of(new ReservedLine("SKU-1", 2), new ReservedLine("SKU-2", 1));
        return Stream.of(
                new ProductAdded("SKU-1", "Tasse à café", Money.of(1299, "EUR"), 0),
                new ProductPriceChanged("SKU-1", Money.of(1499, "EUR")),
                new StockReplenished("SKU-1", 25),
                new OrderPlaced(orderId, "alice", List.of(new OrderLine("SKU-1", 2, Money.of(1499, "EUR"))),
                        Money.of(2998, "EUR")),
                new OrderConfirmed(orderId),
                new OrderRejected(orderId, rejections),
                new OrderCancelled(orderId, OrderCancelled.CancelledBy.SHOPPER),
                new StockReserved(orderId, reserved),
                new StockReservationRejected(orderId, rejections),
                new StockReleased(orderId, reserved));
    }

    @Test
    void the_samples_cover_every_event_type() {
        List<EventType<?>> types = oneEventOfEachType().<EventType<?>>map(e -> EventTypes.of(e.getClass())).toList();
        assertThat(types).containsExactlyElementsOf(EventTypes.ALL);
    }

    // --- encode ---------------------------------------------------------------------------------

    @Test
    void a_product_event_encodes_to_its_type_schema_version_and_payload_json() throws Exception {
        UUID eventId = UUID.randomUUID();

        NewEvent encoded = EventCodec.encode(eventId, new ProductAdded("SKU-7", "Mug", Money.of(899, "USD"), 12),
                METADATA, AT);

        assertThat(encoded.eventId()).isEqualTo(eventId);
        assertThat(encoded.type()).isEqualTo("io.eventshop.product.added");
        assertThat(encoded.schemaVersion()).isEqualTo(1);
        assertThat(encoded.metadata()).isEqualTo(METADATA);
        assertThat(encoded.occurredAt()).isEqualTo(AT);
        assertThat(EventCodec.json().readTree(encoded.data())).isEqualTo(EventCodec.json().readTree("""
                {"sku": "SKU-7", "name": "Mug", "price": {"amount": 899, "currency": "USD"}, "initialStock": 12}"""));
    }

    @Test
    void an_order_event_encodes_its_lines_and_money_as_json() throws Exception {
        UUID orderId = UUID.randomUUID();
        var placed = new OrderPlaced(orderId, "alice",
                List.of(new OrderLine("SKU-1", 2, Money.of(1499, "EUR")), new OrderLine("SKU-2", 1, Money.of(500, "EUR"))),
                Money.of(3498, "EUR"));

        NewEvent encoded = EventCodec.encode(placed, METADATA, AT);

        assertThat(encoded.type()).isEqualTo("io.eventshop.order.placed");
        assertThat(EventCodec.json().readTree(encoded.data())).isEqualTo(EventCodec.json().readTree("""
                {"orderId": "%s", "shopperId": "alice",
                 "lines": [{"sku": "SKU-1", "quantity": 2, "unitPrice": {"amount": 1499, "currency": "EUR"}},
                           {"sku": "SKU-2", "quantity": 1, "unitPrice": {"amount": 500, "currency": "EUR"}}],
                 "total": {"amount": 3498, "currency": "EUR"}}""".formatted(orderId)));
    }

    @Test
    void a_reservation_event_encodes_rejection_reasons_by_name() throws Exception {
        UUID orderId = UUID.randomUUID();
        var rejected = new StockReservationRejected(orderId,
                List.of(new LineRejection("SKU-9", LineRejection.Reason.UNKNOWN_SKU, 4, 0)));

        NewEvent encoded = EventCodec.encode(rejected, METADATA, AT);

        assertThat(encoded.type()).isEqualTo("io.eventshop.reservation.stock-reservation-rejected");
        assertThat(EventCodec.json().readTree(encoded.data())).isEqualTo(EventCodec.json().readTree("""
                {"orderId": "%s",
                 "rejections": [{"sku": "SKU-9", "reason": "UNKNOWN_SKU", "requested": 4, "available": 0}]}"""
                .formatted(orderId)));
    }

    @Test
    void encoding_without_an_id_gives_each_event_a_fresh_one() {
        var event = new OrderConfirmed(UUID.randomUUID());

        NewEvent first = EventCodec.encode(event, METADATA, AT);
        NewEvent second = EventCodec.encode(event, METADATA, AT);

        assertThat(first.eventId()).isNotNull().isNotEqualTo(second.eventId());
        assertThat(first.data()).isEqualTo(second.data());
    }

    @Test
    void an_event_class_not_listed_in_event_types_cannot_be_encoded() {
        record Unlisted(String sku) implements DomainEvent {
            @Override
            public StreamId streamId() {
                return StreamId.of("product", sku);
            }
        }

        assertThatThrownBy(() -> EventCodec.encode(new Unlisted("SKU-1"), METADATA, AT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Unlisted")
                .hasMessageContaining("EventTypes.ALL");
    }

    @Test
    void the_occurred_at_time_is_truncated_to_microseconds_the_stores_precision() {
        Instant withNanos = Instant.parse("2025-03-15T17:45:12.654321987Z");

        NewEvent encoded = EventCodec.encode(new OrderCancelled(UUID.randomUUID(), OrderCancelled.CancelledBy.ADMIN), METADATA, withNanos);

        assertThat(encoded.occurredAt()).isEqualTo(Instant.parse("2025-03-15T17:45:12.654321Z"));
        assertThat(new NewEvent(UUID.randomUUID(), "io.eventshop.order.cancelled", 1, "{}", METADATA, withNanos)
                .occurredAt()).isEqualTo(Instant.parse("2025-03-15T17:45:12.654321Z"));
    }

    // --- decode ---------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("oneEventOfEachType")
    void every_event_type_decodes_to_the_record_it_was_encoded_from(DomainEvent event) {
        RecordedEvent recorded = recorded(EventCodec.encode(event, METADATA, AT), event.streamId());

        DomainEvent decoded = EventCodec.decode(recorded);

        assertThat(decoded).isEqualTo(event).isInstanceOf(event.getClass());
        assertThat(decoded.streamId()).isEqualTo(event.streamId());
    }

    @Test
    void an_unknown_type_is_reported_as_unknown_with_its_name() {
        RecordedEvent recorded = recorded("io.eventshop.order.teleported", 1, "{\"orderId\":\"%s\"}".formatted(UUID.randomUUID()));

        UnknownEventTypeException thrown = catchThrowableOfType(UnknownEventTypeException.class,
                () -> EventCodec.decode(recorded));

        assertThat(thrown).isNotNull().hasMessageContaining("io.eventshop.order.teleported");
        assertThat(thrown.type()).isEqualTo("io.eventshop.order.teleported");
    }

    @Test
    void a_version_1_order_cancelled_is_upcast_to_the_current_contract() {
        UUID orderId = UUID.randomUUID();
        RecordedEvent recorded = recorded("io.eventshop.order.cancelled", 1, "{\"orderId\":\"%s\"}".formatted(orderId));

        assertThat(EventCodec.decode(recorded))
                .isEqualTo(new OrderCancelled(orderId, OrderCancelled.CancelledBy.SHOPPER));
    }

    @Test
    void the_current_order_cancelled_is_read_as_written_and_not_upcast() {
        UUID orderId = UUID.randomUUID();
        RecordedEvent recorded = recorded("io.eventshop.order.cancelled", 2,
                "{\"orderId\":\"%s\",\"cancelledBy\":\"ADMIN\"}".formatted(orderId));

        assertThat(EventCodec.decode(recorded)).isEqualTo(new OrderCancelled(orderId, OrderCancelled.CancelledBy.ADMIN));
    }

    @Test
    void a_version_1_payload_that_is_not_an_object_is_undecodable_not_a_crash() {
        RecordedEvent recorded = recorded("io.eventshop.order.cancelled", 1, "[1,2]");

        assertThatThrownBy(() -> EventCodec.decode(recorded))
                .isInstanceOf(UndecodableEventException.class)
                .hasMessageContaining("not a JSON object");
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 0, 7})
    void a_schema_version_this_code_does_not_read_is_undecodable_and_the_reason_names_both_versions(int version) {
        RecordedEvent recorded = recorded("io.eventshop.product.stock-replenished", version,
                "{\"sku\":\"SKU-1\",\"quantity\":3}");

        assertThatThrownBy(() -> EventCodec.decode(recorded))
                .isInstanceOf(UndecodableEventException.class)
                .hasMessageContaining("io.eventshop.product.stock-replenished")
                .hasMessageContaining("schema version " + version)
                .hasMessageContaining("reads version 1");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"sku\":\"SKU-1\",\"quantity\":-3}",
            "{\"sku\":\"SKU-1\",\"quantity\":0}",
            "{\"quantity\":3}",
            "{\"sku\":\"SKU-1\",\"quantity\":null}",
            "{\"sku\":\"SKU-1\",\"quantity\":\"many\"}",
            "{\"sku\":\"SKU-1\",\"quantity\":3",
            "[]",
            "not json"})
    void a_stock_replenished_payload_that_breaks_its_contract_is_undecodable(String data) {
        RecordedEvent recorded = recorded("io.eventshop.product.stock-replenished", 1, data);

        assertThatThrownBy(() -> EventCodec.decode(recorded))
                .isInstanceOf(UndecodableEventException.class)
                .hasMessageContaining(recorded.eventId().toString())
                .hasMessageContaining("io.eventshop.product.stock-replenished");
    }

    @Test
    void a_negative_quantity_is_undecodable_and_the_reason_is_the_records_own() {
        RecordedEvent recorded = recorded("io.eventshop.reservation.stock-reserved", 1,
                "{\"orderId\":\"%s\",\"lines\":[{\"sku\":\"SKU-1\",\"quantity\":-2}]}".formatted(UUID.randomUUID()));

        assertThatThrownBy(() -> EventCodec.decode(recorded))
                .isInstanceOf(UndecodableEventException.class)
                .hasMessageContaining("reserved quantity of SKU-1 must be positive, was -2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"eur", "EURO", "", "€"})
    void a_currency_that_is_not_an_iso_code_is_undecodable(String currency) {
        RecordedEvent recorded = recorded("io.eventshop.product.price-changed", 1,
                "{\"sku\":\"SKU-1\",\"price\":{\"amount\":1499,\"currency\":\"%s\"}}".formatted(currency));

        assertThatThrownBy(() -> EventCodec.decode(recorded))
                .isInstanceOf(UndecodableEventException.class)
                .hasMessageContaining("ISO 4217");
    }

    @Test
    void an_order_without_lines_is_undecodable() {
        RecordedEvent recorded = recorded("io.eventshop.order.placed", 1,
                "{\"orderId\":\"%s\",\"shopperId\":\"alice\",\"lines\":[],\"total\":{\"amount\":0,\"currency\":\"EUR\"}}"
                        .formatted(UUID.randomUUID()));

        assertThatThrownBy(() -> EventCodec.decode(recorded))
                .isInstanceOf(UndecodableEventException.class)
                .hasMessageContaining("at least one line");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"orderId\":\"not-a-uuid\"}",
            "{\"orderId\":null}",
            "{}"})
    void an_order_id_that_is_missing_or_not_a_uuid_is_undecodable(String data) {
        RecordedEvent recorded = recorded("io.eventshop.order.confirmed", 1, data);

        assertThatThrownBy(() -> EventCodec.decode(recorded)).isInstanceOf(UndecodableEventException.class);
    }

    @Test
    void a_rejection_reason_this_code_does_not_know_is_undecodable() {
        RecordedEvent recorded = recorded("io.eventshop.order.rejected", 1,
                "{\"orderId\":\"%s\",\"rejections\":[{\"sku\":\"SKU-1\",\"reason\":\"ON_FIRE\",\"requested\":1,\"available\":0}]}"
                        .formatted(UUID.randomUUID()));

        assertThatThrownBy(() -> EventCodec.decode(recorded))
                .isInstanceOf(UndecodableEventException.class)
                .hasMessageContaining("ON_FIRE");
    }

    @Test
    void unknown_extra_payload_fields_are_ignored() {
        UUID orderId = UUID.randomUUID();
        RecordedEvent recorded = recorded("io.eventshop.reservation.stock-released", 1, """
                {"orderId": "%s", "warehouse": "north", "lines": [{"sku": "SKU-1", "quantity": 2, "bin": {"row": 4}}],
                 "releasedBy": ["ops"]}""".formatted(orderId));

        assertThat(EventCodec.decode(recorded))
                .isEqualTo(new StockReleased(orderId, List.of(new ReservedLine("SKU-1", 2))));
    }

    // --- metadata -------------------------------------------------------------------------------

    @Test
    void metadata_is_stored_with_snake_case_names_and_without_the_fields_it_lacks() throws Exception {
        var metadata = new EventMetadata("corr-1", null, "inventory-service", null, "bob");

        String json = EventCodec.writeMetadata(metadata);

        assertThat(EventCodec.json().readTree(json)).isEqualTo(EventCodec.json().readTree("""
                {"correlation_id": "corr-1", "source": "inventory-service", "actor": "bob"}"""));
        assertThat(EventCodec.readMetadata(json)).isEqualTo(metadata);
    }

    @Test
    void metadata_with_every_field_round_trips() {
        assertThat(EventCodec.readMetadata(EventCodec.writeMetadata(METADATA))).isEqualTo(METADATA);
    }

    @Test
    void stored_metadata_with_unknown_fields_still_reads() {
        assertThat(EventCodec.readMetadata("{\"source\":\"order-service\",\"tenant\":\"acme\"}"))
                .isEqualTo(new EventMetadata(null, null, "order-service", null, null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"correlation_id\":\"c\"}", "{\"source\":null}", "not json"})
    void stored_metadata_without_a_source_or_not_json_is_undecodable(String json) {
        assertThatThrownBy(() -> EventCodec.readMetadata(json)).isInstanceOf(UndecodableEventException.class);
    }

    @Test
    void metadata_requires_a_source() {
        assertThatThrownBy(() -> new EventMetadata("c", "c", null, null, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("source");
    }

    @Test
    void a_flow_starts_correlated_with_itself_and_a_caused_event_keeps_the_correlation() {
        UUID flow = UUID.randomUUID();
        UUID cause = UUID.randomUUID();

        EventMetadata start = EventMetadata.startingFlow("order-service", flow, "alice");
        EventMetadata next = new EventMetadata(start.correlationId(), null, "order-service", "00-trace-01", "alice")
                .causedBy(cause, "inventory-service");

        assertThat(start).isEqualTo(new EventMetadata(flow.toString(), null, "order-service", null, "alice"));
        assertThat(next).isEqualTo(new EventMetadata(flow.toString(), cause.toString(), "inventory-service",
                "00-trace-01", "alice"));
    }

    @Test
    void a_json_null_payload_is_undecodable_not_a_null_event() {
        RecordedEvent recorded = recorded("io.eventshop.order.confirmed", 1, "null");

        assertThatThrownBy(() -> EventCodec.decode(recorded)).isInstanceOf(UndecodableEventException.class);
    }

    @Test
    void a_missing_primitive_field_is_undecodable_not_zero() {
        RecordedEvent recorded = recorded("io.eventshop.product.added", 1,
                "{\"sku\":\"SKU-1\",\"name\":\"Mug\",\"price\":{\"amount\":100,\"currency\":\"EUR\"}}");

        assertThatThrownBy(() -> EventCodec.decode(recorded)).isInstanceOf(UndecodableEventException.class);
    }

    @Test
    void a_stored_events_metadata_is_read_when_asked_for_and_equals_the_same_event_built_with_it() {
        RecordedEvent built = recorded("io.eventshop.order.confirmed", 1, "{\"orderId\":\"" + UUID.randomUUID() + "\"}");
        RecordedEvent stored = RecordedEvent.stored(built.eventId(), built.streamId(), 1, built.type(), 1, built.data(),
                EventCodec.writeMetadata(METADATA), AT);

        assertThat(stored.metadata()).isEqualTo(METADATA);
        assertThat(stored).isEqualTo(built).hasSameHashCodeAs(built).hasToString(built.toString());
    }

    @Test
    void invalid_stored_metadata_fails_whoever_asks_every_time_and_nothing_else() {
        RecordedEvent stored = RecordedEvent.stored(UUID.randomUUID(), StreamId.parse("order-1"), 1, "io.eventshop.order.confirmed", 1,
                "{\"orderId\":\"" + UUID.randomUUID() + "\"}", "{\"correlation_id\":\"c\"}", AT);

        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(stored::metadata).isInstanceOf(UndecodableEventException.class)
                    .hasMessageStartingWith("event metadata is not valid").hasMessageContaining("source");
        }
        assertThat(stored.readableMetadata()).isEmpty();
        assertThat(EventCodec.decode(stored)).isInstanceOf(OrderConfirmed.class);
        assertThat(stored).isEqualTo(stored).hasToString(stored.toString());
    }

    @Test
    void a_json_null_metadata_is_undecodable() {
        assertThatThrownBy(() -> EventCodec.readMetadata("null")).isInstanceOf(UndecodableEventException.class);
    }

    private static RecordedEvent recorded(NewEvent event, StreamId streamId) {
        return new RecordedEvent(event.eventId(), streamId, 1, event.type(), event.schemaVersion(), event.data(),
                event.metadata(), event.occurredAt());
    }

    private static RecordedEvent recorded(String type, int schemaVersion, String data) {
        return new RecordedEvent(UUID.randomUUID(), StreamId.parse("test-" + UUID.randomUUID()), 1, type,
                schemaVersion, data, METADATA, AT);
    }
}
