package io.eventshop.events.reservation;

import java.util.Objects;

/** Units of one SKU held (or released) for an order. */
public record ReservedLine(String sku, int quantity) {

    public ReservedLine {
        Objects.requireNonNull(sku, "sku");
        if (quantity <= 0) {
            throw new IllegalArgumentException("reserved quantity of " + sku + " must be positive, was " + quantity);
        }
    }
}
