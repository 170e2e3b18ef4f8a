package io.eventshop.wire;

import io.eventshop.events.DomainEvent;
import io.eventshop.events.EventMetadata;
import io.eventshop.events.EventType;
import io.eventshop.events.Money;
import io.eventshop.events.NewEvent;
import io.eventshop.events.RecordedEvent;
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

/**
 * The events the golden wire files under {@code src/test/resources/wire} hold, one per event type:
 * the contract record and the recorded event built from it with fixed ids, versions, metadata and
 * times. Changing anything here must make {@link CloudEventWireFormatTest} fail until the golden
 * file changes too, and a golden file changes only with a new schema version.
 */
final class GoldenEvents {

    /** One golden case: the contract record and the event as recorded in its stream. */
    record Golden(DomainEvent payload, RecordedEvent recorded) {

        String type() {
            return recorded.type();
        }

        /** The golden file's name under {@code wire/}: {@code <type>.v<schemaVersion>.json}. */
        String fileName() {
            return fileName(recorded.type(), recorded.schemaVersion());
        }

        static String fileName(String type, int schemaVersion) {
            return type + ".v" + schemaVersion + ".json";
        }

        @Override
        public String toString() {
            return fileName();
        }
    }

    static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private static final UUID ORDER = UUID.fromString("6f1c2b9e-4a7d-4c1e-9b3a-2d5e8f0a1b2c");
    private static final UUID REJECTED_ORDER = UUID.fromString("0b7e5d3c-91a2-4f60-8c4d-7e2a1f9b6c30");
    private static final UUID CATALOG_FLOW = UUID.fromString("5a1d7c2e-3b4f-4e8a-9d6c-0f1e2d3c4b5a");
    private static final UUID RESTOCK_FLOW = UUID.fromString("8e2f4a6c-1d3b-4c5e-a7f9-0b1c2d3e4f5a");
    private static final UUID CANCEL_REQUEST = UUID.fromString("d4c3b2a1-6f5e-4d7c-8b9a-0e1f2a3b4c5d");

    static final UUID PRODUCT_ADDED_ID = UUID.fromString("11111111-2b3c-4d5e-8f60-718293a4b5c6");
    static final UUID PRICE_CHANGED_ID = UUID.fromString("22222222-2b3c-4d5e-8f60-718293a4b5c6");
    static final UUID REPLENISHED_ID = UUID.fromString("33333333-2b3c-4d5e-8f60-718293a4b5c6");
    static final UUID ORDER_PLACED_ID = UUID.fromString("44444444-2b3c-4d5e-8f60-718293a4b5c6");
    static final UUID STOCK_RESERVED_ID = UUID.fromString("55555555-2b3c-4d5e-8f60-718293a4b5c6");
    static final UUID ORDER_CONFIRMED_ID = UUID.fromString("66666666-2b3c-4d5e-8f60-718293a4b5c6");
    static final UUID REJECTED_ORDER_PLACED_ID = UUID.fromString("77777777-2b3c-4d5e-8f60-718293a4b5c6");
    static final UUID RESERVATION_REJECTED_ID = UUID.fromString("88888888-2b3c-4d5e-8f60-718293a4b5c6");
    static final UUID ORDER_REJECTED_ID = UUID.fromString("99999999-2b3c-4d5e-8f60-718293a4b5c6");
    static final UUID ORDER_CANCELLED_ID = UUID.fromString("aaaaaaaa-2b3c-4d5e-8f60-718293a4b5c6");
    static final UUID STOCK_RELEASED_ID = UUID.fromString("bbbbbbbb-2b3c-4d5e-8f60-718293a4b5c6");

    private GoldenEvents() {
    }

