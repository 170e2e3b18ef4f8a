package io.eventshop.analytics.views;

import io.eventshop.events.DomainEvent;
import io.eventshop.subscriber.Subscriber;
import io.eventshop.subscriber.SubscriberRuntime;
import io.eventshop.subscriber.Subscription;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Keeps every analytics view's generations as the registry says, on every replica, every few seconds:
 * <ul>
 * <li>a view without a usable live generation (new in this release, tables dropped, definition
 * changed) gets one, which fills itself from the store;</li>
 * <li>the live and the shadow generation's subscribers run here, and no other of the view's;</li>
 * <li>a shadow that replayed the store and caught up with the live copy takes over (blue/green); one
 * that dead-letters an event fails, and the live copy stays as it was;</li>
 * <li>retired generations are dropped (queues, subscriber state, schema) once every replica has had
 * a pass to stop applying to them.</li>
 * </ul>
 */
@ApplicationScoped
public class ViewSupervisor {

    private static final Logger LOG = Logger.getLogger(ViewSupervisor.class);

    private final Map<String, AnalyticsView> views = new TreeMap<>();
    private final Generations generations;
    private final SubscriberRuntime runtime;
    private final Duration interval;
    private final Duration retireAfter;
    private final Semaphore wakeUp = new Semaphore(0);
    private final Set<String> cleanedOrphans = new HashSet<>();
    private final Set<String> fresh = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean running;
    private Thread thread;

