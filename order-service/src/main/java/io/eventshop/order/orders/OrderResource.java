package io.eventshop.order.orders;

import io.eventshop.events.Money;
import io.eventshop.events.order.OrderCancelled;
import io.eventshop.events.reservation.LineRejection;
import io.eventshop.problem.Problem;
import io.eventshop.problem.ProblemException;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * Shoppers' orders (docs/api.md, Orders): place one, read one, list theirs. A shopper
 * sees only their own orders (another's is 404); an admin may read any.
 */
@Path("/orders")
@RolesAllowed({"shopper", "admin"})
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class OrderResource {

    static final String KEY_FORM = "[A-Za-z0-9._:-]{8,128}";

    /** {@code {"lines":[{"sku":"SKU-1","quantity":2}]}}. */
    public record PlaceOrder(@NotNull @Size(min = 1, max = 50) List<@NotNull @Valid Line> lines) {

        public record Line(
                @NotNull @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}", message = "must be a sku like SKU-1") String sku,
                @NotNull @Min(1) @Max(1000) Integer quantity) {
        }
    }

    @RegisterForReflection
    public record Accepted(UUID id, Order.Status status) {
    }

    @RegisterForReflection
    public record OrderView(UUID id, Order.Status status, List<LineView> lines, Money total, List<LineRejection> rejections,
            List<Order.HistoryEntry> history) {
    }

    @RegisterForReflection
    public record LineView(String sku, int quantity, Money unitPrice, Money lineTotal) {
    }

    @RegisterForReflection
    public record SummaryView(UUID id, Order.Status status, Money total, Instant placedAt) {
    }

    private final OrderPlacing placing;
    private final OrderTracking tracking;
    private final OrderCancelling cancelling;
    private final JsonWebToken caller;

    OrderResource(OrderPlacing placing, OrderTracking tracking, OrderCancelling cancelling, JsonWebToken caller) {
        this.placing = placing;
        this.tracking = tracking;
        this.cancelling = cancelling;
        this.caller = caller;
    }

    @POST
    @Operation(summary = "Place an order; it is priced from the catalog and reserved asynchronously")
    @APIResponse(responseCode = "202", description = "Accepted (PENDING); Location names the order. The same Idempotency-Key with"
            + " the same body answers the same order")
    @APIResponse(responseCode = "422", description = "Unknown skus, mixed currencies, or an Idempotency-Key used for another request",
            content = @Content(mediaType = Problem.MEDIA_TYPE))
    public Uni<Response> place(
            @HeaderParam("Idempotency-Key") @NotNull(message = "is required: a client-chosen key that makes retries safe")
            @Pattern(regexp = KEY_FORM, message = "must be 8-128 letters, digits, '.', '_', ':' or '-'") String idempotencyKey,
            @NotNull @Valid PlaceOrder body) {
        List<OrderPlacing.Requested> lines = body.lines().stream().map(line -> new OrderPlacing.Requested(line.sku(), line.quantity())).toList();
        if (lines.stream().map(OrderPlacing.Requested::sku).distinct().count() != lines.size()) {
            throw ProblemException.invalid("each sku may appear once per order", List.of(new Problem.FieldError("lines",
                    "names a sku more than once; give its total quantity in one line")));
        }
        return placing.place(caller.getSubject(), idempotencyKey, hash(lines), lines).chain(placement -> switch (placement) {
            case OrderPlacing.Placed placed -> statusOf(placed).map(status -> Response.accepted(new Accepted(placed.orderId(), status))
                    .location(URI.create("/orders/" + placed.orderId())).build());
            case OrderPlacing.KeyReused reused -> Uni.createFrom().failure(new ProblemException(422, "idempotency-key-reused",
                    "Idempotency-Key reused", "this Idempotency-Key was used for another request (order " + reused.orderId()
                            + "); use a new key for a new order", List.of(new Problem.FieldError("header.Idempotency-Key", "used for another request"))));
            case OrderPlacing.Unpriceable refused -> Uni.createFrom().failure(new ProblemException(422, "unpriceable-order", "Order cannot be priced",
                    "some lines cannot be priced from the catalog", refused.problems().entrySet().stream()
                            .map(problem -> new Problem.FieldError("lines[" + problem.getKey() + "].sku", problem.getValue())).toList()));
        });
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "An order: status, lines, totals, rejection reasons and its event history")
    public Uni<OrderView> find(@PathParam("id") UUID id) {
        return tracking.load(id).map(found -> found.filter(this::visible).map(OrderResource::view)
                .orElseThrow(() -> ProblemException.notFound("no order " + id)));
    }

    @GET
    @Operation(summary = "The caller's orders, newest first; a full page links the next one (Link: rel=next)")
    public Uni<Response> list(@QueryParam("limit") @Min(1) @Max(100) Integer limit, @QueryParam("after") UUID after) {
        int pageSize = limit == null ? 20 : limit;
        Uni<Optional<OrderTracking.Summary>> from = after == null ? Uni.createFrom().item(Optional.empty())
                : tracking.summary(caller.getSubject(), after).map(found -> {
                    if (found.isEmpty()) {
                        throw ProblemException.invalid("'after' must name one of your orders",
                                List.of(new Problem.FieldError("after", "no order " + after + " of yours")));
                    }
                    return found;
                });
        return from.chain(start -> tracking.list(caller.getSubject(), start, pageSize)).map(page -> {
            Response.ResponseBuilder response = Response.ok(page.stream()
                    .map(s -> new SummaryView(s.id(), s.status(), s.total(), s.placedAt())).toList());
            if (page.size() == pageSize) {
                response.link(URI.create("/orders?limit=" + pageSize + "&after=" + page.getLast().id()), "next");
            }
            return response.build();
        });
    }

    @POST
    @Path("/{id}/cancel")
    @Consumes(MediaType.WILDCARD) // no body: any or no content type
    @Operation(summary = "Cancel a pending or confirmed order; inventory releases what it reserved")
    @APIResponse(responseCode = "202", description = "Cancelled")
    @APIResponse(responseCode = "409", description = "The order is rejected or cancelled already", content = @Content(mediaType = Problem.MEDIA_TYPE))
    public Uni<Response> cancel(@PathParam("id") UUID id) {
        OrderCancelled.CancelledBy by = caller.getGroups().contains("admin") ? OrderCancelled.CancelledBy.ADMIN : OrderCancelled.CancelledBy.SHOPPER;
        return cancelling.cancel(id, by, caller.getSubject(), this::visible)
                .map(cancelled -> Response.accepted(new Accepted(id, Order.Status.CANCELLED)).build());
    }

    private boolean visible(Order order) {
        return order.shopperId().equals(caller.getSubject()) || caller.getGroups().contains("admin");
    }

    private Uni<Order.Status> statusOf(OrderPlacing.Placed placed) {
        return placed.replayed() ? tracking.load(placed.orderId()).map(order -> order.map(Order::status).orElse(Order.Status.PENDING))
                : Uni.createFrom().item(Order.Status.PENDING);
    }

    private static OrderView view(Order order) {
        return new OrderView(order.id(), order.status(),
                order.lines().stream().map(line -> new LineView(line.sku(), line.quantity(), line.unitPrice(), line.lineTotal())).toList(),
                order.total(), order.rejections(), order.history());
    }

    // The request as the key protects it: the same lines in the same order.
    private static String hash(List<OrderPlacing.Requested> lines) {
        StringBuilder canonical = new StringBuilder();
        lines.forEach(line -> canonical.append(line.sku()).append('\u0000').append(line.quantity()).append('\n'));
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always there", e);
        }
    }
}
