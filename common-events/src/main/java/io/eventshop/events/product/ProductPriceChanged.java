package io.eventshop.events.product;

import io.eventshop.events.Money;
import java.util.Objects;

/** The product's price from now on. Type {@code io.eventshop.product.price-changed}. */
public record ProductPriceChanged(String sku, Money price) implements ProductEvent {

    public ProductPriceChanged {
        Objects.requireNonNull(sku, "sku");
        Objects.requireNonNull(price, "price");
    }
}
