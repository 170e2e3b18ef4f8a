package io.eventshop.subscriber.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.eventshop.events.EventMetadata;
import io.eventshop.events.RecordedEvent;
import io.eventshop.events.StreamId;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.StoredEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The protocol's decisions for a page, without a database: what a handler will see, and in which order. */
class PagePlanTest {

    private static final StreamId A = StreamId.parse("order-aaaa");
    private static final StreamId B = StreamId.parse("order-bbbb");
    private long position;

    @Test
    void the_next_version_of_each_stream_is_applied_and_advances_it() {
        PagePlan plan = PagePlan.of(List.of(event(A, 1), event(B, 4), event(A, 2)), state(Map.of("order-bbbb", 3)));

        assertThat(steps(plan)).containsExactly("apply order-aaaa 1", "apply order-bbbb 4", "apply order-aaaa 2");
        assertThat(plan.lastVersions()).containsExactlyInAnyOrderEntriesOf(Map.of("order-aaaa", 2, "order-bbbb", 4));
        assertThat(plan.incoming()).isEqualTo(3);
    }

    @Test
    void versions_already_applied_are_duplicates_even_within_the_page() {
        PagePlan plan = PagePlan.of(List.of(event(A, 2), event(A, 3), event(A, 3), event(A, 1)), state(Map.of("order-aaaa", 2)));

        assertThat(steps(plan)).containsExactly("apply order-aaaa 3");
        assertThat(plan.duplicates()).isEqualTo(3);
        assertThat(plan.lastVersions()).containsEntry("order-aaaa", 3);
    }

    @Test
    void a_version_after_a_gap_first_repairs_the_missing_versions_from_the_store() {
        PagePlan plan = PagePlan.of(List.of(event(A, 4), event(A, 2)), state(Map.of("order-aaaa", 1)));

        assertThat(steps(plan)).containsExactly("repair order-aaaa 2..3", "apply order-aaaa 4");
        assertThat(plan.duplicates()).as("version 2 came with the repair").isEqualTo(1);
        assertThat(plan.hasRepairs()).isTrue();
    }

    @Test
    void a_parked_stream_waits_but_its_duplicates_are_still_duplicates_and_others_flow() {
        StreamState parkedA = new TestState(Map.of("order-aaaa", 2), Set.of("order-aaaa"));

        PagePlan plan = PagePlan.of(List.of(event(A, 2), event(A, 3), event(B, 1), event(A, 4)), parkedA);

        assertThat(steps(plan)).containsExactly("apply order-bbbb 1");
        assertThat(plan.parked()).isEqualTo(2);
        assertThat(plan.duplicates()).isEqualTo(1);
        assertThat(plan.lastVersions()).doesNotContainKey("order-aaaa");
    }

    @Test
    void an_empty_page_plans_nothing() {
        PagePlan plan = PagePlan.of(List.of(), state(Map.of()));

        assertThat(plan.isEmpty()).isTrue();
        assertThat(plan.lastVersions()).isEmpty();
    }

    private StreamState state(Map<String, Integer> versions) {
        return new TestState(versions, Set.of());
    }

    private record TestState(Map<String, Integer> versions, Set<String> parkedStreams) implements StreamState {
        @Override
        public int last(String stream) {
            return versions.getOrDefault(stream, 0);
        }

        @Override
        public boolean parked(String stream) {
            return parkedStreams.contains(stream);
        }

        @Override
        public boolean skipped(StoredEvent event) {
            return false;
        }
    }

    private StoredEvent event(StreamId stream, int version) {
        position++;
        return new StoredEvent(new Checkpoint(1, position), new RecordedEvent(UUID.randomUUID(), stream, version, "io.eventshop.order.confirmed",
                1, "{}", new EventMetadata(null, null, "test", null, null), Instant.now()));
    }

    private static List<String> steps(PagePlan plan) {
        return plan.steps().stream().map(step -> switch (step) {
            case PagePlan.Apply apply -> "apply " + apply.event().streamId() + " " + apply.event().streamVersion();
            case PagePlan.Repair repair -> "repair " + repair.stream() + " " + repair.from() + ".." + repair.to();
        }).toList();
    }
}
