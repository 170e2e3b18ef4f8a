package io.eventshop.subscriber.pipeline;

import io.eventshop.store.StoredEvent;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A replay's state, kept in memory instead of in {@code subscriber_streams} rows: what lets a replay run
 * near the speed the store is read. It never holds a row per stream: only the current page's streams and
 * the few exceptions (parked streams, skips, versions applied out of store order). Changed only once a
 * page's transaction committed.
 */
public interface ReplayMemory extends StreamState {

    /**
     * What a page of {@code events} changes in the exceptions that are committed with the replay's checkpoint,
     * as their stored form; null when it changes nothing.
     */
    String overtakenAfter(List<StoredEvent> events);

    /** The page's events and its streams' versions, after its transaction committed. */
    void advance(List<StoredEvent> events, Map<String, Integer> lastVersions);

    /** A dead letter parks the stream for the rest of the replay (its row in the store says so too). */
    void park(String stream);

    /** An operator's skip carried over: the event is passed over without its handler. */
    void skip(UUID eventId);
}
