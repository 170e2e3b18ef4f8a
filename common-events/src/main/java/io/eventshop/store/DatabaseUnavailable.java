package io.eventshop.store;

import io.vertx.core.impl.NoStackTraceThrowable;
import io.vertx.core.impl.NoStackTraceTimeoutException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.net.ConnectException;
import java.net.SocketException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What says "the database is not there" in a failure: for the subscriber pipeline (wait, do not count it against
 * the event) and for the REST edge (503, not 500).
 */
public final class DatabaseUnavailable {

    // SQLSTATEs that say "the database is not there": connection exceptions (08), shutdown and crash
    // recovery (57P01-03), too many connections (53300), a session ended for idling in a transaction (25P03).
    private static final Set<String> STATES = Set.of("57P01", "57P02", "57P03", "53300", "25P03");

    private DatabaseUnavailable() {
    }

    /** The database's connection, at this failure itself: closed, refused, or none to be had from the pool in time. */
    public static boolean connection(Throwable at) {
        return at instanceof ClosedConnectionException || at instanceof ConnectException || at instanceof NoStackTraceTimeoutException
                || (at instanceof NoStackTraceThrowable && "Timeout".equals(at.getMessage()));
    }

    /** A SQLSTATE that says the database is not there. */
    public static boolean state(String sqlState) {
        return sqlState.startsWith("08") || STATES.contains(sqlState);
    }

    /**
     * Whether a request failed because its database was not there: a lost, refused or unobtainable connection, a state
     * that says so, or a connection reset (the backend ended under it: a restart, a failover) anywhere in its causes. At
     * the REST edge, where every request's I/O is the database's, a reset says that much; in a subscriber's handler it
     * might be another service's, so the pipeline does not count it (it retries a reset a bounded number of times).
     */
    public static boolean wentAway(Throwable failure) {
        for (Throwable at : causes(failure)) {
            String sqlState = at instanceof PgException pg ? pg.getSqlState() : at instanceof SQLException sql ? sql.getSQLState() : null;
            if (connection(at) || at instanceof SocketException || (sqlState != null && state(sqlState))) {
                return true;
            }
        }
        return false;
    }

    /** The failure and its causes, outermost first; bounded, so that a cycle of causes cannot hold a thread. */
    public static List<Throwable> causes(Throwable failure) {
        List<Throwable> causes = new ArrayList<>();
        for (Throwable at = failure; at != null && causes.size() < 32 && !causes.contains(at); at = at.getCause()) {
            causes.add(at);
        }
        return causes;
    }
}
