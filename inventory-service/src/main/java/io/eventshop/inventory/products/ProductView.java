package io.eventshop.inventory.products;

import io.eventshop.events.Money;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** A product as the admin sees it: {@code available} is what new orders can still reserve. */
@RegisterForReflection
public record ProductView(String sku, String name, Money price, int onHand, int reserved, int available) {
}
