package io.eventshop.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.eventshop.events.StreamId;
import io.eventshop.testing.StoreFixture;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Appends at one expected version: exactly one wins, the others get a conflict that carries the numbers. */
class OptimisticConcurrencyTest {

    static StoreFixture fx;
    static EventStore store;

    @BeforeAll
    static void open() {
        fx = StoreFixture.open(24);
        store = fx.store;
    }

    @AfterAll
    static void close() {
        fx.close();
    }

    @Test
    void of_many_concurrent_appends_at_the_same_expected_version_exactly_one_wins_and_versions_stay_gapless() {
        StreamId stream = StoreFixture.newStream("concurrency");
        append(stream, ExpectedVersion.NO_STREAM, 1);

        List<Outcome> outcomes = race(20, () -> store.inTransaction(tx ->
                store.append(tx, stream, ExpectedVersion.exactly(1), StoreFixture.events(2, "racer"))));

        assertThat(outcomes).filteredOn(Outcome::won).hasSize(1);
        assertThat(outcomes).filteredOn(o -> !o.won()).hasSize(19).allSatisfy(lost -> {
            assertThat(lost.failure()).isInstanceOf(StreamVersionConflictException.class);
            StreamVersionConflictException conflict = (StreamVersionConflictException) lost.failure();
            assertThat(conflict.streamId()).isEqualTo(stream);
            assertThat(conflict.expected()).isEqualTo(ExpectedVersion.exactly(1));
            assertThat(conflict.actual()).isEqualTo(3);
            assertThat(conflict).hasMessage(stream + " is at version 3, expected 1");
        });
        assertThat(versions(stream)).containsExactly(1, 2, 3);
        assertThat(fx.meters.counter("eventshop.store.append.conflicts", "category", "concurrency").count()).isGreaterThanOrEqualTo(19);
    }

    @Test
    void of_concurrent_creations_of_one_stream_exactly_one_wins() {
        StreamId stream = StoreFixture.newStream("concurrency");

        List<Outcome> outcomes = race(10, () -> store.inTransaction(tx ->
                store.append(tx, stream, ExpectedVersion.NO_STREAM, StoreFixture.events(1, "creator"))));

        assertThat(outcomes).filteredOn(Outcome::won).hasSize(1);
        assertThat(outcomes).filteredOn(o -> !o.won()).extracting(o -> o.failure().getMessage())
                .containsOnly(stream + " is at version 1, expected no stream");
    }

    @Test
    void concurrent_appends_at_any_version_all_succeed_one_after_another_without_gaps() {
        StreamId stream = StoreFixture.newStream("concurrency");

        List<Outcome> outcomes = race(16, () -> store.inTransaction(tx ->
                store.append(tx, stream, ExpectedVersion.ANY, StoreFixture.events(3, "any"))));

        assertThat(outcomes).allMatch(Outcome::won);
        assertThat(versions(stream)).containsExactlyElementsOf(IntStream.rangeClosed(1, 48).boxed().toList());
    }

    @Test
    void a_stream_is_read_back_in_version_order_across_pages() {
        StreamId stream = StoreFixture.newStream("concurrency");
        append(stream, ExpectedVersion.NO_STREAM, 700);
        append(stream, ExpectedVersion.exactly(700), 600);

        assertThat(versions(stream)).containsExactlyElementsOf(IntStream.rangeClosed(1, 1300).boxed().toList());
        assertThat(store.readStream(stream, 1201).collect().asList().await().indefinitely())
                .extracting(StoredEvent::streamVersion).containsExactlyElementsOf(IntStream.rangeClosed(1201, 1300).boxed().toList());
        assertThat(store.streamVersion(stream).await().indefinitely()).isEqualTo(1300);
    }

    @Test
    void an_empty_append_is_refused() {
        StreamId stream = StoreFixture.newStream("concurrency");
        assertThatThrownBy(() -> store.inTransaction(tx -> store.append(tx, stream, ExpectedVersion.ANY, List.of()))
                .await().indefinitely())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nothing to append to " + stream);
    }

    private static void append(StreamId stream, ExpectedVersion expected, int count) {
        store.inTransaction(tx -> store.append(tx, stream, expected, StoreFixture.events(count, "setup"))).await().indefinitely();
    }

    private static List<Integer> versions(StreamId stream) {
        return store.readStream(stream, 1).map(StoredEvent::streamVersion).collect().asList().await().indefinitely();
    }

    // All attempts are subscribed at once, so they really compete for the stream.
    private static List<Outcome> race(int attempts, Supplier<Uni<List<StoredEvent>>> attempt) {
        return Multi.createFrom().range(0, attempts)
                .onItem().transformToUniAndMerge(i -> attempt.get()
                        .map(ok -> new Outcome(true, null))
                        .onFailure().recoverWithItem(failure -> new Outcome(false, failure)))
                .collect().asList().await().indefinitely();
    }

    private record Outcome(boolean won, Throwable failure) {
    }
}
