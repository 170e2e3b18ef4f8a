package io.eventshop.subscriber.pipeline;

import io.eventshop.store.StoredEvent;

/** What the pipeline reports as it goes: metrics and the subscriber's last error. Called on the applying thread. */
public interface PipelineListener {

    /** A doorbell ended; {@code event} is the store's copy, null when unmatched. */
    void rung(Delivery delivery, Applied applied, StoredEvent event);

    /** A catch-up ({@code replay} false) or replay page committed. */
    void page(boolean replay, Applied applied);

    /** A try failed and will be made again; {@code tries} of this kind so far. */
    void retrying(Failures.Kind kind, int tries, Throwable failure);

    /** An event was dead-lettered ({@code carriedSkip} false) or passed over by a carried-over skip. */
    void gaveUp(StoredEvent event, long deadLetterId, boolean carriedSkip, String reason, int attempts);

    /** A failure that names no event (the runtime's own statement failed): retried, never blamed on an event. */
    void failedWithoutEvent(Throwable failure);
}
