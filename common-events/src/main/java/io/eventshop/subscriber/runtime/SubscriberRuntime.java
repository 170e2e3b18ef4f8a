package io.eventshop.subscriber.runtime;

import io.eventshop.broker.BrokerConnection;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.StoreTransaction;
import io.eventshop.subscriber.Subscription;
import io.eventshop.subscriber.deadletter.DeadLetter;
import io.eventshop.subscriber.deadletter.DeadLetters;
import io.eventshop.subscriber.live.LiveConsumers;
import io.eventshop.subscriber.pipeline.Failures;
import io.eventshop.subscriber.state.Checkpoints;
import io.eventshop.subscriber.state.Position;
import io.eventshop.subscriber.state.StreamStates;
import io.eventshop.tracing.EventSpans;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * Runs every {@link Subscription} the service declares as a CDI bean (its reactors) and those started
 * at run time (view generations): one {@link Subscriber} each, sharing the service's AMQP connection
 * and the store's pool. Also the public face of subscriber state for the rest of the service: dead
 * letters, progress, repositioning and retirement, so nothing else touches the subscriber tables.
 */
@ApplicationScoped
public class SubscriberRuntime {

    private static final Logger LOG = Logger.getLogger(SubscriberRuntime.class);

    @Inject
    Instance<Subscription> declared;
    @Inject
    SubscriberConfig config;
    @Inject
    EventStore store;
    @Inject
    BrokerConnection broker;
    @Inject
    MeterRegistry registry;
    @Inject
    EventSpans spans;

    private final Map<String, Subscriber> subscribers = new LinkedHashMap<>();
    private StreamStates streams;
    private Checkpoints checkpoints;
    private DeadLetters deadLetters;
    private Repositions repositions;
    // Shared by every subscriber of the service: how many live deliveries apply at once (SubscriberConfig).
    private Semaphore deliveries;

    @PostConstruct
    void init() {
        deliveries = new Semaphore(config.maxConcurrentDeliveries());
        streams = new StreamStates(store);
        checkpoints = new Checkpoints(store);
        deadLetters = new DeadLetters(store, streams, checkpoints);
        repositions = new Repositions(store, streams, checkpoints, config.pageSize());
    }

    void onStart(@Observes StartupEvent start) {
        for (Subscription subscription : declared) {
            start(subscription);
        }
    }

