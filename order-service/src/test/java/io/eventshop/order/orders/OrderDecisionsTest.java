package io.eventshop.order.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.eventshop.events.Money;
import io.eventshop.events.order.OrderCancelled;
import io.eventshop.events.order.OrderConfirmed;
import io.eventshop.events.order.OrderEvent;
import io.eventshop.events.order.OrderLine;
import io.eventshop.events.order.OrderPlaced;
import io.eventshop.events.order.OrderRejected;
import io.eventshop.events.reservation.LineRejection;
import io.eventshop.events.reservation.ReservedLine;
import io.eventshop.events.reservation.StockReleased;
import io.eventshop.events.reservation.StockReservationRejected;
import io.eventshop.events.reservation.StockReserved;
import io.eventshop.problem.ProblemException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The order's decisions, from its fold and a given time: no store, no clock. */
class OrderDecisionsTest {

    private static final UUID ID = UUID.randomUUID();
    private static final Instant PLACED = Instant.parse("2026-12-02T10:00:00Z");
    private static final Duration DEADLINE = Duration.ofMinutes(5);
    private static final List<OrderLine> LINES = List.of(new OrderLine("MUG", 2, Money.of(500, "EUR")), new OrderLine("PLATE", 1, Money.of(300, "EUR")));

    private static Order order(OrderEvent... after) {
        Order order = Order.apply(null, OrderDecisions.place(ID, "alice", LINES), "io.eventshop.order.placed", 1, PLACED);
        int version = 1;
        for (OrderEvent event : after) {
            order = Order.apply(order, event, "t", ++version, PLACED.plusSeconds(version));
        }
        return order;
    }

    @Test
    void placing_totals_the_priced_lines() {
        OrderPlaced placed = OrderDecisions.place(ID, "alice", LINES);
        assertThat(placed.total()).isEqualTo(Money.of(1300, "EUR"));
    }

    @Test
    void a_pending_or_confirmed_order_can_be_cancelled_a_rejected_or_cancelled_one_cannot() {
        assertThat(OrderDecisions.cancel(order(), OrderCancelled.CancelledBy.SHOPPER)).isEqualTo(new OrderCancelled(ID, OrderCancelled.CancelledBy.SHOPPER));
        assertThat(OrderDecisions.cancel(order(new OrderConfirmed(ID)), OrderCancelled.CancelledBy.ADMIN)).isNotNull();
        assertThatThrownBy(() -> OrderDecisions.cancel(order(new OrderRejected(ID, List.of())), OrderCancelled.CancelledBy.SHOPPER))
                .isInstanceOf(ProblemException.class).hasMessageContaining("rejected");
        assertThatThrownBy(() -> OrderDecisions.cancel(order(new OrderCancelled(ID, OrderCancelled.CancelledBy.SHOPPER)),
                OrderCancelled.CancelledBy.ADMIN)).isInstanceOf(ProblemException.class).hasMessageContaining("cancelled");
    }

    @Test
    void the_reservation_decides_only_a_pending_order() {
        StockReserved reserved = new StockReserved(ID, List.of(new ReservedLine("MUG", 2), new ReservedLine("PLATE", 1)));
        List<LineRejection> reasons = List.of(new LineRejection("MUG", LineRejection.Reason.INSUFFICIENT_STOCK, 2, 1));
        assertThat(OrderDecisions.onReservation(order(), reserved)).contains(new OrderConfirmed(ID));
        assertThat(OrderDecisions.onReservation(order(), new StockReservationRejected(ID, reasons))).contains(new OrderRejected(ID, reasons));
        assertThat(OrderDecisions.onReservation(order(), new StockReleased(ID, reserved.lines()))).isEmpty();
        // Decided already: cancelled by the shopper, or rejected by its deadline.
        assertThat(OrderDecisions.onReservation(order(new OrderCancelled(ID, OrderCancelled.CancelledBy.SHOPPER)), reserved)).isEmpty();
        assertThat(OrderDecisions.onReservation(order(OrderDecisions.onDeadline(order(), PLACED.plus(DEADLINE), DEADLINE).orElseThrow()),
                reserved)).isEmpty();
    }

    @Test
    void a_pending_order_is_rejected_at_its_deadline_not_a_moment_before() {
        assertThat(OrderDecisions.onDeadline(order(), PLACED.plus(DEADLINE).minusMillis(1), DEADLINE)).isEmpty();
        assertThat(OrderDecisions.onDeadline(order(), PLACED.plus(DEADLINE), DEADLINE)).contains(new OrderRejected(ID, List.of(
                new LineRejection("MUG", LineRejection.Reason.RESERVATION_TIMEOUT, 2, 0),
                new LineRejection("PLATE", LineRejection.Reason.RESERVATION_TIMEOUT, 1, 0))));
    }

    @Test
    void a_decided_order_has_no_deadline() {
        Instant late = PLACED.plus(Duration.ofDays(1));
        assertThat(OrderDecisions.onDeadline(order(new OrderConfirmed(ID)), late, DEADLINE)).isEmpty();
        assertThat(OrderDecisions.onDeadline(order(new OrderRejected(ID, List.of())), late, DEADLINE)).isEmpty();
        assertThat(OrderDecisions.onDeadline(order(new OrderCancelled(ID, OrderCancelled.CancelledBy.SHOPPER)), late, DEADLINE)).isEmpty();
    }
}
