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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Runs every {@link Subscription} the service declares as a CDI bean (a producer method or field):
 * one {@link Subscriber} each, sharing the service's AMQP connection and the store's pool.
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
        Set<String> names = new HashSet<>();
        for (Subscription subscription : declared) {
            if (!names.add(subscription.name())) {
                throw new IllegalStateException("two subscriptions are named " + subscription.name() + "; names must be unique");
            }
            Subscriber subscriber = new Subscriber(subscription, store, broker, config.options(), registry);
            subscribers.put(subscription.name(), subscriber);
            subscriber.start();
        }
    }

    void onStop(@Observes ShutdownEvent stop) {
        subscribers.values().forEach(Subscriber::close);
    }

    public List<Subscriber> all() {
        return List.copyOf(subscribers.values());
    }

    public Optional<Subscriber> named(String name) {
        return Optional.ofNullable(subscribers.get(name));
    }

    /** This service's subscribers' dead letters, oldest first. */
    Uni<List<DeadLetter>> deadLetters(Optional<String> subscriber, DeadLetter.Status status, long afterId, int limit) {
        List<String> names = subscriber.map(List::of).orElseGet(() -> List.copyOf(subscribers.keySet()));
        return deadLetters.list(names, status, afterId, limit);
    }

    Uni<Optional<DeadLetter>> deadLetter(long id) {
        return deadLetters.find(id).map(found -> found.filter(letter -> subscribers.containsKey(letter.subscriber())));
    }
}
