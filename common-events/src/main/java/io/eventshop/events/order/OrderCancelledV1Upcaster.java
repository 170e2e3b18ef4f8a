package io.eventshop.events.order;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.eventshop.events.Upcaster;

/**
 * {@code io.eventshop.order.cancelled} version 1 to 2. Version 1 events were all written when only
 * the shopper could cancel an order, so {@code cancelledBy} is {@code SHOPPER}: the upcast adds a
 * fact the old payload implied, it does not guess.
 */
public final class OrderCancelledV1Upcaster implements Upcaster {

    @Override
    public String type() {
        return "io.eventshop.order.cancelled";
    }

    @Override
    public int fromVersion() {
        return 1;
    }

    @Override
    public ObjectNode upcast(ObjectNode payload) {
        return payload.put("cancelledBy", OrderCancelled.CancelledBy.SHOPPER.name());
    }
}
