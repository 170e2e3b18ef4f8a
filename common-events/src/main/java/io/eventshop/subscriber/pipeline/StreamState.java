package io.eventshop.subscriber.pipeline;

import io.eventshop.store.StoredEvent;

/**
 * What the protocol needs to know about a stream before a page: the version applied, whether a dead
 * letter parks it, and whether an event is to be passed over without its handler (an operator's skip).
 * Locked rows on the live and catch-up paths; a replay's memory.
 */
public interface StreamState {

    int last(String stream);

    boolean parked(String stream);

    boolean skipped(StoredEvent event);
}
