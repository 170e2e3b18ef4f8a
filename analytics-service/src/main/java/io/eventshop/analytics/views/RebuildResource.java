package io.eventshop.analytics.views;

import io.eventshop.problem.Problem;
import io.eventshop.problem.ProblemException;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

/**
 * Live blue/green rebuilds of analytics views (DESIGN.md, Subscribers and Edges): the store is replayed
 * from the start into a shadow copy while the live copy keeps serving and updating, and the shadow takes
 * over once it has caught up. Admins only.
 */
@Path("/admin/views/{view}/rebuild")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Analytics views")
public class RebuildResource {

    private static final Logger LOG = Logger.getLogger(RebuildResource.class);

    /**
     * A view's latest rebuild. {@code state}: IDLE (never rebuilt), REPLAYING (reading the store from the
     * start), CATCHING_UP (replayed; taking over once level with the live copy), SWITCHED (done: the
     * rebuilt copy is live), FAILED (the live copy stayed; {@code error} says why).
     */
    @RegisterForReflection
    public record RebuildStatus(String view, State state, int liveGeneration, Integer generation, OffsetDateTime startedAt,
            OffsetDateTime finishedAt, Long eventsApplied, Long eventsTotal, Double eventsPerSecond, Long etaSeconds, String error) {

        public enum State { IDLE, REPLAYING, CATCHING_UP, SWITCHED, FAILED }
    }

    private final ViewSupervisor supervisor;
    private final Generations generations;

    RebuildResource(ViewSupervisor supervisor, Generations generations) {
        this.supervisor = supervisor;
        this.generations = generations;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Rebuild a view from the store, live: a shadow copy replays every event, then takes over at once")
    @APIResponse(responseCode = "202", description = "Started; Location is where to watch it",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RebuildStatus.class)))
    @APIResponse(responseCode = "409", description = "A rebuild of this view is running, or the view is still filling for the first time",
            content = @Content(mediaType = Problem.MEDIA_TYPE))
    public Uni<Response> rebuild(@PathParam("view") String name) {
        AnalyticsView view = known(name);
        return generations.startRebuild(view)
                .onFailure(Generations.RebuildRefused.class).transform(e -> ProblemException.conflict(e.getMessage()))
                .invoke(shadow -> {
                    LOG.infof("analytics view %s: rebuild started (generation %d, %,d events in the store to replay)", name, shadow.number(),
                            shadow.totalEvents());
                    supervisor.made(shadow);
                })
                .chain(shadow -> status(view))
                .map(status -> Response.accepted(status).location(URI.create("/admin/views/" + name + "/rebuild")).build());
    }

    @GET
    @Operation(summary = "The view's latest rebuild: state, events applied of total, events/s and ETA")
    public Uni<RebuildStatus> progress(@PathParam("view") String name) {
        return status(known(name));
    }

    private AnalyticsView known(String name) {
        return supervisor.view(name).orElseThrow(() -> ProblemException.notFound("there is no analytics view " + name
                + "; the views are " + String.join(", ", supervisor.names())));
    }

    private Uni<RebuildStatus> status(AnalyticsView view) {
        return generations.all(view.name()).chain(all -> {
            int live = Generations.withRole(all, Generation.Role.LIVE).map(Generation::number).orElse(0);
            // Every generation after the first came from a rebuild, or replaced a lost or changed copy.
            Optional<Generation> latest = all.stream().filter(g -> g.totalEvents() != null).max(Comparator.comparingInt(Generation::number));
            if (latest.isEmpty()) {
                return Uni.createFrom().item(new RebuildStatus(view.name(), RebuildStatus.State.IDLE, live, null, null, null, null, null,
                        null, null, null));
            }
            Generation rebuild = latest.get();
            return generations.progress(rebuild.subscriber()).map(progress -> describe(view, rebuild, live, progress));
        });
    }

    private static RebuildStatus describe(AnalyticsView view, Generation rebuild, int live, Generations.Progress progress) {
        long total = rebuild.totalEvents();
        return switch (rebuild.role()) {
            case SHADOW -> {
                double seconds = Math.max(0.001, Duration.between(rebuild.createdAt(), OffsetDateTime.now()).toMillis() / 1000.0);
                double rate = progress.replayed() / seconds;
                long remaining = Math.max(0, total - progress.replayed());
                Long eta = null; // unknown until the first page is in
                if (!progress.replaying()) {
                    eta = 0L;
                } else if (rate > 0) {
                    eta = (long) Math.ceil(remaining / rate);
                }
                yield new RebuildStatus(view.name(), progress.replaying() ? RebuildStatus.State.REPLAYING : RebuildStatus.State.CATCHING_UP,
                        live, rebuild.number(), rebuild.createdAt(), null, progress.replayed(), Math.max(total, progress.replayed()), rate, eta,
                        null);
            }
            case FAILED -> new RebuildStatus(view.name(), RebuildStatus.State.FAILED, live, rebuild.number(), rebuild.createdAt(),
                    rebuild.retiredAt(), null, total, null, null, rebuild.error());
            case LIVE, RETIRED -> new RebuildStatus(view.name(), RebuildStatus.State.SWITCHED, live, rebuild.number(), rebuild.createdAt(),
                    rebuild.switchedAt(), rebuild.role() == Generation.Role.LIVE ? progress.replayed() : null, total, null, null, null);
        };
    }
}
