package io.eventshop.contracts;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.eventshop.events.codec.EventTypes;
import io.eventshop.events.schema.EventSchemas;
import io.eventshop.problem.ProblemException;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The JSON Schemas of the service's events: public, like a schema registry's read side, because they describe shapes and never
 * data, and consumers' tooling fetches them without a person's token (DECISIONS.md). Answers from memory: the
 * schemas are built once, the document from the code's tables.
 */
@Path("/events/schemas")
@PermitAll
@Tag(name = "Event contracts")
public class EventSchemasResource {

    /** The media type of a JSON Schema document. */
    public static final String SCHEMA_JSON = "application/schema+json";

    /**
     * The JSON Schema of the data of events of {@code type} written at schema version {@code version}: the target of
     * their CloudEvents {@code dataschema}, {@code https://eventshop.io/events/schemas/<type>/<version>}.
     */
    @GET
    @Path("{type}/{version}")
    @Produces({SCHEMA_JSON, "application/json"})
    @Operation(summary = "The JSON Schema of an event type's data at a schema version (its CloudEvents dataschema)")
    public ObjectNode schema(@PathParam("type") String type, @PathParam("version") String version) {
        int number;
        try {
            number = Integer.parseInt(version);
        } catch (NumberFormatException e) {
            throw ProblemException.notFound("schema versions are whole numbers; '" + version + "' is not one");
        }
        return EventSchemas.of(type, number).orElseThrow(() -> ProblemException.notFound(EventTypes.byName(type)
                .map(known -> type + " is written at schema version " + known.schemaVersion() + "; version " + number
                        + " is only read, through its upcaster, and has no schema here")
                .orElse("no event type " + type + "; the types are listed in /asyncapi")));
    }

}
