package io.eventshop.subscriber.pipeline;

import io.eventshop.events.UndecodableEventException;
import io.eventshop.events.UnknownEventTypeException;
import io.eventshop.store.DatabaseUnavailable;
import io.eventshop.store.StreamVersionConflictException;
import io.vertx.pgclient.PgException;
import java.io.IOException;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * What a failure says about the event it happened to: nothing (the database is unreachable: wait for
 * it as long as it takes), probably nothing (contention: a conflict, a deadlock or a lock timeout passes
 * if tried again, a bounded number of times), that the event cannot be read (poison), or that the
 * handler failed on it.
 */
public final class Failures {

    public enum Kind {
        /** The database is down or unreachable: not the event's fault, retried as long as it lasts. */
        UNAVAILABLE,
        /**
         * A conflict, deadlock, lock or statement timeout, or any other failure that may pass (an I/O error or a
         * timeout of a handler's own): retried with backoff, a bounded number of times.
         */
        CONTENTION,
        /** The event cannot be read (undecodable, unknown type): retrying cannot help. */
        POISON,
        /** The handler failed: retried a few times, then the event is dead-lettered. */
        HANDLER
    }

    // Serialization failure and deadlock (40), lock not available (55P03), statement timeout (57014).
    private static final Set<String> CONTENTION_STATES = Set.of("55P03", "57014");

    private Failures() {
    }

    public static Kind classify(Throwable failure) {
        for (Throwable at : DatabaseUnavailable.causes(failure)) {
            if (at instanceof UnknownEventTypeException || at instanceof UndecodableEventException) {
                return Kind.POISON;
            }
            // A JSON failure is an IOException to Jackson, but a handler's bad JSON will not pass by retrying.
            if (at instanceof com.fasterxml.jackson.core.JacksonException) {
                return Kind.HANDLER;
            }
            if (at instanceof StreamVersionConflictException) {
                return Kind.CONTENTION;
            }
            // The database's connection: closed, refused, or none to be had from the pool in time. (A reset stays a
            // bounded retry here: a handler's own call to another service may reset for ever; DatabaseUnavailable.wentAway.)
            if (DatabaseUnavailable.connection(at)) {
                return Kind.UNAVAILABLE;
            }
            // Anything else that may pass: bounded, so a handler whose own calls time out forever stops only its event.
            if (at instanceof IOException || at instanceof TimeoutException || at instanceof io.smallrye.mutiny.TimeoutException) {
                return Kind.CONTENTION;
            }
            String state = at instanceof PgException pg ? pg.getSqlState() : at instanceof SQLException sql ? sql.getSQLState() : null;
            if (state != null) {
                if (DatabaseUnavailable.state(state)) {
                    return Kind.UNAVAILABLE;
                }
                return state.startsWith("40") || CONTENTION_STATES.contains(state) ? Kind.CONTENTION : Kind.HANDLER;
            }
        }
        return Kind.HANDLER;
    }

    /** One line for a dead letter's reason: the failure's kind and message, with its root cause when that differs. */
    public static String reason(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String head = failure.getClass().getSimpleName() + ": " + failure.getMessage();
        return root == failure ? head : head + " (caused by " + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
    }
}
