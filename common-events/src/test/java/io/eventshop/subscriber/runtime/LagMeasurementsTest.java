package io.eventshop.subscriber.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.eventshop.store.Checkpoint;
import io.eventshop.subscriber.state.Checkpoints.Lag;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The lag's cost stays bounded whatever the backlog: with every call counting (the code before), four of these five tests
 * fail (20 counts instead of one, a count inside its window, a hanging count not waited for).
 */
class LagMeasurementsTest {

    private static final Checkpoint AT = new Checkpoint(100, 5_000);
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final AtomicLong clock = new AtomicLong();
    private final LagMeasurements lags = new LagMeasurements(clock::get);
    private final AtomicInteger counted = new AtomicInteger();
    private final List<CompletableFuture<Lag>> running = new ArrayList<>();

    // A count that ends when the test says, as a slow count in Postgres does.
    private final Supplier<Uni<Lag>> count = () -> {
        counted.incrementAndGet();
        CompletableFuture<Lag> result = new CompletableFuture<>();
        running.add(result);
        return Uni.createFrom().completionStage(result);
    };

    @Test
    void calls_while_a_count_runs_wait_for_that_count_instead_of_starting_their_own() {
        List<CompletableFuture<Lag>> answers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            answers.add(lags.of("order", AT, count).subscribeAsCompletionStage());
        }
        running.getFirst().complete(new Lag(1_000_000, 42));

        assertThat(counted).hasValue(1);
        assertThat(answers).allSatisfy(answer -> assertThat(answer).succeedsWithin(WAIT).isEqualTo(new Lag(1_000_000, 42)));
    }

    @Test
    void a_count_answers_for_ten_times_as_long_as_it_took_its_age_growing_then_the_next_call_counts_again() {
        Lag first = countedOnce(Duration.ofSeconds(1), new Lag(1_000_000, 42));
        assertThat(first).isEqualTo(new Lag(1_000_000, 42));

        clock.addAndGet(Duration.ofSeconds(10).toNanos());
        Checkpoint further = new Checkpoint(100, 90_000); // the replay moved on: the count is an upper bound
        assertThat(lags.of("order", further, count).await().atMost(WAIT)).as("its oldest event has waited 10 s more")
                .isEqualTo(new Lag(1_000_000, 52));
        assertThat(counted).as("10 s after a count of 1 s").hasValue(1);

        clock.addAndGet(1);
        CompletableFuture<Lag> next = lags.of("order", further, count).subscribeAsCompletionStage();
        assertThat(counted).as("just past ten times as long").hasValue(2);
        running.get(1).complete(new Lag(900_000, 50));
        assertThat(next).succeedsWithin(WAIT).isEqualTo(new Lag(900_000, 50));
    }

    @Test
    void a_quick_count_is_soon_counted_again_and_categories_are_counted_apart() {
        countedOnce(Duration.ofMillis(2), new Lag(0, 0));
        lags.of("product", AT, count).subscribeAsCompletionStage();
        assertThat(counted).as("another category").hasValue(2);

        clock.addAndGet(Duration.ofMillis(20).toNanos());
        assertThat(lags.of("order", AT, count).await().atMost(WAIT)).as("nothing waiting: no age").isEqualTo(new Lag(0, 0));
        assertThat(counted).as("20 ms after a count of 2 ms").hasValue(2);
        clock.addAndGet(Duration.ofMillis(1).toNanos());
        lags.of("order", AT, count).subscribeAsCompletionStage();
        assertThat(counted).as("21 ms after").hasValue(3);
    }

    @Test
    void a_checkpoint_moved_back_by_a_reposition_is_counted_again_and_no_count_answers_for_long() {
        countedOnce(Duration.ofSeconds(10), new Lag(1_000_000, 5));

        lags.of("order", new Checkpoint(90, 1), count).subscribeAsCompletionStage();
        assertThat(counted).as("a checkpoint before the counted one").hasValue(2);
        running.get(1).complete(new Lag(1_000_000, 500));

        clock.addAndGet(LagMeasurements.REUSE_AT_MOST.toNanos() + Duration.ofSeconds(10).toNanos() + 1);
        lags.of("order", new Checkpoint(90, 1), count).subscribeAsCompletionStage();
        assertThat(counted).as("a count of 10 s answers for 30 s, not 100").hasValue(3);
    }

    @Test
    void a_failed_count_is_not_reused_and_a_count_that_never_ends_is_given_up_on() {
        CompletableFuture<Lag> failing = lags.of("order", AT, count).subscribeAsCompletionStage();
        running.getFirst().completeExceptionally(new IllegalStateException("connection closed"));
        assertThatThrownBy(failing::join).hasRootCauseMessage("connection closed");

        lags.of("order", AT, count).subscribeAsCompletionStage(); // hangs
        assertThat(counted).hasValue(2);
        clock.addAndGet(LagMeasurements.GIVE_UP.toNanos() - 1);
        lags.of("order", AT, count).subscribeAsCompletionStage();
        assertThat(counted).as("still waited for").hasValue(2);
        clock.addAndGet(1);
        lags.of("order", AT, count).subscribeAsCompletionStage();
        assertThat(counted).as("given up on").hasValue(3);
    }

    // The first count of "order" at AT, taking {@code took} and finding {@code found}: its answer.
    private Lag countedOnce(Duration took, Lag found) {
        CompletableFuture<Lag> answer = lags.of("order", AT, count).subscribeAsCompletionStage();
        clock.addAndGet(took.toNanos());
        running.getFirst().complete(found);
        assertThat(answer).succeedsWithin(WAIT);
        return answer.join();
    }
}
