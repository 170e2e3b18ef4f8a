package io.eventshop.order.orders;

import io.eventshop.events.Money;
import io.eventshop.events.order.OrderCancelled;
import io.eventshop.events.order.OrderConfirmed;
import io.eventshop.events.order.OrderEvent;
import io.eventshop.events.order.OrderLine;
import io.eventshop.events.order.OrderPlaced;
import io.eventshop.events.order.OrderRejected;
import io.eventshop.events.reservation.LineRejection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The order aggregate: its state is the fold of its {@code order-<id>} stream, nothing else. Loaded
 * by replaying the stream; commands check against it and append with its version as expected version.
 */
public record Order(UUID id, String shopperId, Status status, List<OrderLine> lines, Money total, List<LineRejection> rejections,
        List<HistoryEntry> history, int version) {

    public enum Status { PENDING, CONFIRMED, REJECTED, CANCELLED }

    /** One event of the order, as the history shows it. */
    public record HistoryEntry(String type, int version, Instant occurredAt) {
    }

    /** The state after {@code event} (version {@code version}, of type {@code type}). */
    static Order apply(Order order, OrderEvent event, String type, int version, Instant occurredAt) {
        List<HistoryEntry> history = new ArrayList<>(order == null ? List.of() : order.history());
        history.add(new HistoryEntry(type, version, occurredAt));
        return switch (event) {
            case OrderPlaced placed -> new Order(placed.orderId(), placed.shopperId(), Status.PENDING, placed.lines(), placed.total(),
                    List.of(), history, version);
            case OrderConfirmed confirmed -> order.with(Status.CONFIRMED, order.rejections(), history, version);
            case OrderRejected rejected -> order.with(Status.REJECTED, rejected.rejections(), history, version);
            case OrderCancelled cancelled -> order.with(Status.CANCELLED, order.rejections(), history, version);
        };
    }

    /** When the order was placed: its first event. */
    public Instant placedAt() {
        return history.getFirst().occurredAt();
    }

    private Order with(Status newStatus, List<LineRejection> newRejections, List<HistoryEntry> newHistory, int newVersion) {
        return new Order(id, shopperId, newStatus, lines, total, newRejections, newHistory, newVersion);
    }
}
