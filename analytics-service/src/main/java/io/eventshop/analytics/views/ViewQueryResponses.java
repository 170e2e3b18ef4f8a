package io.eventshop.analytics.views;

import io.eventshop.problem.Problem;
import io.quarkus.smallrye.openapi.OpenApiFilter;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;

/**
 * Documents, on every view question ({@code GET /analytics/...}), the answers {@link ViewQueries} may give
 * besides the common problems: 409 for a store position not applied yet, 503 while the view fills.
 */
@OpenApiFilter(OpenApiFilter.RunStage.BUILD)
public class ViewQueryResponses implements OASFilter {

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getPaths() == null || openAPI.getPaths().getPathItems() == null) {
            return;
        }
        openAPI.getPaths().getPathItems().forEach((path, item) -> {
            if (path.startsWith("/analytics/") && item.getGET() != null && item.getGET().getResponses() != null) {
                var responses = item.getGET().getResponses();
                responses.addAPIResponse("409", problem("asOf names a store position the view has not applied yet, or one not settled"
                        + " in the store yet; ask again in a moment"));
                responses.addAPIResponse("503", problem("The view is filling itself from the store (for the first time, or for a new"
                        + " definition); ask again in a moment"));
            }
        });
    }

    private static org.eclipse.microprofile.openapi.models.responses.APIResponse problem(String description) {
        return OASFactory.createAPIResponse().description(description).content(OASFactory.createContent().addMediaType(Problem.MEDIA_TYPE,
                OASFactory.createMediaType().schema(OASFactory.createSchema().ref("#/components/schemas/Problem"))));
    }
}
