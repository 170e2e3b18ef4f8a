package io.eventshop.subscriber.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.eventshop.events.EventMetadata;
import io.eventshop.events.RecordedEvent;
import io.eventshop.events.StreamId;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.pipeline.PagePlan;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A replay's memory holds the exceptions and the current page, never a row per stream: what keeps a rebuild's
 * memory flat in the number of streams. And the one exception that needs memory, a version that came before its
 * predecessor in store order, makes the predecessor a duplicate when it comes, also after a restart.
 */
class ReplayStateTest {

    private static final int PAGE = 500;
    private long position;

    @Test
    void its_size_does_not_grow_with_the_streams_replayed() {
        ReplayState state = new ReplayState(Map.of(), "[]", Checkpoint.START);
        for (int page = 0; page < 100; page++) { // 50,000 streams of two events each
            List<StoredEvent> events = new ArrayList<>();
            for (int i = 0; i < PAGE / 2; i++) {
                StreamId stream = StreamId.of("order", UUID.randomUUID().toString());
                events.add(event(stream, 1));
                events.add(event(stream, 2));
            }
            state.begin(events, Map.of());
            PagePlan plan = PagePlan.of(events, state);
            assertThat(plan.incoming()).as("every event is its stream's next version").isEqualTo(PAGE);
            state.advance(events, plan.lastVersions());
            assertThat(state.size()).as("entries after page %d", page).isLessThanOrEqualTo(PAGE);
        }
    }

    @Test
    void a_version_that_came_before_its_predecessor_repairs_it_and_the_predecessor_is_a_duplicate_after_a_restart() {
        StreamId stream = StreamId.of("order", UUID.randomUUID().toString());
        StoredEvent third = event(stream, 3);
        StoredEvent first = event(stream, 1);
        StoredEvent second = event(stream, 2);
        ReplayState state = new ReplayState(Map.of(), "[]", Checkpoint.START);
        List<StoredEvent> page = List.of(third);
        Map<UUID, Overtakers.Overtaker> overtakers = Map.of(third.eventId(), new Overtakers.Overtaker(0, second.position()));
        state.begin(page, overtakers);
        PagePlan plan = PagePlan.of(page, state);
        assertThat(plan.hasRepairs()).as("versions 1 and 2 read from the store first").isTrue();
        String committed = state.overtakenAfter(page);
        assertThat(committed).as("committed with the page's checkpoint").contains(stream.value());
        state.advance(page, plan.lastVersions());

        ReplayState restarted = new ReplayState(Map.of(), committed, third.position());
        List<StoredEvent> next = List.of(first, second);
        restarted.begin(next, Map.of());
        assertThat(PagePlan.of(next, restarted).duplicates()).isEqualTo(2);
        restarted.advance(next, Map.of());
        assertThat(restarted.size()).as("the stream of the page only: the early versions are forgotten once read past").isEqualTo(1);
    }

    private StoredEvent event(StreamId stream, int version) {
        position++;
        return new StoredEvent(new Checkpoint(1, position), new RecordedEvent(UUID.randomUUID(), stream, version,
                "io.eventshop.order.confirmed", 1, "{}", new EventMetadata(null, null, "test", null, null), Instant.now()));
    }
}
