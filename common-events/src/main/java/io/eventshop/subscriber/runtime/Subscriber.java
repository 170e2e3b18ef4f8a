package io.eventshop.subscriber.runtime;

import io.eventshop.broker.BrokerConnectionSource;
import io.eventshop.events.StreamId;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.StoreTransaction;
import io.eventshop.subscriber.Subscription;
import io.eventshop.subscriber.catchup.CatchUp;
import io.eventshop.subscriber.deadletter.DeadLetter;
import io.eventshop.subscriber.deadletter.DeadLetters;
import io.eventshop.subscriber.live.LiveConsumers;
import io.eventshop.subscriber.pipeline.Failures;
import io.eventshop.subscriber.pipeline.Pipeline;
import io.eventshop.subscriber.replay.Replay;
import io.eventshop.subscriber.state.Checkpoints;
import io.eventshop.subscriber.state.Position;
import io.eventshop.subscriber.state.RowsTask;
import io.eventshop.subscriber.state.StreamRow;
import io.eventshop.subscriber.state.StreamStates;
import io.eventshop.tracing.EventSpans;
import io.eventshop.worker.Worker;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * One subscription at work, on a worker loop of its own: at start-up it creates its checkpoints (a new
 * view replays the store, a new reactor starts where configured), then each pass opens the consumers
 * that are closed (the live path, {@link LiveConsumers}), replays or catches up every category from
 * the store ({@link Replay}, {@link CatchUp}), finishes interrupted dead-letter resolutions and
 * measures its lag; then it waits for the next interval or a wake-up. Every source applies through
 * one {@link Pipeline}.
 */
public final class Subscriber implements AutoCloseable {

    /**
     * SEEDING: a new reactor writes its stream rows at the head before it applies anything; REPOSITIONING: an
     * operator's reposition moves its stream rows back (both a bounded number per transaction, see {@link StreamRowsTasks}).
     */
    public enum State { STARTING, REPLAYING, SEEDING, REPOSITIONING, CATCHING_UP, LIVE, DEGRADED, STOPPED }

    /** The resolved dead letter, the version its stream is now applied up to, and whether the stream parked again. */
    @RegisterForReflection
    public record Resolution(DeadLetter deadLetter, int appliedUpTo, boolean parkedAgain) {
    }

    private static final Logger LOG = Logger.getLogger(Subscriber.class);

    private final Subscription subscription;
    private final Subscription.Start start;
    private final EventStore store;
    private final BrokerConnectionSource broker;
    private final SubscriberOptions options;
    private final StreamStates streams;
    private final Checkpoints checkpoints;
    private final DeadLetters deadLetters;
    private final SubscriberMetrics metrics;
    private final Worker worker;
    private final Pipeline pipeline;
    private final LiveConsumers live;
    private final CatchUp catchUp;
    private final Replay replay;
    private final StreamRowsTasks rowsTasks;
    private final Map<String, SubscriberStatus.Category> lastMeasured = new ConcurrentHashMap<>();
    private final LagMeasurements lags = new LagMeasurements();

    private final AtomicLong passes = new AtomicLong();
    // Asked by catchUpNow: the next pass reads to the horizon (a rebuild's switch-over, a resolution: DECISIONS 63).
    private final AtomicBoolean wholePassAsked = new AtomicBoolean();
    private volatile State state = State.STARTING;
    private volatile String lastError;

    /**
     * A subscriber for {@code subscription}, outside CDI (tests, benchmarks, tools); services use {@link
     * SubscriberRuntime}. Call {@link #start()} to run it and {@link #close(Duration)} to stop it.
     *
     * @param start where a new reactor starts (views always start at the beginning)
     */
    public Subscriber(Subscription subscription, Subscription.Start start, EventStore store, BrokerConnectionSource broker,
            SubscriberOptions options, MeterRegistry registry) {
        this(subscription, start, store, broker, options, registry, new Semaphore(Integer.MAX_VALUE));
    }

    /** As above, with {@code deliveries} bounding the live deliveries applied at once, shared with other subscribers. */
    public Subscriber(Subscription subscription, Subscription.Start start, EventStore store, BrokerConnectionSource broker,
            SubscriberOptions options, MeterRegistry registry, Semaphore deliveries) {
        this(subscription, start, store, broker, options, registry, deliveries, EventSpans.NONE);
    }

