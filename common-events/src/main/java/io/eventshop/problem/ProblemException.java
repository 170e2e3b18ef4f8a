package io.eventshop.problem;

import java.net.URI;
import java.util.List;

/** Thrown at the REST edge to answer with a problem document; {@link ProblemMappers} writes it. */
public class ProblemException extends RuntimeException {

    private final int status;
    private final String slug;
    private final String title;
    private final List<Problem.FieldError> errors;

    /**
     * @param slug short name of the problem kind, e.g. {@code not-found}; the type becomes
     *             {@code https://eventshop.io/problems/<slug>}
     */
    public ProblemException(int status, String slug, String title, String detail, List<Problem.FieldError> errors) {
        super(detail);
        this.status = status;
        this.slug = slug;
        this.title = title;
        this.errors = List.copyOf(errors);
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(404, "not-found", "Not found", detail, List.of());
    }

    public static ProblemException conflict(String detail) {
        return new ProblemException(409, "conflict", "Conflict", detail, List.of());
    }

    public static ProblemException invalid(String detail, List<Problem.FieldError> errors) {
        return new ProblemException(400, "invalid-request", "Invalid request", detail, errors);
    }

    Problem toProblem(URI instance) {
        return new Problem(ProblemMappers.type(slug), title, status, getMessage(), instance, errors);
    }

    int status() {
        return status;
    }
}
