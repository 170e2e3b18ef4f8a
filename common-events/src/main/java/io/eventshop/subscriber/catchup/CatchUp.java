package io.eventshop.subscriber.catchup;

import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.Subscription;
import io.eventshop.subscriber.pipeline.Pipeline;
import io.eventshop.subscriber.state.Checkpoints;
import io.eventshop.subscriber.state.Position;
import io.eventshop.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The safety net that makes the broker only a doorbell: tails the store from the subscriber's
 * checkpoint in each category (the ordering rule) and applies, page by page, whatever no message
 * brought: published before the queue existed, dropped by a full queue, lost with a broker node. The
 * same pipeline as the live path, so the two can race freely; a page that meets a bad event is applied
 * event by event, so one poison event never stops the category.
 */
public final class CatchUp {

    private final Subscription subscription;
    private final EventStore store;
    private final Checkpoints checkpoints;
    private final Pipeline pipeline;
    private final int pageSize;
    private final Worker worker;

    public CatchUp(Subscription subscription, EventStore store, Checkpoints checkpoints, Pipeline pipeline, int pageSize, Worker worker) {
        this.subscription = subscription;
        this.store = store;
        this.checkpoints = checkpoints;
        this.pipeline = pipeline;
        this.pageSize = pageSize;
        this.worker = worker;
    }

    /**
     * Applies everything the store holds after {@code from} in {@code category}, until it is level with
     * the store's horizon; after each full page, {@code betweenPages} runs (a long catch-up keeps the
     * consumers open). Returns where it stopped.
     */
    public Checkpoint run(String category, Checkpoint from, Runnable betweenPages) {
        Checkpoint at = from;
        while (worker.running()) {
            List<StoredEvent> page = store.readCategory(category, at, pageSize).await().atMost(Duration.ofMinutes(1));
            if (page.isEmpty()) {
                return at;
            }
            if (pipeline.catchUp(category, at, page)) {
                at = page.getLast().position();
            } else {
                // Another replica applied it, or an operator repositioned us: go on from the stored position, unless
                // the reposition still moves stream rows back (the next pass waits for it).
                Optional<Position> stored = checkpoints.find(subscription.name(), category).await().atMost(Duration.ofMinutes(1));
                if (stored.isEmpty() || stored.get().replaying() || stored.get().rows() != null) {
                    return at;
                }
                at = stored.get().checkpoint();
            }
            if (page.size() == pageSize) {
                betweenPages.run();
            }
        }
        return at;
    }
}
