package io.eventshop.store;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A place in the store's total order: {@code (transaction_id, global_position)}, the order in which
 * every reader of all events sees them (see {@link EventStore}). Readers keep the checkpoint of the
 * last event they handled and ask for what comes after it.
 *
 * <p>Written as {@code position:<transactionId>:<globalPosition>}, the form the REST edge accepts.
 */
public record Checkpoint(long transactionId, long globalPosition) implements Comparable<Checkpoint> {

    /** Before every event. */
    public static final Checkpoint START = new Checkpoint(0, 0);

    private static final Comparator<Checkpoint> ORDER =
            Comparator.comparingLong(Checkpoint::transactionId).thenComparingLong(Checkpoint::globalPosition);
    private static final String PREFIX = "position:";
    private static final Pattern FORM = Pattern.compile("position:(\\d{1,19}):(\\d{1,19})");

    public Checkpoint {
        if (transactionId < 0 || globalPosition < 0) {
            throw new IllegalArgumentException("checkpoint parts are never negative, was " + transactionId + ":" + globalPosition);
        }
    }

    /** Parses {@code position:<transactionId>:<globalPosition>}. */
    public static Checkpoint parse(String text) {
        Matcher form = text == null ? null : FORM.matcher(text);
        if (form == null || !form.matches()) {
            throw new IllegalArgumentException("a store position looks like position:<transactionId>:<globalPosition>, was '" + text + "'");
        }
        try {
            return new Checkpoint(Long.parseLong(form.group(1)), Long.parseLong(form.group(2)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a store position looks like position:<transactionId>:<globalPosition>, was '" + text + "'", e);
        }
    }

    public boolean isAfter(Checkpoint other) {
        return compareTo(other) > 0;
    }

    @Override
    public int compareTo(Checkpoint other) {
        return ORDER.compare(this, other);
    }

    @JsonValue
    @Override
    public String toString() {
        return PREFIX + transactionId + ":" + globalPosition;
    }
}
