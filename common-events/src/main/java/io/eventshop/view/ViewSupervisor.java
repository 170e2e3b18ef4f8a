package io.eventshop.view;

import io.eventshop.events.DomainEvent;
import io.eventshop.store.Checkpoint;
import io.eventshop.subscriber.Envelope;
import io.eventshop.subscriber.Subscription;
import io.eventshop.subscriber.deadletter.DeadLetter;
import io.eventshop.subscriber.deadletter.DeadLetters;
import io.eventshop.subscriber.runtime.Subscriber;
import io.eventshop.subscriber.runtime.SubscriberRuntime;
import io.eventshop.subscriber.state.Position;
import io.eventshop.worker.Worker;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Keeps every view's generations as the registry says, on every replica, every few seconds:
 * <ul>
 * <li>a view without a usable live generation (new in this release, tables dropped, definition
 * changed) gets one, which fills itself from the store;</li>
 * <li>the live and the shadow generation's subscribers run here, and no other of the view's;</li>
 * <li>a shadow that replayed the store and caught up with the live copy takes over (blue/green); one
 * that met an event it cannot apply waits for an operator's redrive or skip, and the live copy stays
 * as it is meanwhile;</li>
 * <li>retired generations are dropped (queues, subscriber state, schema) once every replica has had a
 * pass to stop applying to them.</li>
 * </ul>
 */
@ApplicationScoped
public class ViewSupervisor {

    private static final Logger LOG = Logger.getLogger(ViewSupervisor.class);

    private final Map<String, View> views = new TreeMap<>();
    private final Generations generations;
    private final SubscriberRuntime runtime;
    private final ViewConfig config;
    private final Worker worker = new Worker("eventshop-view-supervisor");
    private final Set<String> cleanedOrphans = new HashSet<>();
    private final Set<String> fresh = ConcurrentHashMap.newKeySet();
    private final Set<String> waitingReported = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> wokenAt = new ConcurrentHashMap<>();

