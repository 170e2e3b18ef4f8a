package io.eventshop.events;

import java.util.Objects;

/**
 * A stream's id, {@code <category>-<id>} (e.g. {@code order-6f1c…}, {@code product-SKU-1}). The
 * category is everything before the first '-', lower-case letters only, so it can never be
 * confused with the id part, which may itself contain '-'.
 */
public record StreamId(String category, String id) {

    public StreamId {
        Objects.requireNonNull(category, "category");
        Objects.requireNonNull(id, "id");
        if (!isCategory(category)) {
            throw new IllegalArgumentException("stream category must be lower-case letters and digits, was '" + category + "'");
        }
        if (id.isBlank()) {
            throw new IllegalArgumentException("stream id of category '" + category + "' must not be blank");
        }
    }

    public static StreamId of(String category, Object id) {
        return new StreamId(category, String.valueOf(id));
    }

    /** Parses {@code <category>-<id>}; the inverse of {@link #value()}. */
    public static StreamId parse(String value) {
        int dash = value.indexOf('-');
        if (dash <= 0 || dash == value.length() - 1) {
            throw new IllegalArgumentException("stream id must look like <category>-<id>, was '" + value + "'");
        }
        return new StreamId(value.substring(0, dash), value.substring(dash + 1));
    }

    // [a-z][a-z0-9]*, checked by hand: every event read from the store parses its stream id, and a regular expression's
    // matcher was a visible share of a replay's time.
    private static boolean isCategory(String category) {
        if (category.isEmpty() || category.charAt(0) < 'a' || category.charAt(0) > 'z') {
            return false;
        }
        for (int i = 1; i < category.length(); i++) {
            char c = category.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9')) {
                return false;
            }
        }
        return true;
    }

    public String value() {
        return category + "-" + id;
    }

    @Override
    public String toString() {
        return value();
    }
}
