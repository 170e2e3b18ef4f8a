package io.eventshop.events.codec;

import io.eventshop.events.DomainEvent;
import io.eventshop.events.EventMetadata;
import io.eventshop.events.EventType;
import io.eventshop.events.Money;
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
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The one table of event kinds: type string, schema version and record, in both directions. Listed
 * by hand rather than scanned, so a native image knows every payload class at build time (they are
 * registered for Jackson's reflection below).
 */
@RegisterForReflection(targets = {
        Money.class, EventMetadata.class,
        OrderPlaced.class, OrderLine.class, OrderConfirmed.class, OrderRejected.class,
        OrderCancelled.class, OrderCancelled.CancelledBy.class,
        ProductAdded.class, ProductPriceChanged.class, StockReplenished.class,
        StockReserved.class, ReservedLine.class, StockReservationRejected.class, LineRejection.class,
        LineRejection.Reason.class, StockReleased.class})
public final class EventTypes {

    public static final List<EventType<?>> ALL = List.of(
            new EventType<>("io.eventshop.product.added", 1, ProductAdded.class),
            new EventType<>("io.eventshop.product.price-changed", 1, ProductPriceChanged.class),
            new EventType<>("io.eventshop.product.stock-replenished", 1, StockReplenished.class),
            new EventType<>("io.eventshop.order.placed", 1, OrderPlaced.class),
            new EventType<>("io.eventshop.order.confirmed", 1, OrderConfirmed.class),
            new EventType<>("io.eventshop.order.rejected", 1, OrderRejected.class),
            new EventType<>("io.eventshop.order.cancelled", 2, OrderCancelled.class),
            new EventType<>("io.eventshop.reservation.stock-reserved", 1, StockReserved.class),
            new EventType<>("io.eventshop.reservation.stock-reservation-rejected", 1, StockReservationRejected.class),
            new EventType<>("io.eventshop.reservation.stock-released", 1, StockReleased.class));

    private static final Map<String, EventType<?>> BY_NAME =
            ALL.stream().collect(Collectors.toUnmodifiableMap(EventType::name, Function.identity()));
    private static final Map<Class<?>, EventType<?>> BY_CLASS =
            ALL.stream().collect(Collectors.toUnmodifiableMap(EventType::javaType, Function.identity()));

    private EventTypes() {
    }

    public static Optional<EventType<?>> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    @SuppressWarnings("unchecked")
    public static <E extends DomainEvent> EventType<E> of(Class<E> javaType) {
        EventType<?> type = BY_CLASS.get(javaType);
        if (type == null) {
            throw new IllegalArgumentException(javaType.getName() + " is not listed in EventTypes.ALL");
        }
        return (EventType<E>) type;
    }
}
