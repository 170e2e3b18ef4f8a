package io.eventshop.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.eventshop.store.DatabaseUnavailable;
import io.eventshop.store.StreamVersionConflictException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.util.Comparator;
import java.util.List;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every error at the REST edge as problem JSON: our own {@link ProblemException}s, the framework's
 * (unknown path, wrong method, unreadable body, ...), a database that went away as a 503, and, as a 500 that leaks
 * nothing, anything else.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);
    private static final String TYPE_BASE = "https://eventshop.io/problems/";

    static URI type(String slug) {
        return URI.create(TYPE_BASE + slug);
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e, UriInfo uri) {
        return respond(e.status(), e.toProblem(instance(uri)));
    }

    @ServerExceptionMapper
    public Response framework(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        Response.StatusType type = Response.Status.fromStatusCode(status);
        String title = type == null ? "Error" : type.getReasonPhrase();
        String detail = status == 404 ? "nothing is at " + uri.getRequestUri().getRawPath() : e.getMessage();
        return respond(status, new Problem(type(slug(title)), title, status, detail, instance(uri), List.of()));
    }

    // Bean Validation at the edge: one entry per invalid field, named as the client sent it.
    @ServerExceptionMapper
    public Response invalid(ConstraintViolationException e, UriInfo uri) {
        List<Problem.FieldError> errors = e.getConstraintViolations().stream()
                .map(violation -> new Problem.FieldError(field(violation), violation.getMessage()))
                .sorted(Comparator.comparing(Problem.FieldError::field))
                .toList();
        return respond(400, new Problem(type("invalid-request"), "Invalid request", 400,
                "the request is not valid: " + errors.size() + " field(s) to fix", instance(uri), errors));
    }

    // A body that is not JSON, has an unknown field or a value of the wrong type. The specific types are
    // named so that these win over quarkus-rest-jackson's own mappers, which answer plain JSON.
    @ServerExceptionMapper({JsonProcessingException.class, MismatchedInputException.class, UnrecognizedPropertyException.class,
            InvalidFormatException.class})
    public Response unreadable(JsonProcessingException e, UriInfo uri) {
        List<Problem.FieldError> errors = List.of();
        String detail = "the body is not valid JSON";
        if (e instanceof UnrecognizedPropertyException unknown) {
            errors = List.of(new Problem.FieldError(path(unknown), "unknown field"));
            detail = "the body has a field this endpoint does not know: " + unknown.getPropertyName();
        } else if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            errors = List.of(new Problem.FieldError(path(mapping), "not a valid value here: " + mapping.getOriginalMessage()
                    .replaceAll("\\s*\\(for .*", "").replaceAll("(?s)\\n.*", "")));
            detail = "the body has a value of the wrong type or form";
        }
        return respond(400, new Problem(type("invalid-request"), "Invalid request", 400, detail, instance(uri), errors));
    }

    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : e.getPath()) {
            if (reference.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    // "add.body.lines[0].quantity" → "lines[0].quantity": the method and parameter are not the client's
    // names; a violation on a parameter itself (a missing body, a query parameter) is named after it.
    private static String field(ConstraintViolation<?> violation) {
        StringBuilder path = new StringBuilder();
        String parameter = "body";
        for (Path.Node node : violation.getPropertyPath()) {
            if (node.getKind() == ElementKind.PARAMETER) {
                parameter = node.getName();
            } else if (node.getKind() == ElementKind.PROPERTY) {
                if (node.isInIterable() && node.getIndex() != null) {
                    path.append('[').append(node.getIndex()).append(']');
                }
                path.append(path.isEmpty() ? "" : ".").append(node.getName());
            }
        }
        return path.isEmpty() ? parameter : path.toString();
    }

    // Without a token, or with one that does not verify: 401 and the scheme to use.
    @ServerExceptionMapper({UnauthorizedException.class, AuthenticationFailedException.class})
    public Response unauthorized(RuntimeException e, UriInfo uri) {
        return Response.fromResponse(respond(401, new Problem(type("unauthorized"), "Unauthorized", 401,
                        "a valid bearer token is required (Authorization: Bearer <JWT>)", instance(uri), List.of())))
                .header("WWW-Authenticate", "Bearer").build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, UriInfo uri) {
        return respond(403, new Problem(type("forbidden"), "Forbidden", 403,
                "the token does not carry the role this needs", instance(uri), List.of()));
    }

    // A write that lost the race for its stream more often than it retries (a cancel while the saga confirms,
    // say): nothing was written; the client may try again.
    @ServerExceptionMapper
    public Response conflicted(StreamVersionConflictException e, UriInfo uri) {
        return respond(409, new Problem(type("conflict"), "Conflict", 409,
                "it changed while this request ran, and kept changing; nothing was done: try again", instance(uri), List.of()));
    }

    @ServerExceptionMapper(priority = 10_000)
    public Response unexpected(Exception e, UriInfo uri) {
        // The database went away under the request (a restart, a failover, no pooled connection in time): nothing
        // is wrong with the request or the service, so 503, which says "later", not 500. A change may or may not have
        // committed (a commit whose answer was lost looks the same as one never sent): the detail says to look before
        // sending a change again, except a placement with its Idempotency-Key, which is never doubled.
        if (DatabaseUnavailable.wentAway(e)) {
            LOG.warnf("database unavailable serving %s: %s", uri.getPath(), DatabaseUnavailable.causes(e).getLast());
            return Response.fromResponse(respond(503, new Problem(type("database-unavailable"), "Database unavailable", 503,
                            "the database could not be reached, or went away during this request (a restart or a failover)."
                                    + " A change this request asked for may or may not have been made: read before sending it again"
                                    + " (a placement sent again with the same Idempotency-Key is never doubled)", instance(uri), List.of())))
                    .header("Retry-After", "1").build();
        }
        LOG.errorf(e, "unexpected failure serving %s", uri.getPath());
        return respond(500, new Problem(type("internal-error"), "Internal error", 500,
                "the service failed unexpectedly; the log has the details", instance(uri), List.of()));
    }

    private static Response respond(int status, Problem problem) {
        return Response.status(status).type(Problem.MEDIA_TYPE).entity(problem).build();
    }

    // The raw path, as the client sent it: the decoded one may hold characters a URI cannot (a %20 or %25 in a
    // path made URI.create fail here, and the error page itself a 500).
    private static URI instance(UriInfo uri) {
        return URI.create(uri.getRequestUri().getRawPath());
    }

    private static String slug(String title) {
        return title.toLowerCase().replaceAll("[^a-z0-9]+", "-");
    }
}
