package io.eventshop.subscriber.pipeline;

import java.util.Map;
import java.util.UUID;

/**
 * A replay's per-stream state, kept in memory instead of in {@code subscriber_streams} rows: what lets
 * a replay run near the speed the store is read. Changed only once a page's transaction committed.
 */
public interface ReplayMemory extends StreamState {

    /** The page's versions, after its transaction committed. */
    void advance(Map<String, Integer> lastVersions);

    /** A dead letter parks the stream for the rest of the replay (its row in the store says so too). */
    void park(String stream);

    /** An operator's skip carried over: the event is passed over without its handler. */
    void skip(UUID eventId);
}
