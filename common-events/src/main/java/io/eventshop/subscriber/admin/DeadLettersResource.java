package io.eventshop.subscriber.admin;

import io.eventshop.problem.Problem;
import io.eventshop.problem.ProblemException;
import io.eventshop.subscriber.deadletter.DeadLetter;
import io.eventshop.subscriber.deadletter.DeadLetters;
import io.eventshop.subscriber.runtime.Subscriber;
import io.eventshop.subscriber.runtime.SubscriberRuntime;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
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
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

/**
 * This service's dead letters: list, read, redrive or skip one, or all those of a subscriber whose
 * reason contains a text. Resolving a dead letter un-parks its stream and applies the stream's waiting
 * events through the normal path before answering. Admins only.
 */
@Path("/admin/dead-letters")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Subscribers")
public class DeadLettersResource {

    private static final Logger LOG = Logger.getLogger(DeadLettersResource.class);
    private static final int MAX_LIMIT = 500;

    /** Which open dead letters a bulk redrive or skip resolves: a subscriber's (or a view's), with a reason containing a text. */
    @RegisterForReflection
    public record Selection(String subscriber, String reasonContains, Integer limit) {
    }

    /** What a bulk redrive or skip did; {@code remaining}: open letters of the selection left (call again). */
    @RegisterForReflection
    public record BulkResult(List<Subscriber.Resolution> resolved, List<Refusal> refused, int remaining) {
    }

    /** A dead letter of the selection that could not be resolved, and why. */
    @RegisterForReflection
    public record Refusal(long id, String reason) {
    }

    private final SubscriberRuntime runtime;
    private final JsonWebToken caller;

    DeadLettersResource(SubscriberRuntime runtime, JsonWebToken caller) {
        this.runtime = runtime;
        this.caller = caller;
    }

    /**
     * @param subscriber a subscriber's or a view's name
     * @param status     OPEN (default), REDRIVEN, SKIPPED or ALL
     * @param reason     only those whose reason contains this text
     * @param after      the last id of the previous page
     */
    @GET
    @Operation(summary = "Dead letters, oldest first")
    public Uni<List<DeadLetter>> list(@QueryParam("subscriber") String subscriber, @QueryParam("status") String status,
            @QueryParam("reason") String reason, @QueryParam("after") Long after, @QueryParam("limit") Integer limit) {
        List<Problem.FieldError> errors = new ArrayList<>();
        DeadLetter.Status wanted = parseStatus(status, errors);
        checkSubscriber(subscriber, "query.subscriber", errors);
        if (after != null && after < 0) {
            errors.add(new Problem.FieldError("query.after", "must not be negative"));
        }
        checkLimit(limit, "query.limit", errors);
        if (!errors.isEmpty()) {
            throw ProblemException.invalid("the dead-letter query is not valid", errors);
        }
        return runtime.deadLetters(Optional.ofNullable(subscriber), wanted, reason, after == null ? 0 : after, limit == null ? 100 : limit);
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One dead letter, with its reason, attempts and body")
    public Uni<DeadLetter> one(@PathParam("id") long id) {
        return find(id);
    }

    @POST
    @Path("/{id}/redrive")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Apply the dead-lettered event again, then its stream's waiting events")
    public Uni<Subscriber.Resolution> redrive(@PathParam("id") long id) {
        return resolve(id, DeadLetter.Status.REDRIVEN);
    }

    @POST
    @Path("/{id}/skip")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Pass over the dead-lettered event (in every copy of the view), then apply its stream's waiting events")
    public Uni<Subscriber.Resolution> skip(@PathParam("id") long id) {
        return resolve(id, DeadLetter.Status.SKIPPED);
    }

    @POST
    @Path("/redrive")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Redrive every open dead letter of a subscriber whose reason contains a text (up to limit)")
    public Uni<BulkResult> redriveAll(Selection selection) {
        return resolveAll(selection, DeadLetter.Status.REDRIVEN);
    }

    @POST
    @Path("/skip")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Skip every open dead letter of a subscriber whose reason contains a text (up to limit)")
    public Uni<BulkResult> skipAll(Selection selection) {
        return resolveAll(selection, DeadLetter.Status.SKIPPED);
    }

    private Uni<Subscriber.Resolution> resolve(long id, DeadLetter.Status outcome) {
        return find(id).chain(letter -> resolve(letter, outcome));
    }

    private Uni<Subscriber.Resolution> resolve(DeadLetter letter, DeadLetter.Status outcome) {
        LOG.infof("dead letter %d of %s (%s version %s) %s by %s", letter.id(), letter.subscriber(), letter.streamId(),
                letter.streamVersion(), outcome == DeadLetter.Status.SKIPPED ? "skipped" : "redriven", caller.getSubject());
        return runtime.resolve(letter, outcome)
                .onFailure(DeadLetters.NotResolvableException.class).transform(e -> ProblemException.conflict(e.getMessage()));
    }

    private Uni<BulkResult> resolveAll(Selection selection, DeadLetter.Status outcome) {
        List<Problem.FieldError> errors = new ArrayList<>();
        if (selection == null || selection.subscriber() == null || selection.subscriber().isBlank()) {
            errors.add(new Problem.FieldError("subscriber", "name the subscriber (or view) whose dead letters to resolve"));
        } else {
            checkSubscriber(selection.subscriber(), "subscriber", errors);
        }
        Integer limit = selection == null ? null : selection.limit();
        checkLimit(limit, "limit", errors);
        if (!errors.isEmpty()) {
            throw ProblemException.invalid("the selection is not valid", errors);
        }
        int max = limit == null ? 100 : limit;
        return runtime.deadLetters(Optional.of(selection.subscriber()), DeadLetter.Status.OPEN, selection.reasonContains(), 0, max)
                .chain(letters -> Multi.createFrom().iterable(letters)
                        .onItem().transformToUniAndConcatenate(letter -> runtime.named(letter.subscriber()).isEmpty()
                                ? Uni.createFrom().<Object>item(new Refusal(letter.id(), letter.subscriber() + " does not run here"))
                                : resolve(letter, outcome).map(Object.class::cast)
                                        .onFailure(ProblemException.class).recoverWithItem(e -> new Refusal(letter.id(), e.getMessage())))
                        .collect().asList())
                .chain(done -> runtime.deadLetters(Optional.of(selection.subscriber()), DeadLetter.Status.OPEN, selection.reasonContains(), 0,
                                MAX_LIMIT)
                        .map(left -> {
                            List<Subscriber.Resolution> resolved = new ArrayList<>();
                            List<Refusal> refused = new ArrayList<>();
                            done.forEach(result -> {
                                if (result instanceof Refusal refusal) {
                                    refused.add(refusal);
                                } else {
                                    resolved.add((Subscriber.Resolution) result);
                                }
                            });
                            return new BulkResult(resolved, refused, left.size());
                        }));
    }

    private Uni<DeadLetter> find(long id) {
        return runtime.deadLetter(id).map(found -> found.orElseThrow(
                () -> ProblemException.notFound("no dead letter " + id + " belongs to a subscriber of this service")));
    }

    private void checkSubscriber(String subscriber, String field, List<Problem.FieldError> errors) {
        if (subscriber != null && runtime.ofLineage(subscriber).isEmpty()) {
            errors.add(new Problem.FieldError(field, "no subscriber named '" + subscriber + "' runs in this service"));
        }
    }

    private static void checkLimit(Integer limit, String field, List<Problem.FieldError> errors) {
        if (limit != null && (limit < 1 || limit > MAX_LIMIT)) {
            errors.add(new Problem.FieldError(field, "must be between 1 and " + MAX_LIMIT));
        }
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
