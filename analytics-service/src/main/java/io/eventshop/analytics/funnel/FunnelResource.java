package io.eventshop.analytics.funnel;

import io.eventshop.analytics.timetravel.AsOf;
import io.eventshop.analytics.timetravel.AsOfDoc;
import io.eventshop.analytics.views.ViewQueries;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.stream.Collectors;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** {@code GET /analytics/funnel}: how many orders were placed, confirmed, rejected and cancelled, and the rates. */
@Path("/analytics/funnel")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Analytics")
public class FunnelResource {

    /**
     * Counts of orders that reached each stage, and each as a share of the orders placed (null when
     * none were): confirmation, rejection and cancellation rates. A cancelled order counts as confirmed
     * too when it was confirmed before it was cancelled.
     */
    @RegisterForReflection
    public record Funnel(String asOf, long placed, long confirmed, long rejected, long cancelled, Double confirmationRate,
            Double rejectionRate, Double cancellationRate) {
    }

    private final ViewQueries views;

    FunnelResource(ViewQueries views) {
        this.views = views;
    }

    @GET
    @Operation(summary = "Orders placed, confirmed, rejected and cancelled, with the rates against placed")
    public Uni<Funnel> funnel(@QueryParam("asOf") @Parameter(description = AsOfDoc.TEXT) String asOfText) {
        AsOf asOf = AsOf.parse(asOfText);
        String sql = "select " + FunnelView.STAGES.stream().map(stage -> "count(*) filter (where " + asOf.reached(stage) + ")")
                .collect(Collectors.joining(", ")) + " from analytics.funnel_orders";
        return views.ask(FunnelView.NAME, asOf, sql, List.of(), rows -> {
            Row row = rows.iterator().next();
            long placed = row.getLong(0);
            return new Funnel(asOf.describe(), placed, row.getLong(1), row.getLong(2), row.getLong(3),
                    rate(row.getLong(1), placed), rate(row.getLong(2), placed), rate(row.getLong(3), placed));
        });
    }

    private static Double rate(long part, long placed) {
        return placed == 0 ? null : Math.round(part * 10_000.0 / placed) / 10_000.0;
    }
}
