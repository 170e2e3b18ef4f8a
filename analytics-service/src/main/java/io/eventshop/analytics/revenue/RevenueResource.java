package io.eventshop.analytics.revenue;

import io.eventshop.analytics.timetravel.AsOf;
import io.eventshop.analytics.timetravel.AsOfDoc;
import io.eventshop.analytics.views.ViewQueries;
import io.eventshop.events.Money;
import io.eventshop.problem.Problem;
import io.eventshop.problem.ProblemException;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** {@code GET /analytics/revenue}: revenue per hour or day bucket (UTC) and currency, between from and to. */
@Path("/analytics/revenue")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Analytics")
public class RevenueResource {

    /** One bucket's revenue in one currency: booked at confirmation, booked back at cancellation of a confirmed order. */
    @RegisterForReflection
    public record Bucket(OffsetDateTime start, Money revenue, long confirmed, long cancelled) {
    }

    @RegisterForReflection
    public record Revenue(String asOf, String bucket, OffsetDateTime from, OffsetDateTime to, List<Bucket> buckets) {
    }

    private final ViewQueries views;

    RevenueResource(ViewQueries views) {
        this.views = views;
    }

    @GET
    @Operation(summary = "Revenue per hour or day (UTC buckets) and currency, in [from, to); empty buckets are left out")
    public Uni<Revenue> revenue(
            @QueryParam("from") @Parameter(description = "Start (inclusive), RFC 3339; default: the first order") String fromText,
            @QueryParam("to") @Parameter(description = "End (exclusive), RFC 3339; default: no end") String toText,
            @QueryParam("bucket") @DefaultValue("day") @Parameter(description = "hour or day") String bucket,
            @QueryParam("asOf") @Parameter(description = AsOfDoc.TEXT) String asOfText) {
        List<Problem.FieldError> errors = new ArrayList<>();
        if (!bucket.equals("hour") && !bucket.equals("day")) {
            errors.add(new Problem.FieldError("bucket", "hour or day, was '" + bucket + "'"));
        }
        OffsetDateTime from = time("from", fromText, errors);
        OffsetDateTime to = time("to", toText, errors);
        if (from != null && to != null && !from.isBefore(to)) {
            errors.add(new Problem.FieldError("to", "must be after from"));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid("the revenue query's parameters are not valid", errors);
        }
        AsOf asOf = AsOf.parse(asOfText);
        int next = asOf.nextParam();
        String sql = "select date_trunc($" + next + "::text, at, 'UTC'), currency, sum(amount)::bigint,"
                + " count(*) filter (where kind = 'CONFIRMED'), count(*) filter (where kind = 'CANCELLED')"
                + " from analytics.revenue_entries where " + asOf.reached("")
                + " and at >= coalesce($" + (next + 1) + "::timestamptz, '-infinity') and at < coalesce($" + (next + 2) + "::timestamptz, 'infinity')"
                + " group by 1, 2 order by 1, 2";
        return views.ask(RevenueView.NAME, asOf, sql, Arrays.asList(bucket, from, to), rows -> {
            List<Bucket> buckets = new ArrayList<>();
            rows.forEach(row -> buckets.add(new Bucket(row.getOffsetDateTime(0).withOffsetSameInstant(ZoneOffset.UTC),
                    Money.of(row.getLong(2), row.getString(1)), row.getLong(3), row.getLong(4))));
            return new Revenue(asOf.describe(), bucket, from, to, buckets);
        });
    }

    private static OffsetDateTime time(String name, String text, List<Problem.FieldError> errors) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).withOffsetSameInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            errors.add(new Problem.FieldError(name, "an RFC 3339 time like 2026-11-24T00:00:00Z, was '" + text + "'"));
            return null;
        }
    }
}
