package io.eventshop.store;

import io.vertx.pgclient.PgException;
import java.sql.SQLException;

/**
 * The SQLSTATE and details of a failed statement, whether it arrives as the Vert.x driver's
 * {@link PgException} or, through Hibernate Reactive, as a JDBC-style {@link SQLException} inside
 * Hibernate's own exception (which keeps the state and message but drops the detail).
 *
 * @param detail    the server's DETAIL field, when the driver's exception reached us
 * @param cause     the outermost failure, to rethrow when the state means nothing to the store
 */
record DatabaseError(String sqlState, String detail, String message, Throwable cause) {

    /** The first database error in {@code failure}'s cause chain, or {@code null} if there is none. */
    static DatabaseError of(Throwable failure) {
        for (Throwable at = failure; at != null; at = at.getCause() == at ? null : at.getCause()) {
            if (at instanceof PgException pg) {
                return new DatabaseError(pg.getSqlState(), pg.getDetail(),
                        pg.getErrorMessage() + " " + pg.getConstraint(), failure);
            }
            if (at instanceof SQLException sql && sql.getSQLState() != null) {
                return new DatabaseError(sql.getSQLState(), null, sql.getMessage(), failure);
            }
        }
        return null;
    }

    /** Whether the error names {@code constraint}, e.g. in a unique violation. */
    boolean mentions(String constraint) {
        return message != null && message.contains(constraint);
    }
}