    // All at once: each stop waits for its loop to leave its current transaction.
    void onStop(@Observes ShutdownEvent stop) {
        List<Subscriber> all = all();
        List<Thread> stopping = all.stream().map(subscriber -> Thread.ofVirtual().start(() -> subscriber.close(grace()))).toList();
        for (Thread thread : stopping) {
            try {
                thread.join(grace().plusSeconds(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private Duration grace() {
        return config.maxBackoff().plus(config.retryInterval()).multipliedBy(2);
    }

    /**
     * Starts a subscription, such as a view generation made at run time; a new view replays the store
     * first, as at start-up. A reactor starts where {@code eventshop.subscriber.start."<name>"} says (head).
     */
    public synchronized Subscriber start(Subscription subscription) {
        if (subscribers.containsKey(subscription.name())) {
            throw new IllegalStateException("two subscriptions are named " + subscription.name() + "; names must be unique");
        }
        Subscription.Start start = config.start().getOrDefault(subscription.name(), Subscription.Start.HEAD);
        Subscriber subscriber = new Subscriber(subscription, start, store, broker, config.options(), registry, deliveries, spans);
        subscribers.put(subscription.name(), subscriber);
        subscriber.start();
        return subscriber;
    }

    /** Stops a subscriber in this process; its queues and state stay, so another start resumes it. */
    public void stop(String name) {
        Subscriber subscriber;
        synchronized (this) {
            subscriber = subscribers.remove(name);
        }
        if (subscriber != null) {
            subscriber.close(grace());
        }
    }

    /**
     * Stops a subscriber and deletes what it has: queues, per-stream rows, checkpoints and open dead
     * letters (resolved ones stay: they are its lineage's decisions). For a view generation that was
     * replaced; a later subscriber of that name starts afresh.
     */
    public Uni<Void> retire(String name, List<String> categories) {
        stop(name);
        // State first: a replica still running this subscriber finds its checkpoints gone and stops,
        // instead of declaring the queues again when their deletion cancels its consumers.
        return forget(name).chain(() -> deleteQueues(name, categories));
    }

    /**
     * Deletes a subscriber's state in the store: checkpoints and open dead letters in one transaction (a replica still
     * running it finds them gone and stops), then its per-stream rows, {@code pageSize} × {@value
     * StreamRowsTasks#ROWS_PER_PAGE} per transaction, so no transaction of it holds back the store's horizon for long.
     * Stopped half-way, the rows left are deleted by the next call (a retired generation is dropped only after).
     */
    public Uni<Void> forget(String name) {
        return new StreamRowsTasks(name, store, streams, checkpoints, config.pageSize()).forget(deadLetters).replaceWithVoid();
    }

    /**
     * As {@link #forget(String)}, in the caller's transaction and all rows in it (a view generation made under the same name
     * after a lost registry, an orphan of one: rare, and decided under the view's lock).
     */
    public Uni<Void> forget(StoreTransaction tx, String name) {
        return checkpoints.deleteAll(tx, name)
                .chain(() -> streams.deleteAll(tx, name))
                .chain(() -> deadLetters.deleteOpen(tx, name));
    }

    /**
     * Deletes the queues a subscriber of this name left behind, say when a lost registry makes a name be
     * used again: their messages would be about events of another history. Run before it starts.
     */
    public Uni<Void> deleteQueues(String name, List<String> categories) {
        return Uni.createFrom().voidItem().emitOn(Infrastructure.getDefaultWorkerPool()).invoke(() -> {
            try {
                LiveConsumers.deleteTopology(broker.get(), name, categories);
            } catch (IOException | TimeoutException e) {
                throw new UncheckedIOException(new IOException("deleting the queues of " + name + ": " + e.getMessage(), e));
            }
        });
    }

    public synchronized List<Subscriber> all() {
        return List.copyOf(subscribers.values());
    }

    public synchronized Optional<Subscriber> named(String name) {
        return Optional.ofNullable(subscribers.get(name));
    }

    /** The subscribers of this service that are copies of {@code lineage} (a view's generations), or the subscriber of that name. */
    public synchronized List<Subscriber> ofLineage(String lineage) {
        return subscribers.values().stream().filter(s -> s.subscription().lineage().equals(lineage) || s.name().equals(lineage)).toList();
    }

    /** Subscribers with state in the store whose name starts with {@code prefix}: what a lost registry leaves behind. */
    public Uni<List<String>> knownStartingWith(StoreTransaction tx, String prefix) {
        return checkpoints.subscribersStartingWith(tx, prefix);
    }

    /** Whether a stream of {@code subscriber} waits (parked, or resolved and not yet applied): a copy that is not complete. */
    public Uni<Boolean> unfinished(StoreTransaction tx, String subscriber) {
        return streams.unfinished(tx, subscriber);
    }

    public Uni<Boolean> unfinished(String subscriber) {
        return store.inTransaction(tx -> streams.unfinished(tx, subscriber));
    }

    /** Per category: the checkpoint, whether it replays and how many events its replay has read. */
    public Uni<List<Position>> positions(String subscriber) {
        return checkpoints.all(subscriber);
    }

    /** A subscriber's positions as {@code tx} sees them, without locking them. */
    public Uni<List<Position>> positions(StoreTransaction tx, String subscriber) {
        return checkpoints.all(tx, subscriber);
    }

    /** Locks the subscribers' checkpoint rows for the rest of {@code tx}: a switch-over decides on them. */
    public Uni<List<Checkpoints.SubscriberPosition>> lockPositions(StoreTransaction tx, List<String> subscribers) {
        return checkpoints.lockAll(tx, subscribers);
    }

    /** Whether {@code position} is settled in the store and {@code subscriber} has applied up to it. */
    public Uni<Checkpoints.Applied> appliedUpTo(StoreTransaction tx, String subscriber, Checkpoint position) {
        return checkpoints.appliedUpTo(tx, subscriber, position);
    }

    // --- dead letters ----------------------------------------------------------------------------

    /** This service's dead letters (of {@code subscriber}, a name or a lineage, when given), oldest first. */
    public Uni<List<DeadLetter>> deadLetters(Optional<String> subscriber, DeadLetter.Status status, String reasonContains, long afterId,
            int limit) {
        List<String> names = subscriber.map(List::of).orElseGet(() -> all().stream().map(Subscriber::name).toList());
        return deadLetters.list(names, status, reasonContains, afterId, limit);
    }

    /** A dead letter of one of this service's subscribers. */
    public Uni<Optional<DeadLetter>> deadLetter(long id) {
        return deadLetters.find(id).map(found -> found.filter(letter -> named(letter.subscriber()).isPresent()));
    }

    /** An operator's skip of {@code eventId} anywhere in {@code lineage}: the id of that dead letter. */
    public Uni<Optional<Long>> skipDecision(String lineage, UUID eventId) {
        return deadLetters.skipDecision(lineage, eventId);
    }

    /** The oldest open dead letter of {@code subscriber}, in one transaction's view. */
    public Uni<Optional<DeadLetter>> firstOpenDeadLetter(StoreTransaction tx, String subscriber) {
        return deadLetters.firstOpen(tx, subscriber);
    }

    public Uni<Optional<DeadLetter>> firstOpenDeadLetter(String subscriber) {
        return deadLetters.firstOpen(subscriber);
    }

    /**
     * Resolves a dead letter through the subscriber it belongs to (which applies its stream's waiting
     * events), and wakes the other copies of its lineage here: a skip resolves theirs too.
     */
    public Uni<Subscriber.Resolution> resolve(DeadLetter letter, DeadLetter.Status outcome) {
        Subscriber owner = named(letter.subscriber()).orElseThrow(() -> new IllegalStateException(letter.subscriber() + " does not run here"));
        // Two resolutions of one event's letters at once (a skip resolves the lineage's others too) may deadlock;
        // Postgres ends one of them, which tries again.
        return owner.resolve(letter, outcome)
                .onFailure(failure -> Failures.classify(failure)
                        == Failures.Kind.CONTENTION).retry().withBackOff(Duration.ofMillis(50)).atMost(3)
                .invoke(() -> ofLineage(letter.lineage()).forEach(Subscriber::catchUpNow));
    }

    // --- reposition ------------------------------------------------------------------------------

    /**
     * Moves a subscriber back to {@code from} in every category it reads, so the events after it are applied
     * again, once each, in order; audited in the log (with {@code actor}) and the {@code
     * eventshop.subscriber.repositions} counter. See {@link Repositions#reposition}.
     */
    public Uni<List<Repositions.Repositioned>> reposition(Subscription subscription, Repositions.From from, String actor) {
        return repositions.reposition(subscription, from).invoke(done -> {
            Counter.builder("eventshop.subscriber.repositions").description("Repositions an operator made")
                    .tag("subscriber", subscription.name()).register(registry).increment();
            LOG.warnf("subscriber %s repositioned by %s to %s: %s", subscription.name(), actor, from, done);
            ofLineage(subscription.lineage()).forEach(Subscriber::catchUpNow);
        });
    }

    /** Every subscriber's status here, measured now. */
    public Uni<List<SubscriberStatus>> statuses() {
        List<Uni<SubscriberStatus>> all = new ArrayList<>(all().stream().map(Subscriber::status).toList());
        return all.isEmpty() ? Uni.createFrom().item(List.of()) : Uni.join().all(all).andFailFast();
    }
}
