package io.eventshop.subscriber;

import io.eventshop.broker.BrokerConnection;
import io.eventshop.store.EventStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.sqlclient.Tuple;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * Runs every {@link Subscription} the service declares as a CDI bean (a producer method or field),
 * and those started at run time: one {@link Subscriber} each, sharing the service's AMQP connection
 * and the store's pool.
 */
@ApplicationScoped
public class SubscriberRuntime {

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

    private final Map<String, Subscriber> subscribers = new LinkedHashMap<>();
    private DeadLetters deadLetters;

    @PostConstruct
    void init() {
        deadLetters = new DeadLetters(store);
    }

    void onStart(@Observes StartupEvent start) {
        for (Subscription subscription : declared) {
            start(subscription);
        }
    }

    void onStop(@Observes ShutdownEvent stop) {
        all().forEach(Subscriber::close);
    }

    /**
     * Starts a subscription that is not a CDI bean, such as a view generation made at run time
     * (analytics' rebuilds); a new view replays the store first, as at start-up.
     */
    public synchronized Subscriber start(Subscription subscription) {
        if (subscribers.containsKey(subscription.name())) {
            throw new IllegalStateException("two subscriptions are named " + subscription.name() + "; names must be unique");
        }
        Subscriber subscriber = new Subscriber(subscription, store, broker, config.options(), registry);
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
            subscriber.close();
        }
    }

    /**
     * Stops a subscriber and deletes all it has: its queues, per-stream rows, checkpoints and dead
     * letters. For a view generation that was replaced; a later subscriber of that name starts afresh.
     */
    public Uni<Void> retire(String name, List<String> categories) {
        stop(name);
        // State first: a replica still running this subscriber finds its checkpoints gone and stops,
        // instead of declaring the queues again when their deletion cancels its consumers.
        return store.inTransaction(tx -> tx.connection()
                        .preparedQuery("delete from event_store.subscriber_checkpoints where subscriber = $1").execute(Tuple.of(name))
                        .chain(() -> tx.connection().preparedQuery("delete from event_store.subscriber_streams where subscriber = $1")
                                .execute(Tuple.of(name)))
                        .chain(() -> tx.connection().preparedQuery("delete from event_store.dead_letters where subscriber = $1")
                                .execute(Tuple.of(name)))
                        .replaceWithVoid())
                .chain(() -> deleteQueues(name, categories));
    }

    /**
     * Deletes the queues a subscriber of this name left behind, say when a lost registry makes a name be
     * used again: their messages would be about events of another history. Run before it starts.
     */
    public Uni<Void> deleteQueues(String name, List<String> categories) {
        return Uni.createFrom().voidItem().emitOn(Infrastructure.getDefaultWorkerPool()).invoke(() -> {
            try {
                QueueConsumer.deleteTopology(broker.get(), name, categories);
            } catch (IOException | TimeoutException e) {
                throw new java.io.UncheckedIOException(new IOException("deleting the queues of " + name + ": " + e.getMessage(), e));
            }
        });
    }

    public synchronized List<Subscriber> all() {
        return List.copyOf(subscribers.values());
    }

    public synchronized Optional<Subscriber> named(String name) {
        return Optional.ofNullable(subscribers.get(name));
    }

    /** This service's subscribers' dead letters, oldest first. */
    Uni<List<DeadLetter>> deadLetters(Optional<String> subscriber, DeadLetter.Status status, long afterId, int limit) {
        List<String> names = subscriber.map(List::of).orElseGet(() -> all().stream().map(Subscriber::name).toList());
        return deadLetters.list(names, status, afterId, limit);
    }

    Uni<Optional<DeadLetter>> deadLetter(long id) {
        return deadLetters.find(id).map(found -> found.filter(letter -> named(letter.subscriber()).isPresent()));
    }
}
