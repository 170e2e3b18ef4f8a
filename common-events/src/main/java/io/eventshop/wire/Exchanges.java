package io.eventshop.wire;

/** Where a category is announced: one durable fanout exchange per category (docs/architecture.md, On the wire). */
public final class Exchanges {

    private static final String PREFIX = "eventshop.";

    private Exchanges() {
    }

    /** {@code eventshop.<category>}. */
    public static String forCategory(String category) {
        return PREFIX + category;
    }
}
