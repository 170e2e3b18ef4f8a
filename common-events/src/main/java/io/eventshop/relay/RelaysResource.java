package io.eventshop.relay;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Comparator;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * This replica's relays, for operators (the console shows them): per category whether it leads, stands by or
 * fails, its checkpoint and what waits for the broker's confirm. {@code /q/health/well} has the same on the
 * management port, which operators' browsers may not reach. Admins only.
 */
@Path("/admin/relays")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Relays")
public class RelaysResource {

    private final RelayRuntime relays;

    RelaysResource(RelayRuntime relays) {
        this.relays = relays;
    }

    @GET
    @Operation(summary = "This replica's relays: state, checkpoint, lag and last error per category (empty where the service writes no category)")
    public List<Relay.Status> all() {
        return relays.statuses().stream().sorted(Comparator.comparing(Relay.Status::category)).toList();
    }
}
