package io.eventshop.subscriber;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.eventshop.events.StreamId;
import io.eventshop.events.UndecodableEventException;
import io.eventshop.relay.BrokerConnectionSource;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.RecordedEvent;
import io.eventshop.store.StoredEvent;
import io.eventshop.wire.CloudEventCodec;
import io.eventshop.worker.Pause;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * One subscription at work: a live consumer per category queue, and a catch-up reader that tails the
 * store from the subscriber's checkpoints at start-up, after a consumer was re-opened and every
 * catch-up interval, applying in pages whatever the broker never delivered. Both go through the
 * same protocol ({@link StreamApplier}), so they can race freely.
 *
 * <p>Failures: transient ones are retried without limit (with backoff), a failing handler a bounded
 * number of times, and then the event is dead-lettered in Postgres and its stream parked; an
 * undecodable or unknown event is dead-lettered at once. Nothing blocks the queue: each delivery is
 * settled on its own, and a parked stream's later events are acknowledged without being applied
 * (they are re-read from the store when the dead letter is redriven or skipped).
 */
public final class Subscriber implements AutoCloseable {

    public enum State { STARTING, CATCHING_UP, LIVE, DEGRADED, STOPPED }

    /** What the subscriber is doing, per category, for the admin API and health. */
    @RegisterForReflection
    public record Status(String name, Subscription.Kind kind, State state, List<CategoryStatus> categories, String lastError) {
    }

    /**
     * @param lagEvents  events after the checkpoint (counted up to a cap, see {@link #LAG_COUNT_CAP})
     * @param lagSeconds age of the oldest of them, 0 when there are none
     */
    @RegisterForReflection
    public record CategoryStatus(String category, String queue, boolean consuming, Checkpoint checkpoint, long lagEvents,
            double lagSeconds) {
    }

    /** Lag counts stop here: counting a rebuild's millions on every status call would cost more than it tells. */
    public static final int LAG_COUNT_CAP = 1_000_000;

    /** How one delivery or event ended. */
    enum Result { APPLIED, DUPLICATE, PARKED, DEAD_LETTERED }

    private static final Logger LOG = Logger.getLogger(Subscriber.class);
    private static final java.util.concurrent.Executor DECODER = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
    private static final Duration REPORT_EVERY = Duration.ofSeconds(10);
    private static final String LAG = "select count(*), min(occurred_at) from (select e.occurred_at from event_store.events e"
            + " where e.category = $1 and (e.transaction_id, e.global_position) > ($2::bigint::text::xid8, $3)"
            + " and e.transaction_id < pg_snapshot_xmin(pg_current_snapshot()) limit " + LAG_COUNT_CAP + ") waiting";

    private final Subscription subscription;
    private final EventStore store;
    private final BrokerConnectionSource broker;
    private final SubscriberOptions options;
    private final SubscriberMetrics metrics;
    private final SubscriberCheckpoints checkpoints;
    private final StreamApplier applier;
    private final DeadLetters deadLetters;
    private final Map<String, QueueConsumer> consumers = new LinkedHashMap<>();
    private final Semaphore wakeUp = new Semaphore(0);
    private final Map<String, CategoryStatus> lastMeasured = new java.util.concurrent.ConcurrentHashMap<>();
    private final Set<String> replaying = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private volatile boolean running;
    private volatile State state = State.STARTING;
    private volatile String lastError;
    private Thread thread;

    public Subscriber(Subscription subscription, EventStore store, BrokerConnectionSource broker, SubscriberOptions options,
            MeterRegistry registry) {
        this.subscription = subscription;
        this.store = store;
        this.broker = broker;
        this.options = options;
        this.metrics = new SubscriberMetrics(registry, subscription.name());
        this.checkpoints = new SubscriberCheckpoints(store, subscription);
        this.applier = new StreamApplier(store, subscription, checkpoints);
        this.deadLetters = new DeadLetters(store);
        subscription.categories().forEach(category -> consumers.put(category, new QueueConsumer(subscription.name(), category, options)));
    }

