package io.eventshop.subscriber;

import java.util.Map;
import java.util.Set;

/**
 * A replaying view's per-stream state, kept in memory instead of in {@code subscriber_streams}: the
 * version applied per stream and the streams parked by a dead letter. Touched by the replaying
 * thread only; {@link SubscriberCheckpoints#replayState} rebuilds it from the store after a restart.
 */
record Replay(Map<String, Integer> versions, Set<String> parked) {

    int version(String stream) {
        return versions.getOrDefault(stream, 0);
    }
}
