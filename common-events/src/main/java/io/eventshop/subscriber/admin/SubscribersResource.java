package io.eventshop.subscriber.admin;

import io.eventshop.problem.Problem;
import io.eventshop.problem.ProblemException;
import io.eventshop.store.Checkpoint;
import io.eventshop.subscriber.Subscription;
import io.eventshop.subscriber.runtime.Repositions;
import io.eventshop.subscriber.runtime.Subscriber;
import io.eventshop.subscriber.runtime.SubscriberRuntime;
import io.eventshop.subscriber.runtime.SubscriberStatus;
import io.eventshop.view.Generations;
import io.eventshop.view.RebuildStatus;
import io.eventshop.view.Views;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The admin API of this service's subscribers: status and lag, rebuilds of views (blue/green, with
 * progress and ETA), and repositions (explicit, audited). A view is named by its name ({@code
 * analytics.sales}), whatever generation serves it. Admins only.
 */
@Path("/admin/subscribers")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Subscribers")
public class SubscribersResource {

    /** Where to reposition: {@code beginning}, a store position {@code position:<tx>:<pos>}, or an RFC 3339 time. */
    @RegisterForReflection
    public record RepositionRequest(String from) {
    }

    /** What a reposition did. */
    @RegisterForReflection
    public record RepositionResult(String subscriber, String repositioned, String from, List<Repositions.Repositioned> categories) {
    }

    private final SubscriberRuntime runtime;
    private final Views views;
    private final JsonWebToken caller;

    SubscribersResource(SubscriberRuntime runtime, Views views, JsonWebToken caller) {
        this.runtime = runtime;
        this.views = views;
        this.caller = caller;
    }

    @GET
    @Operation(summary = "Every subscriber of this service: state, checkpoints, lag, and for views the latest rebuild")
    public Uni<List<SubscriberInfo>> all() {
        List<Uni<SubscriberInfo>> infos = new ArrayList<>();
        names().forEach((name, kind) -> infos.add(info(name)));
        return infos.isEmpty() ? Uni.createFrom().item(List.of()) : Uni.join().all(infos).andFailFast();
    }

    @GET
    @Path("/{name}")
    @Operation(summary = "One subscriber: state, checkpoints, lag, and for a view the progress of its rebuild")
    public Uni<SubscriberInfo> one(@PathParam("name") String name) {
        known(name);
        return info(name);
    }

