package io.eventshop.subscriber.replay;

import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.pipeline.ReplayMemory;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.UUID;


/**
 * A replaying view's per-stream state in memory: the version applied per stream, the streams a dead
 * letter parks, and the events an operator's carried-over skip passes over. Touched by the replaying
 * thread only; rebuilt from the store after a restart.
 */
final class ReplayState implements ReplayMemory {

    private final Map<String, Integer> versions;
    private final Set<String> parked;
    private final Set<UUID> skipped = new HashSet<>();

    ReplayState(Map<String, Integer> versions, Set<String> parked) {
        this.versions = new HashMap<>(versions);
        this.parked = new HashSet<>(parked);
    }

    @Override
    public int last(String stream) {
        return versions.getOrDefault(stream, 0);
    }

    @Override
    public boolean parked(String stream) {
        return parked.contains(stream);
    }

    @Override
    public boolean skipped(StoredEvent event) {
        return !skipped.isEmpty() && skipped.contains(event.eventId());
    }

    /** Each stream's applied version, as the end of the replay writes them. */
    Iterator<Map.Entry<String, Integer>> rows() {
        return versions.entrySet().iterator();
    }

    int streams() {
        return versions.size();
    }

    @Override
    public void advance(Map<String, Integer> lastVersions) {
        versions.putAll(lastVersions);
    }

    @Override
    public void park(String stream) {
        parked.add(stream);
    }

    @Override
    public void skip(UUID eventId) {
        skipped.add(eventId);
    }
}
