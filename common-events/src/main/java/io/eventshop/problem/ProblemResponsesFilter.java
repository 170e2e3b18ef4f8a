package io.eventshop.problem;

import java.util.Map;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Schema;

/**
 * Documents the errors every operation can answer, as {@code application/problem+json} with the
 * {@link Problem} schema: 400 where there is input, 404 where a path names something, 401 and 403
 * where a token is required, 500 and 503 everywhere. Operations declare their own other answers (201, 409, ...).
 */
public class ProblemResponsesFilter implements OASFilter {

    private static final String PROBLEM = "#/components/schemas/Problem";

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null) {
            openAPI.components(OASFactory.createComponents());
        }
        openAPI.getComponents().addSchema("Problem", problemSchema());
        if (openAPI.getPaths() == null || openAPI.getPaths().getPathItems() == null) {
            return;
        }
        for (Map.Entry<String, PathItem> path : openAPI.getPaths().getPathItems().entrySet()) {
            if (path.getKey().startsWith("/q/")) {
                continue;
            }
            path.getValue().getOperations().values().forEach(operation -> document(path.getKey(), operation));
        }
    }

    private static void document(String path, Operation operation) {
        boolean input = operation.getRequestBody() != null || (operation.getParameters() != null && !operation.getParameters().isEmpty());
        if (input) {
            add(operation, "400", "Invalid input: errors[] names each field");
        }
        if (path.contains("{")) {
            add(operation, "404", "Nothing is at this path");
        }
        if (operation.getSecurity() != null && !operation.getSecurity().isEmpty()) {
            add(operation, "401", "No bearer token, or one that does not verify");
            add(operation, "403", "The token lacks the role this needs");
        }
        add(operation, "500", "The service failed unexpectedly");
        add(operation, "503", "Not ready, or the database went away for a moment (a restart, a failover); a change may or"
                + " may not have been made: read before sending it again (a placement with the same Idempotency-Key is never doubled)");
        // Answers an operation declares as problem documents (409, 422, ...) get the schema too.
        operation.getResponses().getAPIResponses().values().stream()
                .filter(response -> response.getContent() != null && response.getContent().hasMediaType(Problem.MEDIA_TYPE))
                .forEach(response -> response.getContent().getMediaType(Problem.MEDIA_TYPE).schema(OASFactory.createSchema().ref(PROBLEM)));
    }

    private static void add(Operation operation, String status, String description) {
        if (operation.getResponses() == null) {
            operation.responses(OASFactory.createAPIResponses());
        }
        var existing = operation.getResponses().getAPIResponse(status);
        if (existing == null) {
            operation.getResponses().addAPIResponse(status, OASFactory.createAPIResponse().description(description).content(problem()));
        } else if (existing.getContent() == null || existing.getContent().getMediaTypes() == null
                || existing.getContent().getMediaTypes().isEmpty()) {
            existing.content(problem()); // declared (or generated, like validation's 400) without a body
        }
    }

    private static org.eclipse.microprofile.openapi.models.media.Content problem() {
        return OASFactory.createContent().addMediaType(Problem.MEDIA_TYPE, OASFactory.createMediaType().schema(OASFactory.createSchema().ref(PROBLEM)));
    }

    private static Schema problemSchema() {
        Schema text = OASFactory.createSchema().addType(Schema.SchemaType.STRING);
        return OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .description("RFC 9457 problem details")
                .addProperty("type", OASFactory.createSchema().addType(Schema.SchemaType.STRING).format("uri"))
                .addProperty("title", text)
                .addProperty("status", OASFactory.createSchema().addType(Schema.SchemaType.INTEGER))
                .addProperty("detail", text)
                .addProperty("instance", OASFactory.createSchema().addType(Schema.SchemaType.STRING).format("uri-reference"))
                .addProperty("errors", OASFactory.createSchema().addType(Schema.SchemaType.ARRAY)
                        .items(OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                                .addProperty("field", text).addProperty("message", text)));
    }
}
