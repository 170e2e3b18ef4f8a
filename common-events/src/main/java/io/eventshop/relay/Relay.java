package io.eventshop.relay;

import io.eventshop.broker.BrokerConnectionSource;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.StoredEvent;
import io.eventshop.tracing.EventSpans;
import io.eventshop.worker.Worker;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.vertx.mutiny.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * Relays one category from the store to its fanout exchange: tails {@code readCategory} (the
 * ordering rule), publishes each batch in store order, and saves the checkpoint only after the
 * broker confirmed the batch, so a crash re-publishes (at-least-once) and never skips. Only the
 * replica that holds the category's lock publishes; the others stand by and try again every
 * retry interval, so one takes over within seconds when the leader's connection dies.
 *
 * <p>Runs on a virtual thread of its own: the AMQP client and the lock are blocking by nature,
 * and one thread per category makes "in store order" hold without further coordination.
 */
public final class Relay implements AutoCloseable {

    public enum State { STARTING, STANDBY, LEADING, FAILING, STOPPED }

    /**
     * What the relay is doing, for health and the admin API ({@code /admin/relays}).
     *
     * @param checkpoint the last event the broker confirmed; null before this replica led
     * @param lagEvents  events read but not yet confirmed (one batch at most; more may wait behind it)
     * @param lagSeconds age of the oldest event not yet confirmed, 0 when caught up
     */
    @RegisterForReflection
    public record Status(String category, State state, Checkpoint checkpoint, long lagEvents, double lagSeconds, String lastError) {
    }

    private static final Logger LOG = Logger.getLogger(Relay.class);
    // How soon a relay looks again at events the horizon hides: doubling from 1 ms up to the poll interval, so a
    // transaction of a few milliseconds delays them by about that much, and one held open for long costs no more
    // than the poll after a second or so.
    private static final Duration FIRST_LOOK_AGAIN = Duration.ofMillis(1);

    private final String category;
    private final EventStore store;
    private final RelayLeadership leadership;
    private final Publisher publisher;
    private final RelayOptions options;
    private final RelayMetrics metrics;
    private final Worker worker;

    private volatile State state = State.STARTING;
    private volatile Checkpoint checkpoint;
    private volatile String lastError;
    // Touched only by the relay's thread: the position of the last event sent (ahead of the saved
    // checkpoint by the batch in flight), that batch, and the page read ahead.
    private Checkpoint cursor;
    private InFlight inFlight;
    private CompletableFuture<List<StoredEvent>> prefetched;
    private Duration lookAgain = FIRST_LOOK_AGAIN;

    /**
     * A relay for {@code category} on {@code store}: leadership and checkpoints through its own
     * connection to {@code database} (the store's database), publishing on connections from
     * {@code broker}. Call {@link #start()} to run it.
     */
    public static Relay create(String category, EventStore store, Vertx vertx, PgConnectOptions database,
            BrokerConnectionSource broker, RelayOptions options, MeterRegistry registry) {
        return create(category, store, vertx, database, broker, options, registry, EventSpans.NONE);
    }

    /** As above, each publish a span restored from the event's stored trace context ({@link EventSpans}). */
    public static Relay create(String category, EventStore store, Vertx vertx, PgConnectOptions database,
            BrokerConnectionSource broker, RelayOptions options, MeterRegistry registry, EventSpans spans) {
        RelayMetrics metrics = new RelayMetrics(registry);
        return new Relay(category, store, new RelayLeadership(vertx, database, category, options.confirmTimeout(), options.lockTimeout()),
                new Publisher(broker, category, options.confirmTimeout(), (event, failure) -> {
                    metrics.unpublishable(category);
                    LOG.errorf("relay for category %s cannot encode %s version %d (%s) as a message, so it publishes no doorbell for it;"
                            + " subscribers apply it from the store by catch-up: %s", category, event.streamId(), event.streamVersion(),
                            event.eventId(), failure.getMessage());
                }, spans), options, metrics);
    }

    Relay(String category, EventStore store, RelayLeadership leadership, Publisher publisher, RelayOptions options,
            RelayMetrics metrics) {
        this.category = category;
        this.store = store;
        this.leadership = leadership;
        this.publisher = publisher;
        this.options = options;
        this.metrics = metrics;
        this.worker = new Worker("eventshop-relay-" + category);
    }

    public void start() {
        worker.start(w -> run());
    }

    /** Something was appended to this category: look now instead of at the next poll. Never blocks. */
    public void wake() {
        worker.wake();
    }

    public Status status() {
        return new Status(category, state, checkpoint, metrics.waiting(category), metrics.waitingSeconds(category), lastError);
    }

    public String category() {
        return category;
    }

    /** Stops publishing and gives up the lead; waits for the current batch to finish. */
    @Override
    public void close() {
        worker.stop(options.confirmTimeout().plus(options.retryInterval()).multipliedBy(2));
    }

