package io.eventshop.problem;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.net.URI;
import java.util.List;

/**
 * An RFC 9457 problem document, the body of every 4xx and 5xx answer
 * ({@code application/problem+json}): {@code type} names the kind of problem, {@code detail} says
 * what happened this time, {@code errors} lists invalid fields when the input was at fault.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(URI type, String title, int status, String detail, URI instance, List<FieldError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";

    /** One invalid input: where ({@code field}, e.g. {@code lines[0].quantity} or {@code query.limit}) and why. */
    @RegisterForReflection
    public record FieldError(String field, String message) {
    }

    public Problem {
        errors = errors == null ? List.of() : List.copyOf(errors);
    }
}