    ViewSupervisor(Instance<View> declared, Generations generations, SubscriberRuntime runtime, ViewConfig config) {
        declared.forEach(view -> {
            if (views.put(view.name(), view) != null) {
                throw new IllegalStateException("two views are named " + view.name());
            }
        });
        config.enabled().ifPresent(names -> {
            Set<String> unknown = new TreeSet<>(names);
            unknown.removeAll(views.keySet());
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException("eventshop.views.enabled names " + unknown + ", which are not views of this service;"
                        + " its views are " + views.keySet());
            }
            views.keySet().retainAll(names);
        });
        this.generations = generations;
        this.runtime = runtime;
        this.config = config;
    }

    void onStart(@Observes StartupEvent start) {
        if (!views.isEmpty()) {
            worker.start(w -> run());
        }
    }

    void onStop(@Observes ShutdownEvent stop) {
        worker.stop(Duration.ofSeconds(10));
    }

    public Optional<View> view(String name) {
        return Optional.ofNullable(views.get(name));
    }

    public Set<String> names() {
        return views.keySet();
    }

    /** A generation this process just made: its subscriber starts with its queues deleted first. */
    void made(Generation generation) {
        fresh.add(generation.subscriber());
        worker.wake();
    }

    /** Runs a pass now rather than at the next interval. */
    public void wakeUp() {
        worker.wake();
    }

    private void run() {
        while (worker.running()) {
            for (View view : views.values()) {
                try {
                    supervise(view);
                } catch (RuntimeException e) {
                    LOG.warnf("view %s: %s; trying again in %s", view.name(), e.getMessage(), config.superviseInterval());
                }
            }
            worker.awaitWake(config.superviseInterval());
        }
    }

    private void supervise(View view) {
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
                LOG.infof("view %s %s (generation %d)", view.name(), judged.isEmpty() ? "is new: it fills itself from the store"
                        : "lost tables: a new copy fills itself from the store", generation.number());
            });
            all = await(generations.all(view.name()));
        } else if (judged.get().definitionVersion() < view.version()) {
            Optional<Generation> made = await(generations.upgrade(view));
            made.ifPresent(generation -> {
                made(generation);
                LOG.infof("view %s changed (definition version %d → %d): generation %d replays the store beside the live one",
                        view.name(), judged.get().definitionVersion(), view.version(), generation.number());
            });
            all = await(generations.all(view.name()));
        } else if (judged.get().definitionVersion() == view.version() && !await(generations.ensurePointed(view, judged.get()))) {
            LOG.infof("view %s: its query relations were missing; made again over generation %d", view.name(), judged.get().number());
        }
        Optional<Generation> live = Generations.withRole(all, Generation.Role.LIVE);
        Optional<Generation> shadow = Generations.withRole(all, Generation.Role.SHADOW);
        // Only generations of this code's definition run here: a newer or older release's copy is its own.
        Optional<Generation> ownLive = live.filter(g -> g.definitionVersion() == view.version());
        Optional<Generation> ownShadow = shadow.filter(g -> g.definitionVersion() == view.version());
        runOnly(view, ownLive, ownShadow);

        if (ownLive.isPresent() && !ownLive.get().ready() && isLive(ownLive.get())) {
            await(generations.markReady(ownLive.get()));
            LOG.infof("view %s is filled from the store and answers queries (generation %d)", view.name(), ownLive.get().number());
        }
        for (Generation filling : Stream.concat(ownLive.stream(), ownShadow.stream()).toList()) {
            List<String> done = await(generations.maintain(view, filling));
            if (!done.isEmpty()) {
                LOG.debugf("view %s: %s", view.name(), done);
            }
        }
        if (ownShadow.isPresent() && live.isPresent()) {
            advanceRebuild(view, ownShadow.get(), live.get());
        }
        dropRetired(view, all);
    }

    private void runOnly(View view, Optional<Generation> live, Optional<Generation> shadow) {
        Set<String> wanted = new HashSet<>();
        live.ifPresent(g -> wanted.add(g.subscriber()));
        shadow.ifPresent(g -> wanted.add(g.subscriber()));
        for (Subscriber subscriber : runtime.ofLineage(view.name())) {
            if (!wanted.contains(subscriber.name())) {
                runtime.stop(subscriber.name());
            }
        }
        live.ifPresent(generation -> ensureRunning(view, generation));
        shadow.ifPresent(generation -> ensureRunning(view, generation));
    }

    private void ensureRunning(View view, Generation generation) {
        // One that stopped by itself (it found its state gone) is started again: the registry still names it.
        runtime.named(generation.subscriber()).filter(s -> s.state() == Subscriber.State.STOPPED)
                .ifPresent(stopped -> runtime.stop(stopped.name()));
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

    // A shadow that met poison waits for a decision; one that replayed, consumes live and looks level is offered
    // the switch, which checks all of it again inside its transaction. The checks outside come first because the
    // switch locks the query relations (and so the live copy's tables): a rebuild waiting for hours must not lock
    // them at every pass.
    private void advanceRebuild(View view, Generation shadow, Generation live) {
        Optional<DeadLetter> waiting = await(runtime.firstOpenDeadLetter(shadow.subscriber()));
        if (waiting.isPresent()) {
            var letter = waiting.get();
            // Skipped in another copy of the view meanwhile (while this one still replayed, say): the decision holds here too.
            if (letter.eventId() != null && await(runtime.skipDecision(view.name(), letter.eventId())).isPresent()
                    && runtime.named(shadow.subscriber()).isPresent()
                    && await(runtime.positions(shadow.subscriber())).stream().noneMatch(Position::replaying)) {
                try {
                    await(runtime.resolve(letter, DeadLetter.Status.SKIPPED));
                    LOG.infof("view %s: the rebuild's dead letter %d is skipped, as an operator skipped the same event in another copy",
                            view.name(), letter.id());
                } catch (DeadLetters.NotResolvableException resolvedElsewhere) {
                    LOG.debugf("view %s: dead letter %d: %s", view.name(), letter.id(), resolvedElsewhere.getMessage()); // another replica's pass
                }
                return;
            }
            if (waitingReported.add(shadow.subscriber() + "#" + letter.id())) {
                LOG.warnf("view %s: the rebuild (generation %d) waits for a decision on dead letter %d (%s version %d: %s);"
                        + " redrive or skip it (POST /admin/dead-letters/%d/redrive|skip) and it continues; the live copy serves meanwhile",
                        view.name(), shadow.number(), letter.id(), letter.streamId(), letter.streamVersion(), letter.reason(), letter.id());
            }
            return;
        }
        waitingReported.removeIf(key -> key.startsWith(shadow.subscriber() + "#"));
        String notYet = !isLive(shadow) ? "it is not consuming live here yet"
                : !looksLevel(shadow, live) && !caughtUpSinceWoken(shadow) ? "it has not read as far as the live copy"
                : await(runtime.unfinished(shadow.subscriber())) ? "a stream of it waits to be applied again"
                : !await(generations.switchOver(view, shadow, live)) ? "it was not level when checked under lock" : null;
        if (notYet == null) {
            LOG.infof("view %s: rebuild finished, generation %d is live; generation %d is retired", view.name(), shadow.number(),
                    live.number());
            runtime.stop(live.subscriber());
        } else {
            LOG.debugf("view %s: the rebuild (generation %d) does not take over yet: %s", view.name(), shadow.number(), notYet);
        }
    }

    // Both copies' catch-up passes run on intervals of their own, so while events flow the one that read last is
    // ahead, and a shadow whose passes happen to fall just before the live copy's would look behind for ever. So a
    // shadow found behind is woken for a pass of its own; once it has finished one, it has read at least as far as
    // the live copy had when it was found behind, and the switch (which checks under lock) is tried.
    private boolean caughtUpSinceWoken(Generation shadow) {
        Optional<Subscriber> subscriber = runtime.named(shadow.subscriber());
        if (subscriber.isEmpty()) {
            return false;
        }
        Long woken = wokenAt.get(shadow.subscriber());
        if (woken != null && subscriber.get().passes() > woken) {
            wokenAt.remove(shadow.subscriber());
            return true;
        }
        if (woken == null) {
            wokenAt.put(shadow.subscriber(), subscriber.get().passes());
            subscriber.get().catchUpNow();
        }
        return false;
    }

    // Without locks: whether the shadow has read every category at least as far as the live copy.
    private boolean looksLevel(Generation shadow, Generation live) {
        Map<String, Checkpoint> serving = new HashMap<>();
        await(runtime.positions(live.subscriber())).forEach(position -> serving.put(position.category(), position.checkpoint()));
        List<Position> rebuilt = await(runtime.positions(shadow.subscriber()));
        return !rebuilt.isEmpty() && rebuilt.stream().noneMatch(Position::replaying)
                && rebuilt.stream().allMatch(position -> !serving.containsKey(position.category())
                        || !serving.get(position.category()).isAfter(position.checkpoint()));
    }

    private void dropRetired(View view, List<Generation> all) {
        OffsetDateTime dropBefore = OffsetDateTime.now().minus(config.dropRetiredAfter());
        for (Generation generation : all) {
            boolean done = generation.role() == Generation.Role.RETIRED || generation.role() == Generation.Role.FAILED;
            if (done && generation.droppedAt() == null && generation.retiredAt() != null && generation.retiredAt().isBefore(dropBefore)) {
                await(runtime.retire(generation.subscriber(), view.categories()));
                await(generations.dropped(view, generation));
                LOG.infof("view %s: generation %d dropped", view.name(), generation.number());
            }
        }
    }

    // A registry that was lost leaves subscribers and schemas no row names; so does a view from before generations.
    private void cleanOrphans(View view) {
        for (String orphan : await(generations.forgetOrphanSubscribers(view))) {
            runtime.stop(orphan);
            await(runtime.deleteQueues(orphan, view.categories()));
            LOG.infof("view %s: removed subscriber %s, which no generation names", view.name(), orphan);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static Subscription subscription(View view, Generation generation) {
        String schema = view.generationSchema(generation.number());
        Subscription.Builder builder = Subscription.view(generation.subscriber(), view.categories().toArray(String[]::new))
                .lineage(view.name());
        for (Class<? extends DomainEvent> type : view.handles()) {
            builder.on((Class) type, (tx, event) -> view.apply(tx, schema, List.of((Envelope<?>) event)));
        }
        if (view.replaysInPartitions()) {
            builder.replayInPartitions();
        }
        return builder.batch((tx, events) -> view.apply(tx, schema, events)).build();
    }

    private static <T> T await(Uni<T> work) {
        return work.await().atMost(Duration.ofMinutes(2));
    }
}
