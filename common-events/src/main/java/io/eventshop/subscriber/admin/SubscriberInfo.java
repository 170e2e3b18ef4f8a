package io.eventshop.subscriber.admin;

import io.eventshop.subscriber.Subscription;
import io.eventshop.subscriber.runtime.Subscriber;
import io.eventshop.subscriber.runtime.SubscriberStatus;
import io.eventshop.view.RebuildStatus;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/**
 * A subscriber as operators see it: a reactor, or a view by its name whatever generation serves it.
 *
 * @param runningAs  the subscriber doing the work: the reactor itself, or the view's live generation
 *                   ({@code analytics.sales.g3}); null when no copy runs in this replica
 * @param state      what it is doing; null when no copy runs in this replica
 * @param categories per category: queue, consumer, checkpoint, replay progress and lag
 * @param rebuild    a view's latest rebuild, null for a reactor
 */
@RegisterForReflection
public record SubscriberInfo(String name, Subscription.Kind kind, String runningAs, Subscriber.State state,
        List<SubscriberStatus.Category> categories, long lagEvents, double lagSeconds, String lastError, RebuildStatus rebuild) {
}
