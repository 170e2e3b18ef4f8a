package io.eventshop.subscriber.pipeline;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * The one retry policy of every subscriber source (live deliveries, catch-up pages, replay pages,
 * resyncs): given what failed and how often, retry after a jittered backoff, apply the page event by
 * event, or give up on the event (dead letter). Pure: the caller pauses and counts.
 *
 * <ul>
 * <li>{@link Failures.Kind#UNAVAILABLE}: retried as long as it lasts (the database being down is no
 * event's fault);</li>
 * <li>{@link Failures.Kind#CONTENTION}: retried up to {@code contentionAttempts} times; a failure that
 * stays "passing" beyond that is the event's own (a reactor whose append always conflicts);</li>
 * <li>{@link Failures.Kind#POISON}: given up at once;</li>
 * <li>{@link Failures.Kind#HANDLER}: retried up to {@code handlerAttempts} tries in all.</li>
 * </ul>
 * A page of several events is never given up on: it is applied event by event instead, so exactly the
 * bad event is dead-lettered and the rest flow.
 */
public final class RetryPolicy {

    /** What to do after a failure. */
    public sealed interface Decision {
    }

    /** Try the same work again after {@code after}. */
    public record Retry(Duration after) implements Decision {
    }

    /** Apply the page's events one by one. */
    public record Split() implements Decision {
    }

    /** Dead-letter the event after {@code attempts} tries. */
    public record GiveUp(int attempts) implements Decision {
    }

    /** Failures of one piece of work so far, by kind. */
    public static final class Tries {
        private int handler;
        private int contention;
        private int unavailable;

        public int handler() {
            return handler;
        }

        public int contention() {
            return contention;
        }

        public int unavailable() {
            return unavailable;
        }

        /** Every try that failed, of any kind. */
        public int total() {
            return handler + contention + unavailable;
        }
    }

    private final int handlerAttempts;
    private final int contentionAttempts;
    private final Duration backoff;
    private final Duration maxBackoff;
    private final RandomGenerator random;

    /**
     * @param handlerAttempts    tries of a failing handler before its event is dead-lettered
     * @param contentionAttempts tries of an event that keeps meeting contention before it is dead-lettered
     * @param backoff            the pause after the first failure; doubles per failure of the same kind
     * @param maxBackoff         the longest pause
     * @param random             jitter: each pause is scaled into [½, 1] of its value, so replicas that failed
     *                           together do not retry in lockstep
     */
    public RetryPolicy(int handlerAttempts, int contentionAttempts, Duration backoff, Duration maxBackoff, RandomGenerator random) {
        if (handlerAttempts < 1 || contentionAttempts < 1) {
            throw new IllegalArgumentException("attempts must be positive: handler " + handlerAttempts + ", contention " + contentionAttempts);
        }
        this.handlerAttempts = handlerAttempts;
        this.contentionAttempts = contentionAttempts;
        this.backoff = backoff;
        this.maxBackoff = maxBackoff;
        this.random = random;
    }

    /**
     * Counts the failure in {@code tries} and decides.
     *
     * @param single whether the work is one event (else a page of several, which splits rather than give up)
     */
    public Decision next(Failures.Kind kind, Tries tries, boolean single) {
        return switch (kind) {
            case UNAVAILABLE -> new Retry(pause(++tries.unavailable));
            case CONTENTION -> ++tries.contention < contentionAttempts ? new Retry(pause(tries.contention))
                    : single ? new GiveUp(tries.contention + tries.handler) : new Split();
            case POISON -> single ? new GiveUp(1) : new Split();
            case HANDLER -> !single ? new Split()
                    : ++tries.handler < handlerAttempts ? new Retry(pause(tries.handler)) : new GiveUp(tries.handler + tries.contention);
        };
    }

    /** The longest pause this policy makes. */
    public Duration maxBackoff() {
        return maxBackoff;
    }

    // backoff · 2^(n-1), at most maxBackoff, scaled by a random factor in [½, 1].
    Duration pause(int failures) {
        Duration full = backoff.multipliedBy(1L << Math.min(failures - 1, 20));
        if (full.compareTo(maxBackoff) > 0) {
            full = maxBackoff;
        }
        return Duration.ofNanos((long) (full.toNanos() * (0.5 + random.nextDouble() / 2)));
    }
}
