package io.eventshop.subscriber.pipeline;

import io.eventshop.events.UndecodableEventException;
import io.eventshop.events.UnknownEventTypeException;
import io.eventshop.store.StreamVersionConflictException;
import io.vertx.core.impl.NoStackTraceThrowable;
import io.vertx.core.impl.NoStackTraceTimeoutException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
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

    // SQLSTATEs that say "the database is not there": connection exceptions (08), shutdown and crash
    // recovery (57P01-03), too many connections (53300), a session ended for idling in a transaction (25P03).
    private static final Set<String> UNAVAILABLE_STATES = Set.of("57P01", "57P02", "57P03", "53300", "25P03");
    // Serialization failure and deadlock (40), lock not available (55P03), statement timeout (57014).
    private static final Set<String> CONTENTION_STATES = Set.of("55P03", "57014");

    private Failures() {
    }

    public static Kind classify(Throwable failure) {
        for (Throwable at : causes(failure)) {
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
            // bounded retry here: a handler's own call to another service may reset for ever; see databaseWentAway.)
            if (at instanceof ClosedConnectionException || at instanceof ConnectException
                    || at instanceof NoStackTraceTimeoutException
                    || (at instanceof NoStackTraceThrowable && "Timeout".equals(at.getMessage()))) {
                return Kind.UNAVAILABLE;
            }
            // Anything else that may pass: bounded, so a handler whose own calls time out forever stops only its event.
            if (at instanceof IOException || at instanceof TimeoutException || at instanceof io.smallrye.mutiny.TimeoutException) {
                return Kind.CONTENTION;
            }
            String state = at instanceof PgException pg ? pg.getSqlState() : at instanceof SQLException sql ? sql.getSQLState() : null;
            if (state != null) {
                if (state.startsWith("08") || UNAVAILABLE_STATES.contains(state)) {
                    return Kind.UNAVAILABLE;
                }
                return state.startsWith("40") || CONTENTION_STATES.contains(state) ? Kind.CONTENTION : Kind.HANDLER;
            }
        }
        return Kind.HANDLER;
    }

    /**
     * Whether a request failed because its database was not there: unavailable as {@link #classify} says, or its
     * connection reset (the backend ended under it: a restart, a failover). At the REST edge, where every request's
     * I/O is the database's, a reset says that much; in a handler it might be another service's.
     */
    public static boolean databaseWentAway(Throwable failure) {
        return classify(failure) == Kind.UNAVAILABLE || causes(failure).stream().anyMatch(SocketException.class::isInstance);
    }

    // The failure and its causes, outermost first; bounded, so that a cycle of causes cannot hold a thread.
    private static List<Throwable> causes(Throwable failure) {
        List<Throwable> causes = new ArrayList<>();
        for (Throwable at = failure; at != null && causes.size() < 32 && !causes.contains(at); at = at.getCause()) {
            causes.add(at);
        }
        return causes;
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
