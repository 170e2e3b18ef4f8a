package io.eventshop.events.reservation;

import java.util.Objects;

/**
 * Why one line of an order could not be reserved.
 *
 * @param requested the quantity the order asked for
 * @param available what was available when the reservation was tried (0 for an unknown SKU)
 */
public record LineRejection(String sku, Reason reason, int requested, int available) {

    public enum Reason { UNKNOWN_SKU, INSUFFICIENT_STOCK }

    public LineRejection {
        Objects.requireNonNull(sku, "sku");
        Objects.requireNonNull(reason, "reason");
    }
}
