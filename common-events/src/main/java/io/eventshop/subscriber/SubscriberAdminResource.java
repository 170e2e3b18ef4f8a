package io.eventshop.subscriber;

import io.eventshop.problem.Problem;
import io.eventshop.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The admin API of the subscriber runtime (DESIGN.md, Edges): each subscriber's checkpoint, lag and
 * state; this service's dead letters; redrive and skip. Resolving a dead letter un-parks its stream
 * and applies the stream's waiting events through the normal path before answering.
 */
@Path("/admin")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed("admin")
public class SubscriberAdminResource {

    private static final int MAX_LIMIT = 500;

    private final SubscriberRuntime runtime;

    public SubscriberAdminResource(SubscriberRuntime runtime) {
        this.runtime = runtime;
    }

    @GET
    @Path("/subscribers")
    public Uni<List<Subscriber.Status>> subscribers() {
        List<Uni<Subscriber.Status>> statuses = runtime.all().stream().map(Subscriber::status).toList();
        return statuses.isEmpty() ? Uni.createFrom().item(List.of()) : Uni.join().all(statuses).andFailFast();
    }

    /**
     * @param status OPEN (default), REDRIVEN, SKIPPED or ALL
     * @param after  the last id of the previous page
     */
    @GET
    @Path("/dead-letters")
    public Uni<List<DeadLetter>> deadLetters(@QueryParam("subscriber") String subscriber, @QueryParam("status") String status,
            @QueryParam("after") Long after, @QueryParam("limit") Integer limit) {
        List<Problem.FieldError> errors = new ArrayList<>();
        DeadLetter.Status wanted = parseStatus(status, errors);
        if (subscriber != null && runtime.named(subscriber).isEmpty()) {
            errors.add(new Problem.FieldError("query.subscriber", "no subscriber named '" + subscriber + "' runs in this service"));
        }
        if (after != null && after < 0) {
            errors.add(new Problem.FieldError("query.after", "must not be negative"));
        }
        if (limit != null && (limit < 1 || limit > MAX_LIMIT)) {
            errors.add(new Problem.FieldError("query.limit", "must be between 1 and " + MAX_LIMIT));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid("the dead-letter query is not valid", errors);
        }
        return runtime.deadLetters(Optional.ofNullable(subscriber), wanted, after == null ? 0 : after, limit == null ? 100 : limit);
    }

    @GET
    @Path("/dead-letters/{id}")
    public Uni<DeadLetter> deadLetter(@PathParam("id") long id) {
        return find(id);
    }

    @POST
    @Path("/dead-letters/{id}/redrive")
    public Uni<Subscriber.Resolution> redrive(@PathParam("id") long id) {
        return resolve(id, DeadLetter.Status.REDRIVEN);
    }

    @POST
    @Path("/dead-letters/{id}/skip")
    public Uni<Subscriber.Resolution> skip(@PathParam("id") long id) {
        return resolve(id, DeadLetter.Status.SKIPPED);
    }

    private Uni<Subscriber.Resolution> resolve(long id, DeadLetter.Status outcome) {
        return find(id).chain(letter -> runtime.named(letter.subscriber()).orElseThrow().resolve(letter, outcome))
                .onFailure(DeadLetters.NotResolvableException.class).transform(e -> ProblemException.conflict(e.getMessage()));
    }

    private Uni<DeadLetter> find(long id) {
        return runtime.deadLetter(id).map(found -> found.orElseThrow(
                () -> ProblemException.notFound("no dead letter " + id + " belongs to a subscriber of this service")));
    }

    private static DeadLetter.Status parseStatus(String status, List<Problem.FieldError> errors) {
        if (status == null) {
            return DeadLetter.Status.OPEN;
        }
        if (status.equalsIgnoreCase("ALL")) {
            return null;
        }
        try {
            return DeadLetter.Status.valueOf(status.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            errors.add(new Problem.FieldError("query.status", "one of OPEN, REDRIVEN, SKIPPED, ALL; was '" + status + "'"));
            return null;
        }
    }
}