    ViewSupervisor(Instance<AnalyticsView> declared, Generations generations, SubscriberRuntime runtime,
            @ConfigProperty(name = "eventshop.analytics.supervise-interval", defaultValue = "2s") Duration interval,
            @ConfigProperty(name = "eventshop.analytics.drop-retired-after", defaultValue = "30s") Duration retireAfter,
            @ConfigProperty(name = "eventshop.analytics.views") Optional<Set<String>> enabled) {
        declared.forEach(view -> views.put(view.name(), view));
        enabled.ifPresent(names -> {
            Set<String> unknown = new java.util.TreeSet<>(names);
            unknown.removeAll(views.keySet());
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException("eventshop.analytics.views names " + unknown + ", which are not views; the views are "
                        + views.keySet());
            }
            views.keySet().retainAll(names);
        });
        this.generations = generations;
        this.runtime = runtime;
        this.interval = interval;
        this.retireAfter = retireAfter;
    }

    void onStart(@Observes StartupEvent start) {
        running = true;
        thread = Thread.ofVirtual().name("eventshop-view-supervisor").start(this::run);
    }

    void onStop(@Observes ShutdownEvent stop) {
        running = false;
        wakeUp.release();
        if (thread != null) {
            try {
                thread.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public Optional<AnalyticsView> view(String name) {
        return Optional.ofNullable(views.get(name));
    }

    public Set<String> names() {
        return views.keySet();
    }

    /** A generation this process just made: its subscriber starts with its queues deleted first. */
    void made(Generation generation) {
        fresh.add(generation.subscriber());
        wakeUp();
    }

    /** Runs a pass now rather than at the next interval. */
    public void wakeUp() {
        if (wakeUp.availablePermits() == 0) {
            wakeUp.release();
        }
    }

    private void run() {
        while (running) {
            for (AnalyticsView view : views.values()) {
                try {
                    supervise(view);
                } catch (RuntimeException e) {
                    LOG.warnf("analytics view %s: %s; trying again in %s", view.name(), e.getMessage(), interval);
                }
            }
            try {
                wakeUp.tryAcquire(interval.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void supervise(AnalyticsView view) {
        if (!cleanedOrphans.contains(view.name())) {
            cleanOrphans(view);
            cleanedOrphans.add(view.name());
        }
        List<Generation> all = await(generations.all(view.name()));
        Optional<Generation> judged = Generations.withRole(all, Generation.Role.LIVE);
        if (judged.isEmpty() || judged.get().definitionVersion() == view.version() && !await(generations.intact(view, judged.get()))) {
            Optional<Generation> made = await(generations.replaceLive(view, judged));
            made.ifPresent(generation -> {
                made(generation);
                LOG.infof("analytics view %s %s (generation %d)", view.name(), judged.isEmpty() ? "is new: it fills itself from the store"
                        : "lost tables: a new copy fills itself from the store", generation.number());
            });
            all = await(generations.all(view.name()));
        } else if (judged.get().definitionVersion() < view.version()) {
            Optional<Generation> made = await(generations.upgrade(view));
            made.ifPresent(generation -> {
                made(generation);
                LOG.infof("analytics view %s changed (definition version %d → %d): generation %d replays the store beside the live one",
                        view.name(), judged.get().definitionVersion(), view.version(), generation.number());
            });
            all = await(generations.all(view.name()));
        } else if (judged.get().definitionVersion() == view.version() && !await(generations.ensurePointed(view, judged.get()))) {
            LOG.infof("analytics view %s: its query relations were missing; made again over generation %d", view.name(), judged.get().number());
        }
        Optional<Generation> live = Generations.withRole(all, Generation.Role.LIVE);
        Optional<Generation> shadow = Generations.withRole(all, Generation.Role.SHADOW);
        // Only generations of this code's definition run here: a newer or older release's copy is its own.
        Optional<Generation> ownLive = live.filter(g -> g.definitionVersion() == view.version());
        Optional<Generation> ownShadow = shadow.filter(g -> g.definitionVersion() == view.version());
        runOnly(view, ownLive, ownShadow);

        if (ownLive.isPresent() && !ownLive.get().ready() && isLive(ownLive.get())) {
            await(generations.markReady(ownLive.get()));
            LOG.infof("analytics view %s is filled from the store and answers queries (generation %d)", view.name(), ownLive.get().number());
        }
        for (Generation filling : java.util.stream.Stream.concat(ownLive.stream(), ownShadow.stream()).toList()) {
            List<String> done = await(generations.maintain(filling));
            if (!done.isEmpty()) {
                LOG.debugf("analytics view %s: %s", view.name(), done);
            }
        }
        if (ownShadow.isPresent() && live.isPresent()) {
            advanceRebuild(view, ownShadow.get(), live.get());
        }
        dropRetired(view, all);
    }

    private void runOnly(AnalyticsView view, Optional<Generation> live, Optional<Generation> shadow) {
        Set<String> wanted = new HashSet<>();
        live.ifPresent(g -> wanted.add(g.subscriber()));
        shadow.ifPresent(g -> wanted.add(g.subscriber()));
        for (Subscriber subscriber : runtime.all()) {
            if (subscriber.name().startsWith(Generation.subscriberPrefix(view.name())) && !wanted.contains(subscriber.name())) {
                runtime.stop(subscriber.name());
            }
        }
        live.ifPresent(generation -> ensureRunning(view, generation));
        shadow.ifPresent(generation -> ensureRunning(view, generation));
    }

    private void ensureRunning(AnalyticsView view, Generation generation) {
        if (runtime.named(generation.subscriber()).isEmpty()) {
            if (fresh.remove(generation.subscriber())) {
                // A name used again after a lost registry may find queues of another history.
                await(runtime.deleteQueues(generation.subscriber(), view.categories()));
            }
            runtime.start(subscription(view, generation));
        }
    }

    private boolean isLive(Generation generation) {
        return runtime.named(generation.subscriber()).map(s -> s.state() == Subscriber.State.LIVE).orElse(false);
    }

    // A shadow that dead-lettered an event fails; one that replayed and consumes live is offered the
    // switch, which checks, inside its transaction, that it is level with the live copy.
    private void advanceRebuild(AnalyticsView view, Generation shadow, Generation live) {
        Optional<String> deadLetter = await(generations.firstDeadLetter(shadow.subscriber()));
        if (deadLetter.isPresent()) {
            String reason = "the rebuild met an event it could not apply, " + deadLetter.get();
            if (await(generations.fail(view, shadow, reason))) {
                LOG.warnf("analytics view %s: rebuild (generation %d) failed; the live copy (generation %d) stays: %s", view.name(),
                        shadow.number(), live.number(), reason);
                runtime.stop(shadow.subscriber());
            }
            return;
        }
        if (isLive(shadow) && await(generations.switchOver(view, shadow, live))) {
            LOG.infof("analytics view %s: rebuild finished, generation %d is live; generation %d is retired", view.name(), shadow.number(),
                    live.number());
            runtime.stop(live.subscriber());
        }
    }

    private void dropRetired(AnalyticsView view, List<Generation> all) {
        OffsetDateTime dropBefore = OffsetDateTime.now().minus(retireAfter);
        for (Generation generation : all) {
            boolean done = generation.role() == Generation.Role.RETIRED || generation.role() == Generation.Role.FAILED;
            if (done && generation.droppedAt() == null && generation.retiredAt() != null && generation.retiredAt().isBefore(dropBefore)) {
                await(runtime.retire(generation.subscriber(), view.categories()));
                await(generations.dropped(generation));
                LOG.infof("analytics view %s: generation %d dropped", view.name(), generation.number());
            }
        }
    }

    // A registry that was lost (its schema dropped) leaves subscribers and schemas no row names.
    private void cleanOrphans(AnalyticsView view) {
        for (String orphan : await(generations.orphanSubscribers(view.name()))) {
            await(runtime.retire(orphan, view.categories()));
            LOG.infof("analytics view %s: removed subscriber %s, which no generation names", view.name(), orphan);
        }
        await(generations.dropOrphanSchemas(view.name()));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Subscription subscription(AnalyticsView view, Generation generation) {
        String schema = generation.schema();
        Subscription.Builder builder = Subscription.view(generation.subscriber(), view.categories().toArray(String[]::new));
        for (Class<? extends DomainEvent> type : view.handles()) {
            builder.on((Class) type, (tx, event) -> view.apply(tx, schema, List.of((io.eventshop.subscriber.Envelope<?>) event)));
        }
        return builder.batch((tx, events) -> view.apply(tx, schema, events)).build();
    }

    private static <T> T await(io.smallrye.mutiny.Uni<T> work) {
        return work.await().atMost(Duration.ofMinutes(2));
    }
}
