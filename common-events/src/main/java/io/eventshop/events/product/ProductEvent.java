package io.eventshop.events.product;

import io.eventshop.events.DomainEvent;
import io.eventshop.events.StreamId;

/** Events of a {@code product-<sku>} stream, written by inventory-service. */
public sealed interface ProductEvent extends DomainEvent
        permits ProductAdded, ProductPriceChanged, StockReplenished {

    String CATEGORY = "product";

    String sku();

    static StreamId stream(String sku) {
        return StreamId.of(CATEGORY, sku);
    }

    @Override
    default StreamId streamId() {
        return stream(sku());
    }
}
