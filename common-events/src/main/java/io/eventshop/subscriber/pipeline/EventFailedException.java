package io.eventshop.subscriber.pipeline;

import io.eventshop.store.StoredEvent;

/** A failure while applying {@link #event()}: the event to dead-letter if the retry policy gives up. */
public final class EventFailedException extends RuntimeException {

    private final transient StoredEvent event;

    EventFailedException(StoredEvent event, Throwable cause) {
        super(event.streamId() + " version " + event.streamVersion() + " (" + event.type() + "): " + cause.getMessage(), cause);
        this.event = event;
    }

    public StoredEvent event() {
        return event;
    }
}
