package io.eventshop.subscriber.pipeline;

import io.eventshop.events.StreamId;
import io.eventshop.store.StoredEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The subscriber protocol for one page, decided in memory and without I/O, so it is unit-tested on its
 * own: for each event in page order, given the version its stream has applied (as advanced by earlier
 * events of the page), it is a duplicate (skip), the next version (apply), or after a gap (read the
 * missing versions from the store, apply them first); a parked stream's later events wait.
 *
 * @param steps        what to apply, in order: the page's events and the gaps to repair before them
 * @param lastVersions each stream's version once the page is applied
 * @param incoming     page events to apply
 * @param duplicates   page events already applied
 * @param parked       page events of parked streams, left for the dead letter's resolution
 */
public record PagePlan(List<Step> steps, Map<String, Integer> lastVersions, int incoming, int duplicates, int parked) {

    /** One thing to apply. */
    public sealed interface Step {
    }

    /** An event of the page. */
    public record Apply(StoredEvent event) implements Step {
    }

    /** Versions {@code from..to} of a stream are missing before {@code before}: read them from the store, apply them first. */
    public record Repair(StreamId stream, int from, int to, StoredEvent before) implements Step {

        public int count() {
            return to - from + 1;
        }
    }

    public PagePlan {
        steps = List.copyOf(steps);
        lastVersions = Map.copyOf(lastVersions);
    }

    public static PagePlan of(List<StoredEvent> page, StreamState state) {
        Map<String, Integer> advanced = new HashMap<>();
        List<Step> steps = new ArrayList<>();
        int incoming = 0;
        int duplicates = 0;
        int parked = 0;
        for (StoredEvent event : page) {
            String stream = event.streamId().value();
            int last = advanced.getOrDefault(stream, state.last(stream));
            int version = event.streamVersion();
            if (version <= last) {
                duplicates++;
                continue;
            }
            if (state.parked(stream)) {
                parked++;
                continue;
            }
            if (version > last + 1) {
                steps.add(new Repair(event.streamId(), last + 1, version - 1, event));
            }
            steps.add(new Apply(event));
            incoming++;
            advanced.put(stream, version);
        }
        return new PagePlan(steps, advanced, incoming, duplicates, parked);
    }

    public boolean isEmpty() {
        return steps.isEmpty();
    }

    public boolean hasRepairs() {
        return steps.stream().anyMatch(Repair.class::isInstance);
    }
}
