package io.eventshop.problem;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.security.ForbiddenException;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Errors the HTTP layer answers before any resource or exception mapper sees the request (a body over
 * {@code quarkus.http.limits.max-body-size}, declared or streamed; whatever else the router itself fails) would be
 * bare status lines. These handlers, before Quarkus' own, answer them as problem documents like every other error at
 * the edge. (A request the server cannot decode at all, such as the target {@code //}, never reaches a router.)
 */
@ApplicationScoped
public class HttpLayerProblems {

    private static final Logger LOG = Logger.getLogger(HttpLayerProblems.class);
    /** Where Quarkus checks a request's declared length (RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT). */
    private static final int UPLOAD_LIMIT_ORDER = -2;

    @ConfigProperty(name = "quarkus.http.limits.max-body-size")
    MemorySize limit;

    void route(@Observes Router router) {
        // A declared length over the limit: Quarkus' own check (order -2) would answer a bare 413 before any mapper.
        router.route().order(UPLOAD_LIMIT_ORDER - 1).handler(context -> {
            String length = context.request().getHeader("Content-Length");
            if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > limit.asLongValue()) {
                tooLarge(context);
            } else {
                context.next();
            }
        });
        // Whatever the router itself fails: a body sent in chunks that outgrows the limit (413), anything else.
        router.route().order(Integer.MIN_VALUE).failureHandler(context -> {
            if (context.response().headWritten()) {
                context.next();
                return;
            }
            // An HTTP permission (quarkus.http.auth.permission, e.g. /q/openapi for admins) refusing a known caller
            // fails the route with ForbiddenException and no status: that is a 403, not an unexpected failure.
            int status = context.failure() instanceof ForbiddenException ? 403 : context.statusCode() < 0 ? 500 : context.statusCode();
            if (status == 413) {
                tooLarge(context);
                return;
            }
            if (status >= 500) {
                LOG.errorf(context.failure(), "unexpected failure in the HTTP layer serving %s", context.request().path());
            }
            Response.StatusType known = Response.Status.fromStatusCode(status);
            String title = known == null ? "Error" : known.getReasonPhrase();
            respond(context, status, title, status >= 500 ? "the service failed unexpectedly; the log has the details"
                    : "the request cannot be served as sent (" + title.toLowerCase() + ")");
        });
    }

    // The rest of the body is not read: the connection closes after the answer.
    private void tooLarge(RoutingContext context) {
        context.response().putHeader("Connection", "close");
        respond(context, 413, "Payload Too Large", "the body is larger than this service takes (" + limit.asLongValue() / 1024 + " KiB)");
    }

    private static void respond(RoutingContext context, int status, String title, String detail) {
        String body = "{\"type\":\"" + ProblemMappers.type(title.toLowerCase().replaceAll("[^a-z0-9]+", "-")) + "\",\"title\":"
                + jsonString(title) + ",\"status\":" + status + ",\"detail\":" + jsonString(detail) + ",\"instance\":"
                + jsonString(context.request().path()) + "}";
        context.response().setStatusCode(status).putHeader("Content-Type", Problem.MEDIA_TYPE).end(body);
    }

    // The path as the client sent it, whatever it holds, as a JSON string.
    private static String jsonString(String text) {
        StringBuilder json = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                json.append('\\').append(c);
            } else if (c < 0x20) {
                json.append(String.format("\\u%04x", (int) c));
            } else {
                json.append(c);
            }
        }
        return json.append('"').toString();
    }
}