    /** As above, each apply a span restored from the stored trace context of what it applies ({@link EventSpans}). */
    public Subscriber(Subscription subscription, Subscription.Start start, EventStore store, BrokerConnectionSource broker,
            SubscriberOptions options, MeterRegistry registry, Semaphore deliveries, EventSpans spans) {
        this.subscription = subscription;
        this.start = subscription.kind() == Subscription.Kind.VIEW ? Subscription.Start.BEGINNING : start;
        this.store = store;
        this.broker = broker;
        this.options = options;
        this.streams = new StreamStates(store);
        this.checkpoints = new Checkpoints(store);
        this.deadLetters = new DeadLetters(store, streams, checkpoints);
        this.metrics = new SubscriberMetrics(registry, subscription.name(), error -> lastError = error);
        this.worker = new Worker("eventshop-subscriber-" + subscription.name());
        this.pipeline = new Pipeline(subscription, store, streams, checkpoints, deadLetters, options.retryPolicy(), options.handlerTimeout(),
                metrics, worker, spans);
        this.live = new LiveConsumers(subscription, options.queueType(), options.prefetch(), options.queueMaxLength(), deliveries,
                subscription.batchesLiveDeliveries() ? options.liveBatchSize() : 1, options.liveBatchWait(), pipeline, deadLetters,
                metrics);
        this.catchUp = new CatchUp(subscription, store, checkpoints, pipeline, options.pageSize(), worker,
                options.catchUpInterval());
        this.replay = new Replay(subscription, store, streams, checkpoints, pipeline, options.pageSize(), options.replayPartitions(),
                options.replayMaxRate(), worker);
        this.rowsTasks = new StreamRowsTasks(subscription.name(), store, streams, checkpoints, options.pageSize());
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

    public void start() {
        worker.start(w -> run());
    }

    /**
     * Runs a catch-up pass now instead of at the next interval, to the store's horizon: it does not leave the newest
     * events to their doorbells as regular passes do. Never blocks.
     */
    public void catchUpNow() {
        wholePassAsked.set(true);
        worker.wake();
    }

    /** How many passes (replay or catch-up of every category, then resyncs) this subscriber has finished. */
    public long passes() {
        return passes.get();
    }

    /** As {@link #close(Duration)}, waiting up to ten seconds. */
    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    /** Stops consuming and applying; deliveries in flight are left for redelivery. Waits up to {@code grace}. */
    public void close(Duration grace) {
        worker.stopSelf();
        live.shutDown();
        worker.stop(grace);
        state = State.STOPPED;
        metrics.remove();
    }

    // --- the loop: consumers up, then replay or catch up, then wait ------------------------------

    private void run() {
        while (worker.running() && !initialized()) {
            worker.pause(options.retryInterval());
        }
        while (worker.running()) {
            try {
                Map<String, Position> positions = positions();
                if (positions.size() < subscription.categories().size()) {
                    // Retired (by another replica, say): stop rather than start over and declare the queues again.
                    LOG.warnf("subscriber %s has no checkpoints any more: it was retired; it stops", subscription.name());
                    worker.stopSelf();
                    live.shutDown();
                    break;
                }
                // A category replaying, seeding or repositioning has no live path: its rows do not exist yet or are not back yet.
                Set<String> closed = positions.values().stream().filter(p -> p.replaying() || p.rows() != null).map(Position::category)
                        .collect(Collectors.toSet());
                closed.forEach(live::close);
                boolean reopened = openConsumers(closed);
                boolean whole = wholePassAsked.getAndSet(false) || reopened;
                state = passState(positions.values(), State.CATCHING_UP);
                boolean ended = false;
                for (Position position : positions.values()) {
                    if (position.replaying()) {
                        catchUp.forget(position.category());
                        ended |= replay.run(position);
                    } else if (position.rows() != null) {
                        catchUp.forget(position.category());
                        ended |= rowsTasks.run(position.category(), worker::running).isPresent();
                    } else {
                        catchUp.run(position.category(), position.checkpoint(), live.isOpen(position.category()) && !whole,
                                () -> openConsumers(closed));
                    }
                }
                if (ended) {
                    continue; // go live, and catch up what was published meanwhile, now
                }
                resyncPending();
                boolean consuming = subscription.categories().stream().allMatch(live::isOpen);
                state = passState(positions.values(), consuming ? State.LIVE : State.DEGRADED);
                if (state == State.LIVE && !reopened) {
                    lastError = null;
                }
                passes.incrementAndGet();
                measureLag();
            } catch (Pipeline.StoppedException stopped) {
                break;
            } catch (RuntimeException e) {
                state = State.DEGRADED;
                failed("catching up", e);
            }
            worker.awaitWake(state == State.LIVE ? options.catchUpInterval() : options.retryInterval());
        }
        state = State.STOPPED;
    }

    // Replaying, seeding or repositioning while any category does (in that order), else {@code otherwise}.
    private static State passState(Collection<Position> positions, State otherwise) {
        if (positions.stream().anyMatch(Position::replaying)) {
            return State.REPLAYING;
        }
        return positions.stream().map(Position::rows).filter(Objects::nonNull).map(task -> task.kind() == RowsTask.Kind.SEEDING
                ? State.SEEDING : State.REPOSITIONING).min(Comparator.naturalOrder()).orElse(otherwise);
    }

    private boolean initialized() {
        try {
            int created = store.inTransaction(tx -> checkpoints.serialiseInitialisation(tx, subscription.name())
                    .chain(() -> Multi.createFrom().iterable(subscription.categories())
                            .onItem().transformToUniAndConcatenate(category -> checkpoints.find(tx, subscription.name(), category)
                                    .chain(existing -> existing.isPresent() ? Uni.createFrom().item(false) : create(tx, category)))
                            .collect().with(Collectors.summingInt(made -> made ? 1 : 0))))
                    .await().atMost(Duration.ofMinutes(10));
            if (created > 0) {
                LOG.infof("subscriber %s is new: %s", subscription.name(), subscription.kind() == Subscription.Kind.VIEW
                        ? "it fills itself from the store, from the first event"
                        : start == Subscription.Start.HEAD ? "as a reactor it starts at the head of the store, once it has"
                                + " written every existing stream's row at its version there"
                                : "as configured (start=beginning), it acts on every stored event");
            }
            return true;
        } catch (RuntimeException e) {
            failed("starting", e);
            return false;
        }
    }

    private Uni<Boolean> create(StoreTransaction tx, String category) {
        if (start == Subscription.Start.BEGINNING) {
            return checkpoints.create(tx, subscription.name(), category, Checkpoint.START, subscription.kind() == Subscription.Kind.VIEW);
        }
        // Only the checkpoint here: the rows are written after, a bounded number per transaction (StreamRowsTasks). Any
        // event that commits after the head was read sorts after it, so the head read on its own is exact.
        return store.head().chain(head -> checkpoints.createSeeding(tx, subscription.name(), category, head));
    }

    private Map<String, Position> positions() {
        return checkpoints.all(subscription.name()).await().atMost(Duration.ofMinutes(1)).stream()
                .filter(position -> subscription.categories().contains(position.category()))
                .collect(Collectors.toMap(Position::category, position -> position, (a, b) -> a, LinkedHashMap::new));
    }

    // Re-opens closed consumers (not of categories replaying or with a rows task). A consumer that was re-opened may have missed
    // messages while it was down: the catch-up of the same pass applies them from the store.
    private boolean openConsumers(Set<String> closed) {
        try {
            return live.open(broker.get(), closed);
        } catch (IOException | TimeoutException | RuntimeException e) {
            failed("consuming", e);
            return false;
        }
    }

    // Resolutions whose resync did not finish (the service stopped; another copy of the lineage was skipped) finish here.
    private void resyncPending() {
        Set<String> replaying = new HashSet<>();
        lastMeasured.values().stream().filter(c -> c.replaying() || c.rowsTask() != null).forEach(c -> replaying.add(c.category()));
        for (String stream : streams.pendingResyncs(subscription.name()).await().atMost(Duration.ofMinutes(1))) {
            if (!worker.running() || replaying.contains(StreamId.parse(stream).category())) {
                continue;
            }
            try {
                resync(stream);
            } catch (Pipeline.StoppedException stopped) {
                throw stopped;
            } catch (RuntimeException e) { // one stream's trouble does not hold up the others' resyncs
                failed("resync of " + stream, e);
            }
        }
    }

    private StreamRow resync(String stream) {
        pipeline.resync(StreamId.parse(stream));
        streams.resynced(subscription.name(), stream).await().atMost(Duration.ofMinutes(1));
        return streams.find(subscription.name(), stream).await().atMost(Duration.ofMinutes(1)).orElse(StreamRow.NEW);
    }

    // --- status ----------------------------------------------------------------------------------

    private void measureLag() {
        status().subscribe().with(status -> {
            status.categories().forEach(category -> lastMeasured.put(category.category(), category));
            metrics.lag(status.lagEvents(), Duration.ofMillis((long) (status.lagSeconds() * 1000)));
        }, failure -> LOG.debugf("subscriber %s: lag not measured: %s", subscription.name(), failure.getMessage()));
    }

    /**
     * Checkpoint, replay and consumer state per category, read now, and the lag, measured now or, when counting it took
     * long, a few times as long ago ({@link LagMeasurements}).
     */
    public Uni<SubscriberStatus> status() {
        return checkpoints.all(subscription.name()).chain(positions -> {
            List<Uni<SubscriberStatus.Category>> categories = new ArrayList<>();
            for (Position position : positions) {
                if (!subscription.categories().contains(position.category())) {
                    continue;
                }
                Uni<Checkpoints.Lag> lag = lags.of(position.category(), position.checkpoint(),
                        () -> checkpoints.lag(position.category(), position.checkpoint()));
                categories.add(lag.map(measured -> new SubscriberStatus.Category(
                        position.category(), live.queue(position.category()), live.isOpen(position.category()), position.checkpoint(),
                        position.replaying(), position.replaying() && position.finishing(), position.replayed(),
                        position.rows() == null ? null : position.rows().kind(), position.rows() == null ? 0 : position.rows().done(), measured.events(),
                        measured.seconds())));
            }
            return categories.isEmpty() ? Uni.createFrom().item(List.<SubscriberStatus.Category>of())
                    : Uni.join().all(categories).andFailFast();
        }).map(categories -> new SubscriberStatus(subscription.name(), subscription.lineage(), subscription.kind(), state, categories,
                lastError));
    }

    /** State and the lag measured by the last pass, without asking the database: for health checks. */
    public SubscriberStatus lastKnownStatus() {
        return new SubscriberStatus(subscription.name(), subscription.lineage(), subscription.kind(), state,
                List.copyOf(lastMeasured.values()), lastError);
    }

    // --- dead letters ----------------------------------------------------------------------------

    /**
     * Resolves an open dead letter of this subscriber and applies its stream's waiting events through the
     * normal path: a redrive applies the dead-lettered event again, a skip passes over it (and the same
     * event in other copies of the lineage, whose subscribers finish their resync on their next pass). If
     * it fails again, it is dead-lettered again and the stream parks again. Runs on a virtual thread.
     */
    public Uni<Resolution> resolve(DeadLetter letter, DeadLetter.Status outcome) {
        return deadLetters.resolve(letter, outcome).chain(resolved -> {
            DeadLetter mine = resolved.getFirst();
            if (mine.streamId() == null) {
                catchUpNow(); // an unreadable message: whatever it stood for, the store's copy is applied by catch-up
                return Uni.createFrom().item(new Resolution(mine, 0, false));
            }
            CompletableFuture<Resolution> done = new CompletableFuture<>();
            Thread.ofVirtual().name("eventshop-resolve-" + subscription.name()).start(() -> {
                try {
                    StreamRow row = resync(mine.streamId());
                    done.complete(new Resolution(mine, row.lastVersion(), row.parked()));
                } catch (RuntimeException e) {
                    done.completeExceptionally(e);
                }
            });
            return Uni.createFrom().completionStage(done);
        });
    }

    private void failed(String doing, Throwable e) {
        lastError = doing + ": " + Failures.reason(e);
        LOG.warnf("subscriber %s: %s; trying again in %s", subscription.name(), lastError, options.retryInterval());
    }
}
