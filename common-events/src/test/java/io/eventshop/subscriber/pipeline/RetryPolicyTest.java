package io.eventshop.subscriber.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.eventshop.events.UnknownEventTypeException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** The one retry policy every subscriber source follows, decided without clocks or a database. */
class RetryPolicyTest {

    // nextDouble() always 1.0 - epsilon would be the full pause; 0.0 gives half of it: the lower bound of the jitter.
    private static final RandomGenerator LOWEST = () -> 0L;
    private final RetryPolicy policy = new RetryPolicy(3, 4, Duration.ofMillis(100), Duration.ofSeconds(1), LOWEST);

    @Test
    void an_unreachable_database_is_waited_for_without_limit_with_growing_capped_pauses() {
        RetryPolicy.Tries tries = new RetryPolicy.Tries();
        for (int i = 1; i <= 1_000; i++) {
            assertThat(policy.next(Failures.Kind.UNAVAILABLE, tries, true)).isInstanceOf(RetryPolicy.Retry.class);
        }
        assertThat(policy.pause(1)).isEqualTo(Duration.ofMillis(50));
        assertThat(policy.pause(2)).isEqualTo(Duration.ofMillis(100));
        assertThat(policy.pause(30)).isEqualTo(Duration.ofMillis(500)).as("capped at max, then jittered");
    }

    @Test
    void contention_that_never_passes_becomes_the_events_failure_after_its_bound() {
        RetryPolicy.Tries tries = new RetryPolicy.Tries();
        assertThat(policy.next(Failures.Kind.CONTENTION, tries, true)).isInstanceOf(RetryPolicy.Retry.class);
        assertThat(policy.next(Failures.Kind.CONTENTION, tries, true)).isInstanceOf(RetryPolicy.Retry.class);
        assertThat(policy.next(Failures.Kind.CONTENTION, tries, true)).isInstanceOf(RetryPolicy.Retry.class);
        assertThat(policy.next(Failures.Kind.CONTENTION, tries, true)).isEqualTo(new RetryPolicy.GiveUp(4));
    }

    @Test
    void a_page_is_never_given_up_on_it_is_split_so_only_the_bad_event_stops() {
        assertThat(policy.next(Failures.Kind.HANDLER, new RetryPolicy.Tries(), false)).isEqualTo(new RetryPolicy.Split());
        assertThat(policy.next(Failures.Kind.POISON, new RetryPolicy.Tries(), false)).isEqualTo(new RetryPolicy.Split());
        RetryPolicy.Tries contended = new RetryPolicy.Tries();
        for (int i = 1; i < 4; i++) {
            assertThat(policy.next(Failures.Kind.CONTENTION, contended, false)).isInstanceOf(RetryPolicy.Retry.class);
        }
        assertThat(policy.next(Failures.Kind.CONTENTION, contended, false)).isEqualTo(new RetryPolicy.Split());
        assertThat(policy.next(Failures.Kind.UNAVAILABLE, new RetryPolicy.Tries(), false)).isInstanceOf(RetryPolicy.Retry.class);
    }

    @Test
    void a_failing_handler_gets_its_attempts_and_poison_none() {
        RetryPolicy.Tries tries = new RetryPolicy.Tries();
        assertThat(policy.next(Failures.Kind.HANDLER, tries, true)).isInstanceOf(RetryPolicy.Retry.class);
        assertThat(policy.next(Failures.Kind.HANDLER, tries, true)).isInstanceOf(RetryPolicy.Retry.class);
        assertThat(policy.next(Failures.Kind.HANDLER, tries, true)).isEqualTo(new RetryPolicy.GiveUp(3));
        assertThat(policy.next(Failures.Kind.POISON, new RetryPolicy.Tries(), true)).isEqualTo(new RetryPolicy.GiveUp(1));
    }

    @Test
    void attempts_of_both_kinds_add_up_when_an_event_is_given_up_on() {
        RetryPolicy.Tries tries = new RetryPolicy.Tries();
        policy.next(Failures.Kind.CONTENTION, tries, true);
        policy.next(Failures.Kind.HANDLER, tries, true);
        policy.next(Failures.Kind.HANDLER, tries, true);
        assertThat(policy.next(Failures.Kind.HANDLER, tries, true)).isEqualTo(new RetryPolicy.GiveUp(4));
    }

    @Test
    void jitter_spreads_pauses_between_half_and_the_whole() {
        RetryPolicy random = new RetryPolicy(3, 4, Duration.ofMillis(100), Duration.ofSeconds(1), RandomGenerator.of("L64X128MixRandom"));
        for (int i = 0; i < 100; i++) {
            assertThat(random.pause(3)).isBetween(Duration.ofMillis(200), Duration.ofMillis(400));
        }
    }

    @Test
    void failures_are_classified_by_what_they_say_about_the_event() {
        assertThat(Failures.classify(new UnknownEventTypeException("io.eventshop.order.teleported")))
                .isEqualTo(Failures.Kind.POISON);
        assertThat(Failures.classify(new ConnectException("refused"))).isEqualTo(Failures.Kind.UNAVAILABLE);
        // A reset: a bounded retry in a handler (it may be another service's), the database gone at the REST edge.
        assertThat(Failures.classify(new java.net.SocketException("Connection reset"))).isEqualTo(Failures.Kind.CONTENTION);
        assertThat(io.eventshop.store.DatabaseUnavailable.wentAway(new IllegalStateException(new java.net.SocketException("Connection reset")))).isTrue();
        assertThat(io.eventshop.store.DatabaseUnavailable.wentAway(new java.io.IOException("a handler's own call"))).isFalse();
        RuntimeException looped = new RuntimeException("a");
        looped.initCause(new RuntimeException("b", looped));
        assertThat(Failures.classify(looped)).isEqualTo(Failures.Kind.HANDLER);
        assertThat(Failures.classify(new io.vertx.pgclient.PgException("deadlock", "ERROR", "40P01", "")))
                .isEqualTo(Failures.Kind.CONTENTION);
        assertThat(Failures.classify(new io.vertx.pgclient.PgException("gone", "FATAL", "57P01", "")))
                .isEqualTo(Failures.Kind.UNAVAILABLE);
        assertThat(Failures.classify(new io.vertx.pgclient.PgException("no such column", "ERROR", "42703", "")))
                .isEqualTo(Failures.Kind.HANDLER);
        assertThat(Failures.classify(new IllegalStateException("the view cannot take it"))).isEqualTo(Failures.Kind.HANDLER);
    }
}
