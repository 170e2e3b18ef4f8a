package io.eventshop.subscriber.admin;

import io.eventshop.problem.Problem;
import io.eventshop.problem.ProblemException;
import io.eventshop.store.EventStore;
import io.eventshop.subscriber.runtime.Subscriber;
import io.eventshop.subscriber.runtime.SubscriberRuntime;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * One flow (every event sharing a correlation id: an order's placement, reservation, confirmation,
 * cancellation) across categories, in store order, with where each of this service's subscribers stands on
 * each event. The states come from the subscriber protocol's own tables, read in the same statement:
 * {@code applied} (its stream row is at or past the event's version), {@code skipped} (an operator skipped
 * it), {@code dead-lettered} (an open dead letter names it), {@code parked} (its stream waits behind a dead
 * letter), {@code replaying} (the subscriber replays the category; its stream rows are written at the end),
 * {@code passed} (the checkpoint is past it but it was never applied: a reactor started after it), {@code
 * pending} (not reached yet). Admins only.
 */
@Path("/admin/flows")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Flows")
public class FlowsResource {

    /** The most events one answer lists; a flow is a handful, so more means something else shares the id. */
    static final int LIMIT = 1000;

    // The flow through events_by_correlation (V12), already in store order; per event, one row per subscriber of
    // its category, each state read by primary key or the open dead letters' unique index.
    private static final String FLOW = "with flow as (select e.transaction_id, e.global_position, e.event_id, e.stream_id,"
            + " e.stream_version, e.category, e.type, e.occurred_at, e.metadata ->> 'source' as source,"
            + " e.metadata ->> 'causation_id' as causation_id, e.metadata ->> 'traceparent' as traceparent"
            + " from event_store.events e where e.metadata ->> 'correlation_id' = $1 and e.metadata ->> 'correlation_id' is not null"
            + " order by e.transaction_id, e.global_position limit " + (LIMIT + 1) + ")"
            + " select f.transaction_id::text::bigint, f.global_position, f.event_id, f.stream_id, f.stream_version, f.category,"
            + " f.type, f.occurred_at, f.source, f.causation_id, f.traceparent, s.name,"
            + " case when s.name is null then null"
            + " when d.id is not null then 'dead-lettered'"
            + " when r.stream_id is not null and f.stream_version = any(r.skip_versions) then 'skipped'"
            + " when r.last_version >= f.stream_version then 'applied'"
            + " when r.parked_version is not null and f.stream_version >= r.parked_version then 'parked'"
            + " when c.replaying then 'replaying'"
            + " when c.subscriber is not null and (c.transaction_id, c.global_position) >= (f.transaction_id, f.global_position) then 'passed'"
            + " else 'pending' end"
            + " from flow f"
            + " left join unnest($2::text[], $3::text[]) as s(name, category) on s.category = f.category"
            + " left join event_store.subscriber_streams r on r.subscriber = s.name and r.stream_id = f.stream_id"
            + " left join event_store.dead_letters d on d.subscriber = s.name and d.event_id = f.event_id and d.status = 'OPEN'"
            + " left join event_store.subscriber_checkpoints c on c.subscriber = s.name and c.category = f.category"
            + " order by f.transaction_id, f.global_position, s.name";

    /** Where one of this service's subscribers stands on an event. */
    @RegisterForReflection
    public record SubscriberState(String subscriber, String state) {
    }

    /** One event of the flow: its place in the store, its causation and trace context, and the subscribers' states. */
    @RegisterForReflection
    public record FlowEvent(long transactionId, long globalPosition, UUID eventId, String streamId, int streamVersion, String category,
            String type, Instant occurredAt, String source, String causationId, String traceparent, List<SubscriberState> subscribers) {
    }

    /** The flow, in store order; {@code truncated} when it has more than {@value #LIMIT} events (only the first are listed). */
    @RegisterForReflection
    public record Flow(String correlationId, List<FlowEvent> events, boolean truncated) {
    }

    private final EventStore store;
    private final SubscriberRuntime runtime;

    FlowsResource(EventStore store, SubscriberRuntime runtime) {
        this.store = store;
        this.runtime = runtime;
    }

    @GET
    @Path("/{correlationId}")
    @Operation(summary = "Every event of one flow (one correlation id), in store order, with each of this service's subscribers' state"
            + " for it: applied, skipped, dead-lettered, parked, replaying, passed or pending")
    @APIResponse(responseCode = "200", description = "The flow",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Flow.class)))
    @APIResponse(responseCode = "400", description = "The correlation id is not a UUID", content = @Content(mediaType = Problem.MEDIA_TYPE))
    @APIResponse(responseCode = "404", description = "No event has this correlation id", content = @Content(mediaType = Problem.MEDIA_TYPE))
    public Uni<Flow> flow(@PathParam("correlationId") String correlationId) {
        String id = canonical(correlationId);
        List<String> names = new ArrayList<>();
        List<String> categories = new ArrayList<>();
        for (Subscriber subscriber : runtime.all()) {
            for (String category : subscriber.subscription().categories()) {
                names.add(subscriber.name());
                categories.add(category);
            }
        }
        Tuple arguments = Tuple.of(id, names.toArray(String[]::new), categories.toArray(String[]::new));
        return store.inTransaction(tx -> tx.connection().preparedQuery(FLOW).execute(arguments)).map(rows -> {
            Map<UUID, FlowEvent> events = new LinkedHashMap<>();
            for (Row row : rows) {
                FlowEvent event = events.computeIfAbsent(row.getUUID(2), eventId -> new FlowEvent(row.getLong(0), row.getLong(1), eventId,
                        row.getString(3), row.getInteger(4), row.getString(5), row.getString(6), row.getOffsetDateTime(7).toInstant(),
                        row.getString(8), row.getString(9), row.getString(10), new ArrayList<>()));
                if (row.getString(11) != null) {
                    event.subscribers().add(new SubscriberState(row.getString(11), row.getString(12)));
                }
            }
            if (events.isEmpty()) {
                throw ProblemException.notFound("no event has correlation id " + id);
            }
            List<FlowEvent> listed = new ArrayList<>(events.values());
            boolean truncated = listed.size() > LIMIT;
            return new Flow(id, truncated ? List.copyOf(listed.subList(0, LIMIT)) : List.copyOf(listed), truncated);
        });
    }

    // eventshop's producers correlate by UUID (the order's id, a product change's flow id): anything else is a typo.
    private static String canonical(String correlationId) {
        try {
            UUID uuid = UUID.fromString(correlationId);
            if (uuid.toString().equalsIgnoreCase(correlationId)) {
                return uuid.toString();
            }
        } catch (IllegalArgumentException malformed) {
            // answered below
        }
        throw ProblemException.invalid("the correlation id must be a UUID", List.of(new Problem.FieldError("path.correlationId",
                "must be a UUID like 6f1c2d3e-0000-4000-8000-000000000000, was '" + abbreviated(correlationId) + "'")));
    }

    private static String abbreviated(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "…";
    }
}
