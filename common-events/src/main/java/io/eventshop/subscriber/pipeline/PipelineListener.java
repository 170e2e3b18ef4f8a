package io.eventshop.subscriber.pipeline;

import io.eventshop.store.StoredEvent;
import java.util.List;

/** What the pipeline reports as it goes: metrics and the subscriber's last error. Called on the applying thread. */
public interface PipelineListener {

    /** A doorbell ended; {@code event} is the store's copy, null when unmatched. */
    void rung(Delivery delivery, Applied applied, StoredEvent event);

    /**
     * A batch of doorbells ended in one transaction: each doorbell's outcome and the store's copy it named (null when
     * unmatched), in the batch's order; {@code applied} counts for the whole batch.
     */
    void rungAll(List<Delivery> deliveries, Applied applied, List<StoredEvent> events);

    /** A batch of {@code deliveries} doorbells failed for a reason that does not pass: they are rung one by one. */
    void batchSplit(int deliveries, Throwable failure);

    /** A catch-up ({@code replay} false) or replay page committed. */
    void page(boolean replay, Applied applied);

    /** A try failed and will be made again; {@code tries} of this kind so far. */
    void retrying(Failures.Kind kind, int tries, Throwable failure);

    /** An event was dead-lettered ({@code carriedSkip} false) or passed over by a carried-over skip. */
    void gaveUp(StoredEvent event, long deadLetterId, boolean carriedSkip, String reason, int attempts);

    /** A failure that names no event (the runtime's own statement failed): retried, never blamed on an event. */
    void failedWithoutEvent(Throwable failure);
}
