package io.eventshop.subscriber.replay;

import io.eventshop.store.Checkpoint;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.pipeline.ReplayMemory;
import io.eventshop.subscriber.replay.Overtakers.Overtaker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * What a replay remembers, none of it per stream of the store: the streams a dead letter parks, the events
 * an operator's carried-over skip passes over, the streams whose versions came out of store order and were
 * applied early ({@link Overtakers}), and the versions of the current page's streams. A replay reads in store
 * order, so an event whose predecessor came earlier in that order is its stream's next version (everything
 * before it was applied when it was read, or repaired): a replay needs no version map, only the exceptions. Its size does not grow with the number of streams
 * (tested: {@link #size()}). Touched by the replaying thread only; the exceptions are committed with each page's
 * checkpoint and read back after a restart.
 */
final class ReplayState implements ReplayMemory {

    /** Versions up to {@code through} were applied early; the last of them lies at {@code until} in store order. */
    private record Early(int through, Checkpoint until) {
    }

    private final Map<String, Integer> parked;
    private final Set<UUID> skipped = new HashSet<>();
    private final Map<String, Early> early = new HashMap<>();
    private final Map<String, Integer> page = new HashMap<>();
    private Map<UUID, Overtaker> overtakers = Map.of();

    /** @param overtaken the exceptions as committed with the checkpoint ({@link #overtaken}) */
    ReplayState(Map<String, Integer> parked, String overtaken, Checkpoint checkpoint) {
        this.parked = new HashMap<>(parked);
        early.putAll(read(overtaken));
        forgetPassed(checkpoint);
    }

    /**
     * A page is about to be applied: each of its streams' versions before it, from the stream's first event in it.
     * Not an overtaker: its predecessor came earlier, so everything before it was applied. An overtaker: what came
     * earlier. Versions applied early count too (the event is then a duplicate).
     */
    void begin(List<StoredEvent> events, Map<UUID, Overtaker> overtakersOfPage) {
        page.clear();
        overtakers = overtakersOfPage;
        for (StoredEvent event : events) {
            String stream = event.streamId().value();
            if (page.containsKey(stream)) {
                continue;
            }
            Integer parkedAt = parked.get(stream);
            if (parkedAt != null) {
                page.put(stream, parkedAt);
                continue;
            }
            Overtaker overtaker = overtakers.get(event.eventId());
            int before = overtaker == null ? event.streamVersion() - 1 : overtaker.appliedBefore();
            Early applied = early.get(stream);
            page.put(stream, applied == null ? before : Math.max(before, applied.through()));
        }
    }

    @Override
    public int last(String stream) {
        Integer last = page.get(stream);
        if (last == null) {
            throw new IllegalStateException(stream + " is not in the page being replayed");
        }
        return last;
    }

    @Override
    public boolean parked(String stream) {
        return parked.containsKey(stream);
    }

    @Override
    public boolean skipped(StoredEvent event) {
        return !skipped.isEmpty() && skipped.contains(event.eventId());
    }

    @Override
    public String overtakenAfter(List<StoredEvent> events) {
        Map<String, Early> after = withOvertakers(events);
        return after.equals(early) ? null : json(after);
    }

    @Override
    public void advance(List<StoredEvent> events, Map<String, Integer> lastVersions) {
        page.putAll(lastVersions);
        early.clear();
        early.putAll(withOvertakers(events));
    }

    // The early-applied streams once these events committed: an overtaker repaired the versions before it. Those
    // read past already are forgotten: no event of theirs can come again.
    private Map<String, Early> withOvertakers(List<StoredEvent> events) {
        Map<String, Early> after = new HashMap<>(early);
        for (StoredEvent event : events) {
            Overtaker overtaker = overtakers.get(event.eventId());
            String stream = event.streamId().value();
            if (overtaker != null && !parked.containsKey(stream)) {
                after.merge(stream, new Early(event.streamVersion(), overtaker.missingUntil()), ReplayState::wider);
            }
        }
        Checkpoint end = events.getLast().position();
        after.values().removeIf(applied -> !applied.until().isAfter(end));
        return after;
    }

    /**
     * The exceptions of a partitioned replay's partitions ({@link #overtakenAfter}'s stored form), once all of them
     * have read up to {@code until}: together, those not yet passed there. Each partition began with the category's
     * list, so a stream may come from several, with the same entry or one a partition widened.
     */
    static String merged(List<String> overtaken, Checkpoint until) {
        Map<String, Early> all = new HashMap<>();
        for (String stored : overtaken) {
            read(stored).forEach((stream, applied) -> all.merge(stream, applied, ReplayState::wider));
        }
        all.values().removeIf(applied -> !applied.until().isAfter(until));
        return json(all);
    }

    private static Map<String, Early> read(String stored) {
        Map<String, Early> streams = new HashMap<>();
        for (Object entry : new JsonArray(stored)) {
            JsonObject stream = (JsonObject) entry;
            streams.put(stream.getString("stream"), new Early(stream.getInteger("through"), Checkpoint.parse(stream.getString("until"))));
        }
        return streams;
    }

    private static Early wider(Early was, Early now) {
        return new Early(Math.max(was.through(), now.through()), was.until().isAfter(now.until()) ? was.until() : now.until());
    }

    private void forgetPassed(Checkpoint checkpoint) {
        early.values().removeIf(applied -> !applied.until().isAfter(checkpoint));
    }

    private static String json(Map<String, Early> streams) {
        JsonArray all = new JsonArray();
        streams.forEach((stream, applied) -> all.add(new JsonObject().put("stream", stream).put("through", applied.through())
                .put("until", applied.until().toString())));
        return all.encode();
    }

    @Override
    public void park(String stream) {
        parked.put(stream, last(stream));
    }

    @Override
    public void skip(UUID eventId) {
        skipped.add(eventId);
    }

    /** Entries held: parked streams, skips, early-applied streams and the current page's streams; never one per stream replayed. */
    int size() {
        return parked.size() + skipped.size() + early.size() + page.size();
    }
}
