package io.eventshop.tracing;

import io.eventshop.problem.Problem;
import io.eventshop.problem.ProblemException;
import io.smallrye.common.vertx.VertxContext;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Every REST request has an id: the caller's {@code X-Request-Id}, or one made here, answered in the response's
 * {@code X-Request-Id}. It becomes the {@code causationid} of the first event the request appends ({@link
 * RequestOrigin}) and the {@code requestId} of the request's log lines (MDC). An id that could not be stored
 * and logged safely (control characters, a kilobyte) is refused with a problem document, not rewritten: the
 * caller would search for an id that appears nowhere.
 */
public class RequestIds {

    public static final String HEADER = "X-Request-Id";
    static final String MDC_KEY = "requestId";
    private static final Pattern FORM = Pattern.compile("[A-Za-z0-9._:/+=-]{1,128}");

    @ServerRequestFilter(preMatching = true)
    public void assign(ContainerRequestContext request) {
        String given = request.getHeaderString(HEADER);
        if (given != null && !FORM.matcher(given).matches()) {
            throw ProblemException.invalid("X-Request-Id must be 1-128 letters, digits or ._:/+=-", List.of(
                    new Problem.FieldError("header." + HEADER, "must be 1-128 letters, digits or ._:/+=-")));
        }
        String id = given != null ? given : UUID.randomUUID().toString();
        request.setProperty(RequestOrigin.KEY, id);
        Context context = Vertx.currentContext();
        if (context != null && VertxContext.isDuplicatedContext(context)) {
            context.putLocal(RequestOrigin.KEY, id);
        }
        MDC.put(MDC_KEY, id);
    }

    @ServerResponseFilter
    public void answer(ContainerRequestContext request, ContainerResponseContext response) {
        Object id = request.getProperty(RequestOrigin.KEY);
        if (id != null) {
            response.getHeaders().putSingle(HEADER, id);
        }
        MDC.remove(MDC_KEY);
    }
}
