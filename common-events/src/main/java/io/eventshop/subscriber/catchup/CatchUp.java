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
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The safety net that makes the broker only a doorbell: tails the store from the subscriber's
 * checkpoint in each category (the ordering rule) and applies, page by page, whatever no message
 * brought: published before the queue existed, dropped by a full queue, lost with a broker node. The
 * same pipeline as the live path, so the two can race freely; a page that meets a bad event is applied
 * event by event, so one poison event never stops the category.
 *
 * <p>While a category's live consumer is open, a pass applies only what was already below the horizon a catch-up
 * interval before (the store's head seen at an earlier pass): the rest is the doorbells' to apply, and a late
 * doorbell is not a lost one. Racing them cost a shop under load dearly: catch-up applied most of its events, in
 * pages of a thousand that held the stream rows and the products' rows for a second and more while the live
 * deliveries of the same streams waited, then found them duplicates (common-events DECISIONS 63).
 */
public final class CatchUp {

    private final Subscription subscription;
    private final EventStore store;
    private final Checkpoints checkpoints;
    private final Pipeline pipeline;
    private final int pageSize;
    private final Worker worker;
    private final long graceNanos;
    // Per category, the store's head as the passes since the last whole one saw it, oldest first; only the subscriber's
    // own thread runs passes.
    private final Map<String, Deque<Seen>> heads = new HashMap<>();

    private record Seen(long nanos, Checkpoint head) {
    }

    /** {@code grace}: how long the live path has to apply an event before catch-up does it (the catch-up interval). */
    public CatchUp(Subscription subscription, EventStore store, Checkpoints checkpoints, Pipeline pipeline, int pageSize, Worker worker,
            Duration grace) {
        this.subscription = subscription;
        this.store = store;
        this.checkpoints = checkpoints;
        this.pipeline = pipeline;
        this.pageSize = pageSize;
        this.worker = worker;
        this.graceNanos = grace.toNanos();
    }

    /**
     * Applies everything the store holds after {@code from} in {@code category}, until it is level with the store's
     * horizon, or, when {@code leaveNewest} (the consumer is open, and no whole pass was asked for), with the head an
     * earlier pass saw at least the grace ago; after each full page, {@code betweenPages} runs (a long catch-up keeps
     * the consumers open). Returns where it stopped.
     */
    public Checkpoint run(String category, Checkpoint from, boolean leaveNewest, Runnable betweenPages) {
        Optional<Checkpoint> limit = limit(category, leaveNewest);
        Checkpoint at = from;
        while (worker.running()) {
            List<StoredEvent> read = store.readCategory(category, at, pageSize).await().atMost(Duration.ofMinutes(1));
            List<StoredEvent> page = limit.map(last -> upTo(read, last)).orElse(read);
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
            if (page.size() < read.size()) {
                return at; // the rest is the live path's for now
            }
            if (page.size() == pageSize) {
                betweenPages.run();
            }
        }
        return at;
    }

    /** The category is replayed or its rows rewritten: the heads seen before say nothing of the passes after. */
    public void forget(String category) {
        heads.remove(category);
    }

    // None on a whole pass (the consumer closed or just opened: what was published meanwhile has no doorbell; or a pass
    // asked for), which reads past the head it records. Else the newest head seen at least the grace ago, or, until
    // one is that old, the oldest seen since.
    private Optional<Checkpoint> limit(String category, boolean leaveNewest) {
        Deque<Seen> seen = heads.computeIfAbsent(category, c -> new ArrayDeque<>());
        long now = System.nanoTime();
        Checkpoint head = store.head().await().atMost(Duration.ofMinutes(1));
        if (!leaveNewest) {
            seen.clear();
        }
        seen.addLast(new Seen(now, head));
        if (!leaveNewest) {
            return Optional.empty();
        }
        while (seen.size() > 1 && now - secondOf(seen).nanos() >= graceNanos) {
            seen.removeFirst(); // a newer head is old enough too
        }
        return Optional.of(seen.getFirst().head());
    }

    private static Seen secondOf(Deque<Seen> seen) {
        var iterator = seen.iterator();
        iterator.next();
        return iterator.next();
    }

    // The page's events up to and including {@code last} in store order.
    private static List<StoredEvent> upTo(List<StoredEvent> page, Checkpoint last) {
        int end = 0;
        while (end < page.size() && page.get(end).position().compareTo(last) <= 0) {
            end++;
        }
        return end == page.size() ? page : page.subList(0, end);
    }
}
