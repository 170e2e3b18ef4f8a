package io.eventshop.problem;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.util.List;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every error at the REST edge as problem JSON: our own {@link ProblemException}s, the framework's
 * (unknown path, wrong method, unreadable body, ...) and, as a 500 that leaks nothing, anything else.
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
        String detail = status == 404 ? "nothing is at " + uri.getPath() : e.getMessage();
        return respond(status, new Problem(type(slug(title)), title, status, detail, instance(uri), List.of()));
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

    @ServerExceptionMapper(priority = 10_000)
    public Response unexpected(Exception e, UriInfo uri) {
        LOG.errorf(e, "unexpected failure serving %s", uri.getPath());
        return respond(500, new Problem(type("internal-error"), "Internal error", 500,
                "the service failed unexpectedly; the log has the details", instance(uri), List.of()));
    }

    private static Response respond(int status, Problem problem) {
        return Response.status(status).type(Problem.MEDIA_TYPE).entity(problem).build();
    }

    private static URI instance(UriInfo uri) {
        return URI.create(uri.getPath());
    }

    private static String slug(String title) {
        return title.toLowerCase().replaceAll("[^a-z0-9]+", "-");
    }
}