    @POST
    @Path("/{name}/rebuild")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Rebuild a view from the store into a new copy beside the live one, which takes over when level")
    @APIResponse(responseCode = "202", description = "Started; follow its progress at Location",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RebuildStatus.class)))
    @APIResponse(responseCode = "404", description = "No such subscriber here", content = @Content(mediaType = Problem.MEDIA_TYPE))
    @APIResponse(responseCode = "409", description = "Not a view, a rebuild runs already, or the view is still filling itself for the first time",
            content = @Content(mediaType = Problem.MEDIA_TYPE))
    public Uni<Response> rebuild(@PathParam("name") String name) {
        requireView(name);
        return views.startRebuild(name, actor())
                .onFailure(Generations.RebuildRefused.class).transform(e -> ProblemException.conflict(e.getMessage()))
                .map(status -> Response.accepted(status).location(URI.create("/admin/subscribers/" + name)).build());
    }

    @DELETE
    @Path("/{name}/rebuild")
    @Operation(summary = "Cancel a view's running rebuild; the live copy stays")
    @APIResponse(responseCode = "409", description = "No rebuild runs", content = @Content(mediaType = Problem.MEDIA_TYPE))
    public Uni<RebuildStatus> cancelRebuild(@PathParam("name") String name) {
        requireView(name);
        return views.cancelRebuild(name, actor())
                .onFailure(Generations.RebuildRefused.class).transform(e -> ProblemException.conflict(e.getMessage()));
    }

    @POST
    @Path("/{name}/reposition")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Move a subscriber back to the beginning, a store position or a time: the events after it are applied again,"
            + " once each, in order. For a reactor that acts on history again: explicit and audited")
    @APIResponse(responseCode = "200", description = "Repositioned: per category, where the checkpoint went and how many streams moved back",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RepositionResult.class)))
    @APIResponse(responseCode = "400", description = "from is not beginning, a position or a time", content = @Content(mediaType = Problem.MEDIA_TYPE))
    @APIResponse(responseCode = "409", description = "The subscriber still replays, or a view has no live copy yet",
            content = @Content(mediaType = Problem.MEDIA_TYPE))
    public Uni<RepositionResult> reposition(@PathParam("name") String name, RepositionRequest request) {
        known(name);
        Repositions.From from = parseFrom(request);
        return working(name).chain(subscriber -> {
            if (subscriber.isEmpty()) {
                return Uni.createFrom().failure(ProblemException.conflict(name + " has no copy running in this service yet; try again when it has"));
            }
            return runtime.reposition(subscriber.get().subscription(), from, actor())
                    .onFailure(Repositions.RepositionRefused.class).transform(e -> ProblemException.conflict(e.getMessage()))
                    .map(done -> new RepositionResult(name, subscriber.get().name(), request.from().strip(), done));
        });
    }

    private static Repositions.From parseFrom(RepositionRequest request) {
        String from = request == null || request.from() == null ? "" : request.from().strip();
        if (from.toLowerCase(Locale.ROOT).equals("beginning")) {
            return new Repositions.From.Beginning();
        }
        try {
            if (from.startsWith("position:")) {
                return new Repositions.From.AtPosition(Checkpoint.parse(from));
            }
            return new Repositions.From.AtTime(Instant.parse(from));
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw ProblemException.invalid("the reposition request is not valid", List.of(new Problem.FieldError("from",
                    "beginning, a store position (position:<transactionId>:<globalPosition>) or an RFC 3339 time; was '" + from + "'")));
        }
    }

    // Logical names: every view kept here, and every other subscriber that runs here (reactors).
    private Map<String, Subscription.Kind> names() {
        Map<String, Subscription.Kind> names = new LinkedHashMap<>();
        views.names().forEach(view -> names.put(view, Subscription.Kind.VIEW));
        runtime.all().stream().filter(s -> s.subscription().lineage().equals(s.name()) && !names.containsKey(s.name()))
                .forEach(s -> names.put(s.name(), s.subscription().kind()));
        return names;
    }

    private void known(String name) {
        if (!names().containsKey(name)) {
            throw ProblemException.notFound("no subscriber named " + name + " runs in this service; its subscribers are "
                    + String.join(", ", names().keySet()));
        }
    }

    private void requireView(String name) {
        known(name);
        if (views.view(name).isEmpty()) {
            throw ProblemException.conflict(name + " is a " + names().get(name).name().toLowerCase(Locale.ROOT)
                    + ", not a view kept in generations: it cannot be rebuilt; reposition it instead");
        }
    }

    // The subscriber doing a name's work here: a view's live generation, or the subscriber itself.
    private Uni<Optional<Subscriber>> working(String name) {
        if (views.view(name).isEmpty()) {
            return Uni.createFrom().item(runtime.named(name));
        }
        return views.liveSubscriber(name).map(live -> live.flatMap(runtime::named));
    }

    private Uni<SubscriberInfo> info(String name) {
        Subscription.Kind kind = names().get(name);
        Uni<RebuildStatus> rebuild = views.view(name).isPresent() ? views.rebuildStatus(name) : Uni.createFrom().nullItem();
        return working(name).chain(subscriber -> {
            Uni<SubscriberStatus> status = subscriber.map(Subscriber::status).orElse(Uni.createFrom().nullItem());
            return Uni.combine().all().unis(status, rebuild).asTuple().map(both -> {
                SubscriberStatus s = both.getItem1();
                return s == null ? new SubscriberInfo(name, kind, null, null, List.of(), 0, 0, null, both.getItem2())
                        : new SubscriberInfo(name, kind, s.name(), s.state(), s.categories(), s.lagEvents(), s.lagSeconds(), s.lastError(),
                                both.getItem2());
            });
        });
    }

    private String actor() {
        return caller.getSubject() == null ? "an unnamed admin" : caller.getSubject();
    }
}
