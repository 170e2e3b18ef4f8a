package io.eventshop.analytics.timetravel;

import io.eventshop.problem.Problem;
import io.eventshop.problem.ProblemException;
import io.eventshop.store.Checkpoint;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * The moment a question is asked about: now; an RFC 3339 time, which
 * is business time (what had happened by then, by the events' {@code occurred_at}); or a store position
 * {@code position:<tx>:<pos>}, which is what the store held then (the events at or before it in the
 * store's order). Views keep every fact with both, so any moment is a filter, not a replay.
 */
public sealed interface AsOf {

    record Now() implements AsOf {
    }

    record AtTime(Instant time) implements AsOf {
    }

    record AtPosition(Checkpoint position) implements AsOf {
    }

    AsOf NOW = new Now();

    /** Parses the {@code asOf} query parameter; absent or blank is now. Anything else unreadable is a 400. */
    static AsOf parse(String text) {
        if (text == null || text.isBlank()) {
            return NOW;
        }
        if (text.startsWith("position:")) {
            try {
                return new AtPosition(Checkpoint.parse(text));
            } catch (IllegalArgumentException e) {
                throw invalid(e.getMessage());
            }
        }
        try {
            return new AtTime(OffsetDateTime.parse(text).toInstant());
        } catch (DateTimeParseException e) {
            throw invalid("asOf is an RFC 3339 time like 2026-11-24T10:00:00Z or a store position like position:1234:5678, was '"
                    + text + "'");
        }
    }

    private static ProblemException invalid(String message) {
        return ProblemException.invalid("asOf is not a time or a store position", List.of(new Problem.FieldError("asOf", message)));
    }

    /** How many query parameters {@link #reached} uses: they come first, from $1. */
    default List<Object> params() {
        return switch (this) {
            case Now now -> List.of();
            case AtTime at -> List.of(at.time().atOffset(ZoneOffset.UTC));
            case AtPosition at -> List.of(at.position().transactionId(), at.position().globalPosition());
        };
    }

    /**
     * SQL that is true when the fact {@code fact} (columns {@code <fact>_at}, {@code _tx}, {@code _pos};
     * or {@code at}, {@code tx}, {@code pos} for an empty name) had happened as of this moment.
     */
    default String reached(String fact) {
        String prefix = fact.isEmpty() ? "" : fact + "_";
        return switch (this) {
            case Now now -> "(" + prefix + "pos is not null)";
            case AtTime at -> "(" + prefix + "at <= $1)";
            case AtPosition at -> "((" + prefix + "tx, " + prefix + "pos) <= ($1::bigint::text::xid8, $2))";
        };
    }

    /** The first parameter index after this moment's own. */
    default int nextParam() {
        return params().size() + 1;
    }

    /** As the answer echoes it. */
    default String describe() {
        return switch (this) {
            case Now now -> null;
            case AtTime at -> at.time().toString();
            case AtPosition at -> at.position().toString();
        };
    }
}
