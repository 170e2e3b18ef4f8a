package io.eventshop.inventory.products;

import io.eventshop.problem.Problem;
import io.eventshop.problem.ProblemException;
import io.eventshop.store.StreamVersionConflictException;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * Product administration (docs/api.md, Products): add, change the price, restock, read.
 * Admins only. Every change is a state change and its event in one transaction.
 */
@Path("/products")
@RolesAllowed("admin")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class ProductResource {

    private final Products products;
    private final JsonWebToken caller;

    ProductResource(Products products, JsonWebToken caller) {
        this.products = products;
        this.caller = caller;
    }

    @POST
    @Operation(summary = "Add a product with its first price and stock")
    @APIResponse(responseCode = "201", description = "Added; Location names it",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ProductView.class)))
    @APIResponse(responseCode = "409", description = "A product with this sku exists already", content = @Content(mediaType = Problem.MEDIA_TYPE))
    public Uni<Response> add(@NotNull @Valid ProductRequests.NewProduct body) {
        return products.add(body.sku(), body.name().strip(), body.price().toMoney(), body.initialStock(), caller.getSubject())
                .map(added -> added.map(view -> Response.created(URI.create("/products/" + view.sku())).entity(view).build())
                        .orElseThrow(() -> ProblemException.conflict("a product with sku " + body.sku() + " exists already")))
                .onFailure(StreamVersionConflictException.class)
                .transform(e -> ProblemException.conflict("a product with sku " + body.sku() + " exists already"));
    }

    @GET
    @Path("/{sku}")
    @Operation(summary = "A product with its price and stock (on hand, reserved, available)")
    public Uni<ProductView> find(@PathParam("sku") @Pattern(regexp = ProductRequests.SKU) String sku) {
        return products.find(sku).map(found -> found.orElseThrow(() -> notFound(sku)));
    }

    @PUT
    @Path("/{sku}/price")
    @Operation(summary = "Change a product's price from now on")
    @APIResponse(responseCode = "200", description = "The product as it is now")
    @APIResponse(responseCode = "409", description = "Changed by someone else at the same time; read and retry",
            content = @Content(mediaType = Problem.MEDIA_TYPE))
    public Uni<ProductView> changePrice(@PathParam("sku") @Pattern(regexp = ProductRequests.SKU) String sku,
            @NotNull @Valid ProductRequests.PriceChange body) {
        return concurrent(sku, products.changePrice(sku, body.price().toMoney(), caller.getSubject()))
                .map(found -> found.orElseThrow(() -> notFound(sku)));
    }

    @POST
    @Path("/{sku}/restock")
    @Operation(summary = "Add units to a product's stock on hand")
    @APIResponse(responseCode = "200", description = "The product as it is now")
    @APIResponse(responseCode = "409", description = "Changed by someone else at the same time; read and retry",
            content = @Content(mediaType = Problem.MEDIA_TYPE))
    @APIResponse(responseCode = "422", description = "The stock would exceed 1,000,000 units", content = @Content(mediaType = Problem.MEDIA_TYPE))
    public Uni<ProductView> restock(@PathParam("sku") @Pattern(regexp = ProductRequests.SKU) String sku,
            @NotNull @Valid ProductRequests.Restock body) {
        return concurrent(sku, products.restock(sku, body.quantity(), caller.getSubject()))
                .onFailure(IllegalArgumentException.class).transform(e -> new ProblemException(422, "stock-limit",
                        "Stock limit exceeded", e.getMessage(), List.of(new Problem.FieldError("quantity", e.getMessage()))))
                .map(found -> found.orElseThrow(() -> notFound(sku)));
    }

    // Two admins changing one product at once: the loser is told, nothing is overwritten.
    private static <T> Uni<T> concurrent(String sku, Uni<T> change) {
        return change.onFailure(e -> e instanceof Products.ConcurrentChangeException || e instanceof StreamVersionConflictException)
                .transform(e -> ProblemException.conflict("product " + sku + " was changed at the same time; read it and try again"));
    }

    private static ProblemException notFound(String sku) {
        return ProblemException.notFound("no product with sku " + sku);
    }
}
