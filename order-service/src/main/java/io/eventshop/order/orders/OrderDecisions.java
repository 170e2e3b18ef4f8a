package io.eventshop.order.orders;

import io.eventshop.events.Money;
import io.eventshop.events.order.OrderCancelled;
import io.eventshop.events.order.OrderConfirmed;
import io.eventshop.events.order.OrderEvent;
import io.eventshop.events.order.OrderLine;
import io.eventshop.events.order.OrderPlaced;
import io.eventshop.events.order.OrderRejected;
import io.eventshop.events.reservation.LineRejection;
import io.eventshop.events.reservation.ReservationEvent;
import io.eventshop.events.reservation.StockReleased;
import io.eventshop.events.reservation.StockReservationRejected;
import io.eventshop.events.reservation.StockReserved;
import io.eventshop.problem.ProblemException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * What an order does next, decided from its state (the fold of its stream, {@link Order}) and, where time
 * matters, the time passed in: no I/O and no clock of its own, so each decision is unit-tested beside the fold.
 * The use cases (placing, cancelling, the saga and its deadline) load the order, ask here, and append the answer.
 */
final class OrderDecisions {

    private OrderDecisions() {
    }

    /** A new order of lines priced from the catalog, all in one currency, with its total. */
    static OrderPlaced place(UUID orderId, String shopperId, List<OrderLine> lines) {
        Money total = lines.stream().map(OrderLine::lineTotal).reduce(Money::plus).orElseThrow();
        return new OrderPlaced(orderId, shopperId, lines, total);
    }

    /**
     * A pending or confirmed order may be cancelled (inventory releases what it holds).
     *
     * @throws ProblemException 409 for an order rejected or cancelled already
     */
    static OrderCancelled cancel(Order order, OrderCancelled.CancelledBy by) {
        if (order.status() == Order.Status.REJECTED || order.status() == Order.Status.CANCELLED) {
            throw ProblemException.conflict("order " + order.id() + " is " + order.status().name().toLowerCase() + " and cannot be cancelled");
        }
        return new OrderCancelled(order.id(), by);
    }

    /**
     * The reservation's outcome decides a pending order: reserved confirms it, rejected rejects it with the
     * reasons. An order decided already (cancelled, or rejected by its deadline) stays as it is.
     */
    static Optional<OrderEvent> onReservation(Order order, ReservationEvent outcome) {
        if (order.status() != Order.Status.PENDING) {
            return Optional.empty();
        }
        return switch (outcome) {
            case StockReserved reserved -> Optional.of(new OrderConfirmed(order.id()));
            case StockReservationRejected rejected -> Optional.of(new OrderRejected(order.id(), rejected.rejections()));
            case StockReleased released -> Optional.empty();
        };
    }

    /**
     * An order still pending {@code deadline} after it was placed is rejected, every line with
     * {@link LineRejection.Reason#RESERVATION_TIMEOUT}: a shopper is told, rather than left waiting for a
     * reservation that may never come. If the reservation does come later, inventory releases it.
     */
    static Optional<OrderRejected> onDeadline(Order order, Instant now, Duration deadline) {
        if (order.status() != Order.Status.PENDING || now.isBefore(order.placedAt().plus(deadline))) {
            return Optional.empty();
        }
        return Optional.of(new OrderRejected(order.id(), order.lines().stream()
                .map(line -> new LineRejection(line.sku(), LineRejection.Reason.RESERVATION_TIMEOUT, line.quantity(), 0)).toList()));
    }
}
