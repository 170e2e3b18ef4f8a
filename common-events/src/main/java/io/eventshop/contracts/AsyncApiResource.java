package io.eventshop.contracts;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.eventshop.events.codec.EventTypes;
import io.eventshop.relay.RelayConfig;
import io.eventshop.subscriber.Subscription;
import io.eventshop.view.View;
import io.eventshop.view.Views;
import jakarta.annotation.security.PermitAll;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The service's AsyncAPI document, built on each request from the code's tables; public like the schemas it embeds
 * (DECISIONS.md).
 */
@Path("/asyncapi")
@PermitAll
@Tag(name = "Event contracts")
public class AsyncApiResource {

    @Inject
    RelayConfig relay;
    @Inject
    Instance<Subscription> reactors;
    @Inject
    Views views;
    @ConfigProperty(name = "quarkus.application.name")
    String service;
    @ConfigProperty(name = "quarkus.smallrye-openapi.info-version", defaultValue = "0.1.0")
    String version;

    /** The AsyncAPI 3.0 document of what this service publishes and reads. */
    @GET
    @Produces("application/json")
    @Operation(summary = "The AsyncAPI 3.0 document of the exchanges this service publishes to and reads from")
    public ObjectNode asyncApi() {
        List<AsyncApiDocument.Consumer> consumers = new ArrayList<>();
        for (Subscription reactor : reactors) {
            consumers.add(new AsyncApiDocument.Consumer(reactor.name(), reactor.categories(), reactor.handledTypes()));
        }
        for (String name : views.names()) {
            Optional<View> view = views.view(name);
            view.ifPresent(v -> consumers.add(new AsyncApiDocument.Consumer(v.name(), v.categories(),
                    v.handles().stream().map(type -> EventTypes.of(type).name()).toList())));
        }
        return AsyncApiDocument.of(service, version, relay.categories().orElse(List.of()), consumers);
    }
}