    public Subscription subscription() {
        return subscription;
    }

    public String name() {
        return subscription.name();
    }

    public State state() {
        return state;
    }

    public synchronized void start() {
        if (thread == null) {
            running = true;
            thread = Thread.ofVirtual().name("eventshop-subscriber-" + subscription.name()).start(this::run);
        }
    }

    /** Runs a catch-up pass now instead of at the next interval. Never blocks. */
    public void catchUpNow() {
        if (wakeUp.availablePermits() == 0) {
            wakeUp.release();
        }
    }

    @Override
    public void close() {
        Thread current;
        synchronized (this) {
            running = false;
            current = thread;
        }
        consumers.values().forEach(QueueConsumer::close);
        if (current != null) {
            catchUpNow();
            try {
                current.join(options.maxBackoff().plus(options.retryInterval()).toMillis() * 2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        state = State.STOPPED;
        metrics.remove();
    }

    // --- the supervisor: consumers up, then catch up, then wait --------------------------------

    private void run() {
        while (running && !initialized()) {
            pause(options.retryInterval());
        }
        while (running) {
            boolean reopened = false;
            try {
                if (!refreshReplaying()) {
                    break;
                }
                reopened = openConsumers();
                state = State.CATCHING_UP;
                if (catchUp()) {
                    continue; // a replay finished: go live and catch up what came meanwhile, now
                }
                resyncPending();
                state = !replaying.isEmpty() ? State.CATCHING_UP
                        : consumers.values().stream().allMatch(QueueConsumer::isOpen) ? State.LIVE : State.DEGRADED;
                if (state == State.LIVE && !reopened) {
                    lastError = null;
                }
            } catch (RuntimeException e) {
                state = State.DEGRADED;
                failed("catch-up", e);
            }
            try {
                Duration wait = state == State.LIVE ? options.catchUpInterval() : options.retryInterval();
                wakeUp.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
        state = State.STOPPED;
    }

    private boolean initialized() {
        try {
            int created = checkpoints.initialize().await().atMost(Duration.ofMinutes(10));
            if (created > 0) {
                LOG.infof("subscriber %s is new: %s", subscription.name(), subscription.kind() == Subscription.Kind.VIEW
                        ? "it applies the store from the first event" : "as a reactor it starts at the head of the store");
            }
            return true;
        } catch (RuntimeException e) {
            failed("start-up", e);
            return false;
        }
    }

    // Which categories replay is the database's to say (another replica may have finished one); a
    // replaying category must have no consumer, or the live path and the replay would both apply.
    // Returns false when the subscriber's checkpoints are gone: it was retired (by another replica, say)
    // and stops rather than start over from the first event and declare its queues again.
    private boolean refreshReplaying() {
        for (String category : subscription.categories()) {
            Optional<SubscriberCheckpoints.Position> position = checkpoints.find(category).await().atMost(Duration.ofMinutes(1));
            if (position.isEmpty()) {
                LOG.warnf("subscriber %s has no checkpoint for %s any more: it was retired; it stops", subscription.name(), category);
                running = false;
                consumers.values().forEach(QueueConsumer::close);
                return false;
            }
            if (position.get().replaying()) {
                replaying.add(category);
                consumers.get(category).close();
            } else {
                replaying.remove(category);
            }
        }
        return true;
    }

    // Re-opens closed consumers; a consumer that was re-opened may have missed messages while it was
    // down, which the catch-up pass right after picks up. A category still replaying has no consumer:
    // the live path needs the per-stream rows a replay writes only when it ends.
    private boolean openConsumers() {
        boolean reopened = false;
        for (Map.Entry<String, QueueConsumer> entry : consumers.entrySet()) {
            QueueConsumer consumer = entry.getValue();
            if (consumer.isOpen() || replaying.contains(entry.getKey())) {
                continue;
            }
            try {
                consumer.open(broker.get(), this::onDelivery);
                reopened = true;
                LOG.infof("subscriber %s consumes %s", subscription.name(), consumer.queue());
            } catch (IOException | TimeoutException | RuntimeException e) {
                failed("consuming " + consumer.queue(), e);
            }
        }
        return reopened;
    }

    // Returns whether a category finished its replay in this pass.
    private boolean catchUp() {
        boolean replayFinished = false;
        for (String category : subscription.categories()) {
            SubscriberCheckpoints.Position position = checkpoints.load(category).await().atMost(Duration.ofMinutes(1));
            Checkpoint checkpoint = position.checkpoint();
            measureLag(category, checkpoint);
            if (position.replaying()) {
                replaying.add(category);
                replayFinished |= replay(category, checkpoint);
                continue;
            }
            replaying.remove(category);
            while (running) {
                List<StoredEvent> page = store.readCategory(category, checkpoint, options.pageSize()).await().atMost(Duration.ofMinutes(1));
                if (page.isEmpty()) {
                    break;
                }
                applyPage(category, page);
                checkpoint = page.getLast().position();
                if (page.size() == options.pageSize()) {
                    openConsumers(); // a long catch-up does not leave a dropped consumer down
                }
            }
            measureLag(category, checkpoint);
        }
        return replayFinished;
    }

    // A new view fills itself from the store, page by page, with its per-stream state in memory; when
    // it reaches the head it writes the per-stream rows once and the category goes live.
    private boolean replay(String category, Checkpoint from) {
        Replay replay = checkpoints.replayState(category, from).await().atMost(Duration.ofMinutes(10));
        Checkpoint checkpoint = from;
        long applied = 0;
        long waitingForReads = 0;
        long started = System.nanoTime();
        long lastReport = started;
        LOG.infof("subscriber %s replays %s from %s", subscription.name(), category, from);
        CompletableFuture<StreamApplier.DecodedPage> next = readAhead(category, checkpoint);
        while (running) {
            long waitStart = System.nanoTime();
            StreamApplier.DecodedPage decoded = next.orTimeout(1, TimeUnit.MINUTES).join();
            waitingForReads += System.nanoTime() - waitStart;
            List<StoredEvent> page = decoded.events();
            if (page.isEmpty()) {
                checkpoints.finishReplay(category, checkpoint).await().atMost(Duration.ofMinutes(10));
                replaying.remove(category);
                LOG.infof("subscriber %s replayed %s: %,d events in %.1f s; live from %s", subscription.name(), category, applied,
                        (System.nanoTime() - started) / 1e9, checkpoint);
                measureLag(category, checkpoint);
                return true;
            }
            // The store reads the next page while this one is applied.
            next = readAhead(category, page.getLast().position());
            try {
                applied += replayPage(category, decoded, replay, checkpoint);
            } catch (StreamApplier.ReplayMovedException moved) {
                LOG.debugf("subscriber %s: %s; reloading", subscription.name(), moved.getMessage());
                return false; // another replica is replaying or finished it: the next pass starts from the stored state
            }
            checkpoint = page.getLast().position();
            if (System.nanoTime() - lastReport > REPORT_EVERY.toNanos()) {
                lastReport = System.nanoTime();
                // Which side holds a replay up: the store's reads and decoding, or applying pages.
                LOG.infof("subscriber %s replaying %s: %,d events applied, %,.0f events/s, %.0f%% of the time waiting for reads, at %s",
                        subscription.name(), category, applied, applied / ((lastReport - started) / 1e9),
                        100.0 * waitingForReads / (lastReport - started), checkpoint);
                measureLag(category, checkpoint);
            }
        }
        return false;
    }

    // Read and decoded on another thread while the previous page is applied: with the store's read,
    // decoding is most of a replay's time outside Postgres.
    private CompletableFuture<StreamApplier.DecodedPage> readAhead(String category, Checkpoint after) {
        return store.readCategory(category, after, options.pageSize()).subscribeAsCompletionStage()
                .thenApplyAsync(applier::decode, DECODER);
    }

    // One transaction per page; after a failure that is not transient, event by event with the
    // handler's retries, so that only the poison is dead-lettered (and its stream parked).
    private int replayPage(String category, StreamApplier.DecodedPage page, Replay replay, Checkpoint from) {
        for (int attempt = 1; running; attempt++) {
            try {
                return applyReplayPage(category, page, replay, from);
            } catch (StreamApplier.ReplayMovedException moved) {
                throw moved;
            } catch (RuntimeException e) {
                if (Failures.classify(e) == Failures.Kind.TRANSIENT) {
                    metrics.retried(Failures.Kind.TRANSIENT);
                    noteTransient(attempt, e);
                    pause(options.backoffAfter(attempt));
                    continue;
                }
                if (page.events().size() == 1) {
                    return replayOneFailed(category, page, replay, from, e);
                }
                LOG.infof("subscriber %s: a replay page failed (%s); applying it event by event", subscription.name(), Failures.reason(e));
                int applied = 0;
                Checkpoint at = from;
                for (StoredEvent event : page.events()) {
                    applied += replayPage(category, applier.decode(List.of(event)), replay, at);
                    at = event.position();
                }
                return applied;
            }
        }
        return 0;
    }

    // The page's versions join the replay's state only once its transaction committed.
    private int applyReplayPage(String category, StreamApplier.DecodedPage page, Replay replay, Checkpoint from) {
        StreamApplier.ReplayOutcome done = applier.replayPage(category, page, replay, from).await().atMost(Duration.ofMinutes(5));
        replay.versions().putAll(done.versions());
        metrics.page(done.outcome());
        return done.outcome().applied();
    }

    // A single event failed during a replay: the handler's bounded retries, then a dead letter that
    // parks the stream, and the replay moves past it.
    private int replayOneFailed(String category, StreamApplier.DecodedPage single, Replay replay, Checkpoint from,
            RuntimeException first) {
        StoredEvent event = single.events().getFirst();
        RuntimeException failure = first;
        int transientTries = 0;
        for (int attempt = 1; running; attempt++) {
            Failures.Kind kind = Failures.classify(failure);
            if (kind == Failures.Kind.TRANSIENT) {
                attempt--; // a passing failure is not the handler's: it does not count
                transientTries++;
                noteTransient(transientTries, failure);
            }
            if (kind == Failures.Kind.TRANSIENT || kind == Failures.Kind.HANDLER && attempt < options.maxAttempts()) {
                metrics.retried(kind);
                pause(options.backoffAfter(kind == Failures.Kind.TRANSIENT ? transientTries : attempt));
                try {
                    return applyReplayPage(category, single, replay, from);
                } catch (StreamApplier.ReplayMovedException moved) {
                    throw moved;
                } catch (RuntimeException again) {
                    failure = again;
                    continue;
                }
            }
            RecordedEvent failed = failure instanceof StreamApplier.EventFailedException f ? f.event() : event.event();
            deadLetter(failed, null, failure, kind == Failures.Kind.POISON ? 1 : attempt, replay.version(failed.streamId().value()))
                    .await().indefinitely();
            replay.parked().add(failed.streamId().value());
            store.inTransaction(tx -> checkpoints.saveReplayed(tx, category, event.position(), 1)).await().atMost(Duration.ofMinutes(1));
            return 0;
        }
        return 0;
    }

    // One transaction for the page; if it fails for a reason other than a passing one, the page is
    // applied event by event so that only the poison is dead-lettered, then the checkpoint moves.
    private void applyPage(String category, List<StoredEvent> page) {
        for (int attempt = 1; running; attempt++) {
            try {
                metrics.page(applier.applyPage(category, page).await().atMost(Duration.ofMinutes(5)));
                return;
            } catch (RuntimeException e) {
                if (Failures.classify(e) == Failures.Kind.TRANSIENT) {
                    metrics.retried(Failures.Kind.TRANSIENT);
                    noteTransient(attempt, e);
                    pause(options.backoffAfter(attempt));
                    continue;
                }
                LOG.infof("subscriber %s: a catch-up page failed (%s); applying it event by event", subscription.name(), Failures.reason(e));
                break;
            }
        }
        for (StoredEvent event : page) {
            if (!running) {
                return;
            }
            deliver(event.event(), null).await().indefinitely();
        }
        store.inTransaction(tx -> checkpoints.save(tx, category, page.getLast().position())).await().atMost(Duration.ofMinutes(1));
    }

    private void measureLag(String category, Checkpoint checkpoint) {
        lag(category, checkpoint).subscribe().with(
                lag -> {
                    lastMeasured.put(category, lag);
                    metrics.lag(lastMeasured.values().stream().mapToLong(CategoryStatus::lagEvents).sum(),
                            Duration.ofMillis((long) (lastMeasured.values().stream().mapToDouble(CategoryStatus::lagSeconds).max().orElse(0) * 1000)));
                },
                failure -> LOG.debugf("subscriber %s: lag not measured: %s", subscription.name(), failure.getMessage()));
    }

    private Uni<CategoryStatus> lag(String category, Checkpoint checkpoint) {
        return store.inTransaction(tx -> tx.connection().preparedQuery(LAG)
                .execute(Tuple.of(category, checkpoint.transactionId(), checkpoint.globalPosition()))
                .map(rows -> {
                    var row = rows.iterator().next();
                    var oldest = row.getOffsetDateTime(1);
                    double seconds = oldest == null ? 0 : Math.max(0, Duration.between(oldest.toInstant(), Instant.now()).toMillis() / 1000.0);
                    return new CategoryStatus(category, consumers.get(category).queue(), consumers.get(category).isOpen(), checkpoint,
                            row.getLong(0), seconds);
                }));
    }

    // --- the live path --------------------------------------------------------------------------

    private void onDelivery(byte[] body, Consumer<QueueConsumer.Settlement> settle) {
        String text = new String(body, StandardCharsets.UTF_8);
        RecordedEvent event;
        try {
            event = CloudEventCodec.decode(body);
        } catch (UndecodableEventException e) {
            // Not an event at all: nothing to park. If it stood for a stored event, catch-up applies the store's copy.
            retryTransient(() -> deadLetters.recordUnreadable(subscription.name(), e.getMessage(), text), 1)
                    .subscribe().with(recorded -> {
                        metrics.deadLettered();
                        LOG.warnf("subscriber %s: dead letter %d: unreadable message: %s", subscription.name(), recorded.id(), e.getMessage());
                        settle.accept(QueueConsumer.Settlement.REJECT);
                    }, failure -> {
                        if (running) { // could not even record it: reject anyway, the broker's dead-letter queue keeps it
                            LOG.errorf(failure, "subscriber %s: an unreadable message could not be recorded as a dead letter;"
                                    + " it goes to the broker's dead-letter queue only", subscription.name());
                            settle.accept(QueueConsumer.Settlement.REJECT);
                        }
                    });
            return;
        }
        deliver(event, text).subscribe().with(
                result -> settle.accept(result == Result.DEAD_LETTERED ? QueueConsumer.Settlement.REJECT : QueueConsumer.Settlement.ACK),
                // Only when stopping: left unacknowledged, the broker delivers it again to the next consumer.
                failure -> LOG.debugf("subscriber %s: %s left for redelivery: %s", subscription.name(), event.eventId(), failure.getMessage()));
    }

    /**
     * Applies one event through the protocol with the failure policy: transient failures retried
     * without limit, a failing handler {@code maxAttempts} times, poison dead-lettered at once.
     *
     * @param body the message as received, kept in the dead letter; null to keep the event's CloudEvent form
     */
    Uni<Result> deliver(RecordedEvent event, String body) {
        return attempt(event, body, 1, 1);
    }

    private Uni<Result> attempt(RecordedEvent event, String body, int handlerAttempt, int transientAttempt) {
        return applier.apply(event)
                .map(outcome -> {
                    metrics.live(outcome, event.occurredAt());
                    return outcome.parked() ? Result.PARKED : outcome.duplicate() ? Result.DUPLICATE : Result.APPLIED;
                })
                .onFailure().recoverWithUni(failure -> {
                    if (!running) {
                        return Uni.createFrom().failure(failure);
                    }
                    Failures.Kind kind = Failures.classify(failure);
                    if (kind == Failures.Kind.TRANSIENT) {
                        metrics.retried(kind);
                        noteTransient(transientAttempt, failure);
                        return later(options.backoffAfter(transientAttempt))
                                .chain(() -> attempt(event, body, handlerAttempt, transientAttempt + 1));
                    }
                    if (kind == Failures.Kind.HANDLER && handlerAttempt < options.maxAttempts()) {
                        metrics.retried(kind);
                        return later(options.backoffAfter(handlerAttempt))
                                .chain(() -> attempt(event, body, handlerAttempt + 1, transientAttempt));
                    }
                    return deadLetter(event, body, failure, kind == Failures.Kind.POISON ? 1 : handlerAttempt, 0);
                });
    }

    // The failing event may be one the gap repair brought in, not the delivered one: keep its own body then.
    // applied: the stream's applied version if it has no row yet (a replay's, from memory); 0 on the live path.
    private Uni<Result> deadLetter(RecordedEvent delivered, String body, Throwable failure, int attempts, int applied) {
        RecordedEvent failed = failure instanceof StreamApplier.EventFailedException f ? f.event() : delivered;
        String kept = body != null && failed.eventId().equals(delivered.eventId())
                ? body : new String(CloudEventCodec.encode(failed), StandardCharsets.UTF_8);
        String reason = Failures.reason(failure.getCause() != null && failure instanceof StreamApplier.EventFailedException
                ? failure.getCause() : failure);
        return retryTransient(() -> deadLetters.park(subscription.name(), failed, applied, reason, attempts, kept), 1)
                .map(recorded -> {
                    if (recorded.isEmpty()) {
                        return Result.DUPLICATE;
                    }
                    if (recorded.get().created()) {
                        metrics.deadLettered();
                        LOG.warnf("subscriber %s: dead letter %d: %s version %d (%s) after %d attempt(s), stream parked: %s",
                                subscription.name(), recorded.get().id(), failed.streamId(), failed.streamVersion(), failed.type(),
                                attempts, reason);
                    }
                    return Result.DEAD_LETTERED;
                });
    }

    private <T> Uni<T> retryTransient(java.util.function.Supplier<Uni<T>> work, int attempt) {
        return Uni.createFrom().<T>deferred(work::get).onFailure().recoverWithUni(failure -> {
            if (!running || Failures.classify(failure) != Failures.Kind.TRANSIENT) {
                return Uni.createFrom().failure(failure);
            }
            return later(options.backoffAfter(attempt)).chain(() -> retryTransient(work, attempt + 1));
        });
    }

    private static Uni<Void> later(Duration pause) {
        return Uni.createFrom().voidItem().onItem().delayIt().by(pause);
    }

    // --- admin ----------------------------------------------------------------------------------

    /** Checkpoint, lag and consumer state per category, measured now. */
    public Uni<Status> status() {
        List<Uni<CategoryStatus>> categories = new ArrayList<>();
        for (String category : subscription.categories()) {
            categories.add(checkpoints.load(category).chain(position -> lag(category, position.checkpoint())));
        }
        return Uni.join().all(categories).andFailFast()
                .map(list -> new Status(subscription.name(), subscription.kind(), state, list, lastError));
    }

    /** State and the lag measured by the last catch-up pass, without asking the database: for health checks. */
    public Status lastKnownStatus() {
        return new Status(subscription.name(), subscription.kind(), state, List.copyOf(lastMeasured.values()), lastError);
    }

    /**
     * Resolves an open dead letter of this subscriber and applies its stream's waiting events through
     * the normal path: a redrive applies the dead-lettered event again, a skip passes over it. If it
     * fails again, it is dead-lettered again and the stream parks again.
     *
     * @return what happened to the stream's events after the resolution
     */
    public Uni<Resolution> resolve(DeadLetter letter, DeadLetter.Status outcome) {
        return deadLetters.resolve(letter, outcome).chain(resolved -> {
            if (resolved.streamId() == null) {
                catchUpNow(); // an unreadable message: whatever it stood for, the store's copy is applied by catch-up
                return Uni.createFrom().item(new Resolution(resolved, 0, false));
            }
            return resync(resolved.streamId()).map(row -> new Resolution(resolved, row.lastVersion(), row.parked()));
        });
    }

    private record StreamProgress(int lastVersion, boolean parked) {
    }

    // Applies a resolved stream up to its head through the normal path (one transaction repairs the
    // whole run), then clears the resync mark; if a version fails again, the stream parks again and
    // the mark stays for the next resolution.
    private Uni<StreamProgress> resync(String streamId) {
        StreamId stream = StreamId.parse(streamId);
        return store.streamVersion(stream)
                .chain(head -> head == 0 ? Uni.createFrom().voidItem() : store.readStream(stream, head).map(StoredEvent::event)
                        .toUni().chain(event -> deliver(event, null)).replaceWithVoid())
                .chain(() -> deadLetters.resynced(subscription.name(), streamId))
                .chain(() -> progress(streamId));
    }

    private Uni<StreamProgress> progress(String streamId) {
        return store.inTransaction(tx -> tx.connection()
                .preparedQuery("select last_version, parked_version from event_store.subscriber_streams where subscriber = $1 and stream_id = $2")
                .execute(Tuple.of(subscription.name(), streamId))
                .map(rows -> rows.size() == 0 ? new StreamProgress(0, false)
                        : new StreamProgress(rows.iterator().next().getInteger(0), rows.iterator().next().getInteger(1) != null)));
    }

    // Resolutions whose resync did not finish (the service stopped, the request was cancelled) finish here.
    private void resyncPending() {
        for (String stream : deadLetters.pendingResyncs(subscription.name()).await().atMost(Duration.ofMinutes(1))) {
            if (!running || replaying.contains(StreamId.parse(stream).category())) {
                continue;
            }
            try {
                resync(stream).await().atMost(Duration.ofMinutes(5));
            } catch (RuntimeException e) { // one stream's trouble does not hold up the others' resyncs
                failed("resync of " + stream, e);
            }
        }
    }

    /** The resolved dead letter, the version its stream is now applied up to, and whether the stream parked again. */
    @RegisterForReflection
    public record Resolution(DeadLetter deadLetter, int appliedUpTo, boolean parkedAgain) {
    }

    // Transient failures are retried without limit; one that does not pass must still be visible.
    private void noteTransient(int tries, Throwable failure) {
        if (tries % 10 == 0) {
            lastError = "retrying a transient failure (" + tries + " tries): " + Failures.reason(failure);
            LOG.warnf("subscriber %s: %s", subscription.name(), lastError);
        }
    }

    private void failed(String doing, Throwable e) {
        lastError = doing + ": " + Failures.reason(e);
        LOG.warnf("subscriber %s: %s; retrying in %s", subscription.name(), lastError, options.retryInterval());
    }

    private void pause(Duration duration) {
        try {
            Pause.whileRunning(duration, () -> running);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
