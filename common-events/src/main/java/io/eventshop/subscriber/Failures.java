package io.eventshop.subscriber;

import io.eventshop.events.UndecodableEventException;
import io.eventshop.events.UnknownEventTypeException;
import io.eventshop.store.StreamVersionConflictException;
import io.vertx.core.impl.NoStackTraceThrowable;
import io.vertx.core.impl.NoStackTraceTimeoutException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.io.IOException;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * Transient or poison (DESIGN.md, Hard cases): a conflict, a deadlock or a lost connection will
 * pass if tried again, so it is retried and never dead-lettered; an event that cannot be read is
 * poison at once; anything else is the handler's and gets a bounded number of attempts.
 */
final class Failures {

    enum Kind {
        /** Retry without limit, with backoff. */
        TRANSIENT,
        /** Dead-letter now: retrying cannot help. */
        POISON,
        /** The handler failed: retry a few times, then dead-letter. */
        HANDLER
    }

    // SQLSTATE classes and codes that say "try again": serialization/deadlock (40), connection (08),
    // shutdown and crash recovery (57P0x), too many connections (53300), lock timeout (55P03),
    // and a session ended for idling in a transaction (25P03).
    private static final Set<String> TRANSIENT_CLASSES = Set.of("40", "08");
    private static final Set<String> TRANSIENT_STATES = Set.of("57P01", "57P02", "57P03", "53300", "55P03", "25P03");

    private Failures() {
    }

    static Kind classify(Throwable failure) {
        for (Throwable at = failure; at != null; at = at.getCause() == at ? null : at.getCause()) {
            if (at instanceof UnknownEventTypeException || at instanceof UndecodableEventException) {
                return Kind.POISON;
            }
            // A JSON failure is an IOException to Jackson, but a handler's bad JSON will not pass by retrying.
            if (at instanceof com.fasterxml.jackson.core.JacksonException) {
                return Kind.HANDLER;
            }
            if (at instanceof StreamVersionConflictException || at instanceof ClosedConnectionException
                    || at instanceof IOException || at instanceof TimeoutException
                    || at instanceof io.smallrye.mutiny.TimeoutException) {
                return Kind.TRANSIENT;
            }
            // The pool's "Timeout" when no connection could be had in time.
            if (at instanceof NoStackTraceTimeoutException
                    || (at instanceof NoStackTraceThrowable && "Timeout".equals(at.getMessage()))) {
                return Kind.TRANSIENT;
            }
            String state = at instanceof PgException pg ? pg.getSqlState()
                    : at instanceof SQLException sql ? sql.getSQLState() : null;
            if (state != null) {
                return TRANSIENT_STATES.contains(state) || (state.length() == 5 && TRANSIENT_CLASSES.contains(state.substring(0, 2)))
                        ? Kind.TRANSIENT : Kind.HANDLER;
            }
        }
        return Kind.HANDLER;
    }

    /** One line for a dead letter's reason: the failure's kind and message, with its root cause when that differs. */
    static String reason(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String head = failure.getClass().getSimpleName() + ": " + failure.getMessage();
        return root == failure ? head : head + " (caused by " + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
    }
}
