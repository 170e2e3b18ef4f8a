package io.eventshop.order.admin;

import io.eventshop.events.order.OrderConfirmed;
import io.eventshop.subscriber.Subscription;
import io.eventshop.testing.StoreFixture;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/** A view declared the way a service declares one, on a category of its own, for the admin API test. */
@ApplicationScoped
public class AdminTestSubscription {

    static final String CATEGORY = StoreFixture.newCategory("admin");
    // order-service may keep only its own subscribers' rows (names starting "order."): Postgres checks it.
    static final String NAME = "order." + CATEGORY;

    @Produces
    @ApplicationScoped
    Subscription adminTestView() {
        return Subscription.view(NAME, CATEGORY).on(OrderConfirmed.class, (tx, event) -> Uni.createFrom().voidItem()).build();
    }
}
