package io.eventshop.subscriber.live;

import io.eventshop.wire.EventRef;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The doorbells of one queue, gathered into batches that are each applied in one transaction, on a virtual
 * thread of their own. A batch is handed over when it is full, when none of the queue's batches is being
 * applied (an idle queue waits for nothing: a lone doorbell goes at once), or when its first doorbell has waited
 * {@code wait}; but never while {@code concurrent} batches of the queue apply: what arrives meanwhile waits for
 * one of them to finish. So a burst fills batches while the previous ones apply, and a trickle goes one by one.
 *
 * <p>Without that bound a busy queue kept the sizes its first batches happened to have: a batch that commits
 * acknowledges its deliveries, the broker sends as many new ones, and they left together after {@code wait} as
 * a batch of the same size, so the prefetch window stayed cut into as many small transactions as the first
 * moments made (9 on average in the subscriber benchmark, 30 at once, all queued on a view's hot rows).
 *
 * <p>Nothing here settles a delivery: the batch's owner does, after its transaction. Doorbells still waiting when
 * the queue stops are dropped unsettled, and the broker delivers them again.
 */
final class DoorbellBatches {

    /** A delivery waiting for its batch: the event it names and how to settle it. */
    record Doorbell(EventRef ref, Consumer<QueueConsumer.Settlement> settle, long arrivedAt) {
    }

    private final String name;
    private final int size;
    private final int concurrent;
    private final long waitNanos;
    private final Consumer<List<Doorbell>> apply;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Doorbell> waiting = new ArrayDeque<>();
    private int applying;
    private Thread dispatcher;
    private boolean stopped;

    /**
     * @param size       the most doorbells in one batch
     * @param concurrent the most batches of the queue applying at once
     * @param wait       the longest a doorbell waits for others to join its batch while another batch of the queue applies
     * @param apply      applies a batch and settles its deliveries; runs on a virtual thread of its own
     */
    DoorbellBatches(String name, int size, int concurrent, Duration wait, Consumer<List<Doorbell>> apply) {
        this.name = name;
        this.size = size;
        this.concurrent = concurrent;
        this.waitNanos = wait.toNanos();
        this.apply = apply;
    }

    void add(EventRef ref, Consumer<QueueConsumer.Settlement> settle) {
        lock.lock();
        try {
            if (stopped) {
                return; // unsettled: the broker delivers it again
            }
            waiting.add(new Doorbell(ref, settle, System.nanoTime()));
            if (dispatcher == null) {
                dispatcher = Thread.ofVirtual().name("eventshop-doorbells-" + name).start(this::dispatch);
            }
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    /** For good: what waits is dropped unsettled; batches being applied finish (or stop with their subscriber's worker). */
    void stop() {
        lock.lock();
        try {
            stopped = true;
            waiting.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void dispatch() {
        lock.lock();
        try {
            while (!stopped) {
                if (waiting.isEmpty() || applying >= concurrent) {
                    changed.await();
                    continue;
                }
                long waited = System.nanoTime() - waiting.getFirst().arrivedAt();
                if (applying > 0 && waiting.size() < size && waited < waitNanos) {
                    changed.awaitNanos(waitNanos - waited);
                    continue;
                }
                List<Doorbell> batch = new ArrayList<>(Math.min(size, waiting.size()));
                while (batch.size() < size && !waiting.isEmpty()) {
                    batch.add(waiting.poll());
                }
                applying++;
                Thread.ofVirtual().name("eventshop-delivery-" + name).start(() -> {
                    try {
                        apply.accept(batch);
                    } finally {
                        applied();
                    }
                });
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    private void applied() {
        lock.lock();
        try {
            applying--;
            changed.signal();
        } finally {
            lock.unlock();
        }
    }
}