    private void run() {
        while (worker.running()) {
            try {
                if (!lead()) {
                    state = State.STANDBY;
                    worker.pause(options.retryInterval());
                    continue;
                }
                state = State.LEADING;
                relayOneBatch();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (IOException | TimeoutException | RuntimeException e) { // CompletionException included
                fail(e);
            }
        }
        settleOnStop();
        state = State.STOPPED;
        publisher.close();
        leadership.close();
    }

    // A graceful stop (a rolling restart) saves the batch in flight if the broker confirms it in
    // time, so the next leader does not publish it again; if not, it will, which is allowed.
    private void settleOnStop() {
        if (inFlight != null && leadership.held()) {
            try {
                confirmInFlight();
            } catch (IOException | TimeoutException | RuntimeException e) {
                LOG.debugf("relay for category %s stopped with a batch unconfirmed; the next leader re-publishes it", category);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // Takes the lead if nobody holds it; a new leader starts from the saved checkpoint.
    private boolean lead() {
        if (leadership.held()) {
            return true;
        }
        publisher.close();
        prefetched = null;
        inFlight = null;
        if (!leadership.tryAcquire()) {
            return false;
        }
        checkpoint = leadership.checkpoint().orElse(Checkpoint.START);
        cursor = checkpoint;
        LOG.infof("relay for category %s leads, from %s", category, checkpoint);
        return true;
    }

    private void relayOneBatch() throws IOException, TimeoutException, InterruptedException {
        worker.drainWakes(); // a commit after this line wakes the wait below at once
        List<StoredEvent> batch = nextBatch();
        if (batch.isEmpty()) {
            confirmInFlight();
            metrics.caughtUp(category);
            worker.awaitWake(untilNextLook());
            return;
        }
        lookAgain = FIRST_LOOK_AGAIN;
        metrics.behind(category, batch.getFirst().occurredAt(), batch.size());
        Checkpoint last = batch.getLast().position();
        // Behind by a full batch or more: read the next page while the broker confirms, so the broker
        // never waits for the store. A failure discards it (see fail).
        if (batch.size() == options.batchSize()) {
            prefetched = store.readCategory(category, last, options.batchSize()).subscribeAsCompletionStage();
        }
        long sent = System.nanoTime();
        long tag = publisher.send(batch);
        confirmInFlight(); // the previous batch, confirmed while this one was sent
        inFlight = new InFlight(tag, last, batch.size(), sent);
        cursor = last;
    }

    // At most one batch is unconfirmed when the next is sent: the checkpoint trails by two at most.
    private void confirmInFlight() throws IOException, TimeoutException, InterruptedException {
        InFlight batch = inFlight;
        if (batch == null) {
            return;
        }
        publisher.awaitConfirmed(batch.lastTag());
        metrics.confirmed(category, batch.size(), Duration.ofNanos(System.nanoTime() - batch.sentAt()));
        // Only after the confirm: a crash before this line re-publishes the batch, never skips it.
        leadership.save(batch.last());
        checkpoint = batch.last();
        inFlight = null;
        lastError = null;
    }

    // Caught up with what the horizon shows. Events committed after an older transaction that is still open (another
    // service's, a subscriber's) are hidden until it ends, and nothing wakes the relay then: its wake-up came with
    // the commit, too early. Waiting for the next commit or the poll made every hop as slow as the gap between commits
    // (a p50 of 64-77 ms per hop at 25 orders/s, DECISIONS 63); so look again soon, less and less often. The probe
    // does not ask the horizon: if the older transaction ended since the read, the next read finds the events.
    private Duration untilNextLook() {
        if (!store.anyCommittedAfter(category, cursor).await().atMost(options.confirmTimeout())) {
            lookAgain = FIRST_LOOK_AGAIN;
            return options.pollInterval();
        }
        if (lookAgain.compareTo(options.pollInterval()) >= 0) {
            return options.pollInterval();
        }
        Duration wait = lookAgain;
        lookAgain = lookAgain.multipliedBy(2);
        return wait;
    }

    // The page after the last event sent: prefetched while the broker confirmed, or read now.
    private List<StoredEvent> nextBatch() {
        CompletableFuture<List<StoredEvent>> page = prefetched;
        prefetched = null;
        if (page != null) {
            return page.orTimeout(options.confirmTimeout().toMillis(), TimeUnit.MILLISECONDS).join();
        }
        return store.readCategory(category, cursor, options.batchSize()).await().atMost(options.confirmTimeout());
    }

    private record InFlight(long lastTag, Checkpoint last, int size, long sentAt) {
    }

    private void fail(Exception e) {
        // Whatever was sent but not confirmed is sent again, from the saved checkpoint on.
        prefetched = null;
        inFlight = null;
        cursor = checkpoint;
        state = State.FAILING;
        lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
        metrics.failed(category);
        LOG.warnf("relay for category %s failed, retrying in %s: %s", category, options.retryInterval(), lastError);
        publisher.close();
        if (e instanceof RelayLeadership.LeadershipLostException) {
            leadership.close();
        }
        // Woken early only by close(); a commit signal does not shorten a failure's back-off.
        worker.pause(options.retryInterval());
    }
}
