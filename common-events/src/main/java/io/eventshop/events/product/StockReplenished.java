package io.eventshop.events.product;

import java.util.Objects;

/** Units added to the product's stock on hand. Type {@code io.eventshop.product.stock-replenished}. */
public record StockReplenished(String sku, int quantity) implements ProductEvent {

    public StockReplenished {
        Objects.requireNonNull(sku, "sku");
        if (quantity <= 0) {
            throw new IllegalArgumentException("restocked quantity of " + sku + " must be positive, was " + quantity);
        }
    }
}
