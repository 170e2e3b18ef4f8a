package io.eventshop.analytics.rejections;

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
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** {@code GET /analytics/rejections}: why orders were rejected, per reason and per reason and sku. */
@Path("/analytics/rejections")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Analytics")
public class RejectionsResource {

    /** Rejected order lines of one reason and sku: how many orders, and the units they asked for. */
    @RegisterForReflection
    public record SkuRejections(String reason, String sku, long orders, long unitsRequested) {
    }

    /** Orders with at least one line rejected for this reason. */
    @RegisterForReflection
    public record ReasonRejections(String reason, long orders) {
    }

    @RegisterForReflection
    public record Rejections(String asOf, List<ReasonRejections> byReason, List<SkuRejections> bySku) {
    }

    private final ViewQueries views;

    RejectionsResource(ViewQueries views) {
        this.views = views;
    }

    @GET
    @Operation(summary = "Rejected orders per reason (UNKNOWN_SKU, INSUFFICIENT_STOCK) and per reason and sku")
    public Uni<Rejections> rejections(@QueryParam("asOf") @Parameter(description = AsOfDoc.TEXT) String asOfText) {
        AsOf asOf = AsOf.parse(asOfText);
        // One statement, so both lists describe the same state of the view.
        String sql = "select reason, sku, count(distinct order_id), sum(requested)::bigint, grouping(sku)"
                + " from analytics.rejections_lines where " + asOf.reached("")
                + " group by grouping sets ((reason), (reason, sku)) order by reason, sku nulls first";
        return views.ask(RejectionsView.NAME, asOf, sql, List.of(), rows -> {
            List<ReasonRejections> perReason = new ArrayList<>();
            List<SkuRejections> perSku = new ArrayList<>();
            for (Row row : rows) {
                if (row.getInteger(4) == 1) {
                    perReason.add(new ReasonRejections(row.getString(0), row.getLong(2)));
                } else {
                    perSku.add(new SkuRejections(row.getString(0), row.getString(1), row.getLong(2), row.getLong(3)));
                }
            }
            return new Rejections(asOf.describe(), perReason, perSku);
        });
    }
}
