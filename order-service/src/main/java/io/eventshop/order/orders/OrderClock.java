package io.eventshop.order.orders;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/** The time the use cases pass to their decisions: one place to read the clock, never inside a decision. */
@ApplicationScoped
class OrderClock {

    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }
}
