package io.eventshop.analytics.sales;

import io.eventshop.analytics.timetravel.AsOf;
import io.eventshop.analytics.timetravel.AsOfDoc;
import io.eventshop.analytics.views.ViewQueries;
import io.eventshop.events.Money;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
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

/** {@code GET /analytics/sales}: units and revenue per sku (and currency), as of now or any earlier moment. */
@Path("/analytics/sales")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Analytics")
public class SalesResource {

    /** Units and revenue of one sku in one currency, from confirmed orders not cancelled. */
    @RegisterForReflection
    public record ProductSales(String sku, String name, long units, Money revenue, long orders) {
    }

    @RegisterForReflection
    public record Sales(String asOf, List<ProductSales> products) {
    }

    private final ViewQueries views;

    SalesResource(ViewQueries views) {
        this.views = views;
    }

    @GET
    @Operation(summary = "Units and revenue per sku of confirmed orders that were not cancelled, per currency")
    public Uni<Sales> sales(@QueryParam("asOf") @Parameter(description = AsOfDoc.TEXT) String asOfText) {
        AsOf asOf = AsOf.parse(asOfText);
        SalesQuery query = SalesQuery.of(asOf);
        return views.ask(SalesView.NAME, asOf, query.sql(), query.params(), rows -> {
            List<ProductSales> products = new ArrayList<>();
            rows.forEach(row -> products.add(new ProductSales(row.getString(0), row.getString(1), row.getLong(3),
                    Money.of(row.getLong(4), row.getString(2)), row.getLong(5))));
            return new Sales(asOf.describe(), products);
        });
    }
}
