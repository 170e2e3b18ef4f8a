package io.eventshop.events.product;

import io.eventshop.events.Money;
import java.util.Objects;

/** A product entered the catalog with its first price and stock. Type {@code io.eventshop.product.added}. */
public record ProductAdded(String sku, String name, Money price, int initialStock) implements ProductEvent {

    public ProductAdded {
        Objects.requireNonNull(sku, "sku");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(price, "price");
        if (initialStock < 0) {
            throw new IllegalArgumentException("initial stock of " + sku + " must not be negative, was " + initialStock);
        }
    }
}
