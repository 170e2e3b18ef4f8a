package io.eventshop.view;

import io.eventshop.problem.ProblemException;
import io.eventshop.store.StoreTransaction;
import io.eventshop.subscriber.deadletter.DeadLetter;
import io.eventshop.subscriber.runtime.SubscriberRuntime;
import io.eventshop.subscriber.state.Position;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * A service's views as the rest of it sees them: which copy answers queries (and whether one does yet),
 * and their rebuilds. Queries call {@link #ready} in their own transaction before they read a view's
 * relations, so nobody reads a half-built copy.
 */
@ApplicationScoped
public class Views {

    private static final Logger LOG = Logger.getLogger(Views.class);

    private final ViewSupervisor supervisor;
    private final Generations generations;
    private final SubscriberRuntime runtime;

    Views(ViewSupervisor supervisor, Generations generations, SubscriberRuntime runtime) {
        this.supervisor = supervisor;
        this.generations = generations;
        this.runtime = runtime;
    }

    public Optional<View> view(String name) {
        return supervisor.view(name);
    }

    public Set<String> names() {
        return supervisor.names();
    }

    /**
     * The live generation that answers queries of {@code name} here, checked in {@code tx}.
     *
     * @throws ProblemException (as the Uni's failure) 404 when the view is not kept by this service; 503 while it
     *         fills itself from the store for the first time, or while its live copy was built by another release's
     *         definition (a rolling upgrade)
     */
    public Uni<Generation> ready(StoreTransaction tx, String name) {
        View view = supervisor.view(name).orElse(null);
        if (view == null) {
            return Uni.createFrom().failure(ProblemException.notFound("the view " + name + " is not kept by this service"
                    + " (eventshop.views.enabled)"));
        }
        return generations.live(tx, name).map(live -> {
            if (live.isPresent() && live.get().definitionVersion() != view.version()) {
                throw new ProblemException(503, "view-version", "View not ready", "the view " + name + " is kept in definition version "
                        + live.get().definitionVersion() + " and this replica answers for version " + view.version()
                        + "; ask again in a moment", List.of());
            }
            if (live.isEmpty() || !live.get().ready()) {
                throw new ProblemException(503, "view-filling", "View not ready", "the view " + name
                        + " is filling itself from the store; ask again in a moment (progress: GET /admin/subscribers/" + name + ")", List.of());
            }
            return live.get();
        });
    }

    /**
     * Runs {@code query} against the view's live copy in {@code tx}, after {@link #ready}. A query relation that is
     * missing (its tables were dropped under the running service, and the next supervision pass makes a new copy)
     * answers 503 like a view that fills itself, not 500.
     */
    public <T> Uni<T> read(StoreTransaction tx, String name, Function<Generation, Uni<T>> query) {
        View view = supervisor.view(name).orElse(null);
        // The relations first, shared: a switch-over (which takes them exclusively) then cannot commit between the
        // registry's answer and the query, so the query reads the copy that was found ready.
        Uni<Void> locked = view == null ? Uni.createFrom().voidItem()
                : tx.connection().query("lock table " + String.join(", ", view.tables().stream().map(view::relation).toList())
                        + " in access share mode").execute().replaceWithVoid();
        return locked.chain(() -> ready(tx, name)).chain(live -> query.apply(live))
                .onFailure(failure -> failure instanceof io.vertx.pgclient.PgException pg && "42P01".equals(pg.getSqlState()))
                .transform(missing -> new ProblemException(503, "view-filling", "View not ready", "the view " + name
                        + " lost its tables and fills itself again from the store; ask again in a moment", List.of()));
    }

    /** Starts a rebuild of {@code name}: a shadow copy replays the store beside the live one and takes over when level. */
    public Uni<RebuildStatus> startRebuild(String name, String actor) {
        View view = known(name);
        return generations.startRebuild(view)
                .invoke(shadow -> {
                    LOG.infof("view %s: rebuild started by %s (generation %d, %,d events in the store to replay)", name, actor,
                            shadow.number(), shadow.totalEvents());
                    supervisor.made(shadow);
                })
                .chain(() -> rebuildStatus(name));
    }

    /** Ends the running rebuild of {@code name} without switching; the live copy stays. */
    public Uni<RebuildStatus> cancelRebuild(String name, String actor) {
        View view = known(name);
        return generations.all(name).chain(all -> {
            Optional<Generation> shadow = Generations.withRole(all, Generation.Role.SHADOW);
            if (shadow.isEmpty()) {
                return Uni.createFrom().failure(new Generations.RebuildRefused("no rebuild of " + name + " is running"));
            }
            return generations.cancel(view, shadow.get(), "cancelled by " + actor).invoke(cancelled -> {
                if (cancelled) {
                    LOG.warnf("view %s: rebuild (generation %d) cancelled by %s; the live copy stays", name, shadow.get().number(), actor);
                    supervisor.wakeUp();
                }
            });
        }).chain(() -> rebuildStatus(name));
    }

    /** The view's latest rebuild: state, events applied of total, events/s, ETA, and the dead letter it waits for. */
    public Uni<RebuildStatus> rebuildStatus(String name) {
        View view = known(name);
        return generations.all(name).chain(all -> {
            int live = Generations.withRole(all, Generation.Role.LIVE).map(Generation::number).orElse(0);
            // Every generation after the first came from a rebuild, or replaced a lost or changed copy.
            Optional<Generation> latest = all.stream().filter(g -> g.totalEvents() != null).max(Comparator.comparingInt(Generation::number));
            if (latest.isEmpty()) {
                return Uni.createFrom().item(new RebuildStatus(view.name(), RebuildStatus.State.IDLE, live, null, null, null, null, null,
                        null, null, null, null));
            }
            Generation rebuild = latest.get();
            return runtime.positions(rebuild.subscriber())
                    .chain(positions -> rebuild.role() != Generation.Role.SHADOW ? Uni.createFrom().item(describe(rebuild, live, positions, null))
                            : runtime.firstOpenDeadLetter(rebuild.subscriber())
                                    .map(waiting -> describe(rebuild, live, positions, waiting.orElse(null))));
        });
    }

    /** The subscriber of the view's live copy, if it has one. */
    public Uni<Optional<String>> liveSubscriber(String name) {
        return generations.all(name).map(all -> Generations.withRole(all, Generation.Role.LIVE).map(Generation::subscriber));
    }

    /** The subscribers of the view's live copy and running rebuild. */
    public Uni<List<Generation>> current(String name) {
        return generations.all(name).map(all -> all.stream()
                .filter(g -> g.role() == Generation.Role.LIVE || g.role() == Generation.Role.SHADOW).toList());
    }

    private View known(String name) {
        return supervisor.view(name).orElseThrow(() -> ProblemException.notFound("there is no view " + name + " in this service; its views are "
                + String.join(", ", supervisor.names())));
    }

    private static RebuildStatus describe(Generation rebuild, int live, List<Position> positions, DeadLetter waiting) {
        long total = rebuild.totalEvents();
        boolean replaying = positions.isEmpty() || positions.stream().anyMatch(Position::replaying);
        long replayed = positions.stream().mapToLong(Position::replayed).sum();
        return switch (rebuild.role()) {
            case SHADOW -> {
                double seconds = Math.max(0.001, Duration.between(rebuild.createdAt(), OffsetDateTime.now()).toMillis() / 1000.0);
                double rate = replayed / seconds;
                Long eta = null; // unknown until the first page is in
                if (!replaying) {
                    eta = 0L;
                } else if (rate > 0) {
                    eta = (long) Math.ceil(Math.max(0, total - replayed) / rate);
                }
                RebuildStatus.State state = waiting != null ? RebuildStatus.State.WAITING
                        : replaying ? RebuildStatus.State.REPLAYING : RebuildStatus.State.CATCHING_UP;
                yield new RebuildStatus(rebuild.view(), state, live, rebuild.number(), rebuild.createdAt(), null, replayed,
                        Math.max(total, replayed), rate, eta, waiting, null);
            }
            case FAILED -> new RebuildStatus(rebuild.view(), RebuildStatus.State.CANCELLED, live, rebuild.number(), rebuild.createdAt(),
                    rebuild.retiredAt(), null, total, null, null, null, rebuild.error());
            case LIVE, RETIRED -> new RebuildStatus(rebuild.view(), RebuildStatus.State.SWITCHED, live, rebuild.number(), rebuild.createdAt(),
                    rebuild.switchedAt(), rebuild.role() == Generation.Role.LIVE ? replayed : null, total, null, null, null, null);
        };
    }
}
