package io.eventshop.events.reservation;

import java.util.Objects;

/**
 * Why one line of an order could not be reserved.
 *
 * @param requested the quantity the order asked for
 * @param available what was available when the reservation was tried (0 for an unknown SKU)
 */
public record LineRejection(String sku, Reason reason, int requested, int available) {

    /** RESERVATION_TIMEOUT: no reservation came within the order's deadline (available is then 0). */
    public enum Reason { UNKNOWN_SKU, INSUFFICIENT_STOCK, RESERVATION_TIMEOUT }

    public LineRejection {
        Objects.requireNonNull(sku, "sku");
        Objects.requireNonNull(reason, "reason");
    }
}