    /** One golden case per type, in the order of {@link EventTypes#ALL}. */
    static List<Golden> all() {
        var lines = List.of(
                new OrderLine("SKU-1", 2, Money.of(1499, "EUR")),
                new OrderLine("SKU-2", 1, Money.of(500, "EUR")));
        var reserved = List.of(new ReservedLine("SKU-1", 2), new ReservedLine("SKU-2", 1));
        var rejections = List.of(
                new LineRejection("SKU-2", LineRejection.Reason.INSUFFICIENT_STOCK, 5, 3),
                new LineRejection("SKU-404", LineRejection.Reason.UNKNOWN_SKU, 1, 0));

        var catalog = new EventMetadata(CATALOG_FLOW.toString(), CATALOG_FLOW.toString(), "inventory-service",
                TRACEPARENT, "admin");
        var restock = new EventMetadata(RESTOCK_FLOW.toString(), null, "inventory-service", null, null);
        var placed = new EventMetadata(ORDER.toString(), null, "order-service", TRACEPARENT, "alice");
        var placedRejected = new EventMetadata(REJECTED_ORDER.toString(), null, "order-service", null, "bob");
        var cancelled = new EventMetadata(ORDER.toString(), CANCEL_REQUEST.toString(), "order-service",
                TRACEPARENT, "alice");

        return List.of(
                golden(PRODUCT_ADDED_ID, new ProductAdded("SKU-1", "Tasse à café", Money.of(1299, "EUR"), 40),
                        1, catalog, "2025-03-14T09:26:53.123456Z"),
                golden(PRICE_CHANGED_ID, new ProductPriceChanged("SKU-1", Money.of(1499, "EUR")),
                        2, catalog.causedBy(PRODUCT_ADDED_ID, "inventory-service"), "2025-03-14T09:27:01.000001Z"),
                golden(REPLENISHED_ID, new StockReplenished("SKU-1", 25),
                        3, restock, "2025-03-14T10:00:00.500001Z"),
                golden(ORDER_PLACED_ID, new OrderPlaced(ORDER, "alice", lines, Money.of(3498, "EUR")),
                        1, placed, "2025-03-15T17:45:12.654321Z"),
                golden(ORDER_CONFIRMED_ID, new OrderConfirmed(ORDER),
                        2, placed.causedBy(STOCK_RESERVED_ID, "order-service"), "2025-03-15T17:45:12.987654Z"),
                golden(ORDER_REJECTED_ID, new OrderRejected(REJECTED_ORDER, rejections),
                        2, placedRejected.causedBy(RESERVATION_REJECTED_ID, "order-service"),
                        "2025-03-15T18:02:44.222222Z"),
                golden(ORDER_CANCELLED_ID, new OrderCancelled(ORDER, OrderCancelled.CancelledBy.SHOPPER),
                        3, cancelled, "2025-03-16T08:00:00.000007Z"),
                golden(STOCK_RESERVED_ID, new StockReserved(ORDER, reserved),
                        1, placed.causedBy(ORDER_PLACED_ID, "inventory-service"), "2025-03-15T17:45:12.801234Z"),
                golden(RESERVATION_REJECTED_ID, new StockReservationRejected(REJECTED_ORDER, rejections),
                        1, placedRejected.causedBy(REJECTED_ORDER_PLACED_ID, "inventory-service"),
                        "2025-03-15T18:02:44.111111Z"),
                golden(STOCK_RELEASED_ID, new StockReleased(ORDER, reserved),
                        2, cancelled.causedBy(ORDER_CANCELLED_ID, "inventory-service"), "2025-03-16T08:00:01.314159Z"));
    }

    static Golden of(String type) {
        return all().stream().filter(g -> g.type().equals(type)).findFirst()
                .orElseThrow(() -> new AssertionError("no golden event for " + type));
    }

    /** The recorded event as the store would hand it over: encoded by the codec, placed at {@code streamVersion}. */
    static RecordedEvent recorded(UUID eventId, DomainEvent payload, int streamVersion, EventMetadata metadata,
                                  Instant occurredAt) {
        NewEvent encoded = EventCodec.encode(eventId, payload, metadata, occurredAt);
        return new RecordedEvent(encoded.eventId(), payload.streamId(), streamVersion, encoded.type(),
                encoded.schemaVersion(), encoded.data(), encoded.metadata(), encoded.occurredAt());
    }

    private static Golden golden(UUID eventId, DomainEvent payload, int streamVersion, EventMetadata metadata,
                                 String occurredAt) {
        EventType<?> type = EventTypes.of(payload.getClass());
        RecordedEvent recorded = recorded(eventId, payload, streamVersion, metadata, Instant.parse(occurredAt));
        if (!recorded.type().equals(type.name())) {
            throw new AssertionError("codec wrote type " + recorded.type() + " for " + type.name());
        }
        return new Golden(payload, recorded);
    }
}
