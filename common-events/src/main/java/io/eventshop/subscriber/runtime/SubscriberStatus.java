package io.eventshop.subscriber.runtime;

import io.eventshop.store.Checkpoint;
import io.eventshop.subscriber.Subscription;
import io.eventshop.subscriber.state.RowsTask;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/**
 * What one subscriber is doing, for the admin API and health.
 *
 * @param lineage    what it is a copy of (a view generation's view), else its own name
 * @param categories per category: its queue, whether it consumes, its checkpoint, replay and lag
 * @param lastError  the last failure it met while working, null once it is live again
 */
@RegisterForReflection
public record SubscriberStatus(String name, String lineage, Subscription.Kind kind, Subscriber.State state, List<Category> categories,
        String lastError) {

    /**
     * @param replaying  whether the category still replays (a new view, no live consumer yet)
     * @param finishing  whether that replay reached the head and writes its stream rows before it goes live
     * @param replayed   events its replay has read so far
     * @param rowsTask   SEEDING or REPOSITIONING while the category writes or moves back its stream rows (it applies nothing
     *                   meanwhile), else null
     * @param rowsDone   stream rows that task has written or moved back so far
     * @param lagEvents  events after the checkpoint (counted up to a cap)
     * @param lagSeconds age of the oldest of them, 0 when there are none
     */
    @RegisterForReflection
    public record Category(String category, String queue, boolean consuming, Checkpoint checkpoint, boolean replaying, boolean finishing,
            long replayed, RowsTask.Kind rowsTask, long rowsDone,
            long lagEvents, double lagSeconds) {
    }

    public long lagEvents() {
        return categories.stream().mapToLong(Category::lagEvents).sum();
    }

    public double lagSeconds() {
        return categories.stream().mapToDouble(Category::lagSeconds).max().orElse(0);
    }
}
