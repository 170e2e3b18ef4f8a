package io.eventshop.bench;

import java.util.Locale;

/**
 * The size of a generated store, from a command-line size in events ({@code 5m}, {@code 20m}, {@code 500k},
 * {@code 1500000}), scaled from the 5 M store the rebuild figures were first measured on: 2,330,000 orders
 * (one a second of business time, so days scale too) and 200 products per 5,000,000 events. An order
 * makes 2.15 events on average (placed, decided, and 15% cancelled after confirmation).
 *
 * @param orders   orders to generate
 * @param products products (three quarters priced in EUR, the rest in USD); at least 20
 */
record StoreSize(int orders, int products) {

    private static final double ORDERS_PER_EVENT = 2_330_000 / 5_000_000.0;
    private static final double PRODUCTS_PER_EVENT = 200 / 5_000_000.0;

    StoreSize {
        if (orders < 1_000 || products < 20 || products % 4 != 0) {
            throw new IllegalArgumentException("a generated store needs at least 1,000 orders and 20 products, a multiple of 4; was "
                    + orders + " orders, " + products + " products");
        }
    }

    /** From a size in events: digits with an optional k or m suffix. */
    static StoreSize parse(String events) {
        String text = events.strip().toLowerCase(Locale.ROOT).replace("_", "").replace(",", "");
        long multiplier = text.endsWith("m") ? 1_000_000 : text.endsWith("k") ? 1_000 : 1;
        String digits = multiplier == 1 ? text : text.substring(0, text.length() - 1);
        double wanted;
        try {
            wanted = Double.parseDouble(digits) * multiplier;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a size is a number of events such as 5m, 20m, 500k or 1500000; was '" + events + "'");
        }
        if (wanted < 5_000 || wanted > 200_000_000) {
            throw new IllegalArgumentException("a size is between 5k and 200m events; was '" + events + "'");
        }
        return new StoreSize((int) Math.round(wanted * ORDERS_PER_EVENT), products(wanted));
    }

    // Rounded to a multiple of 4 (3/4 EUR, 1/4 USD). An order's lines are skus (o * 7 + i * 13) modulo a
    // currency's product count, i = 0..2; they are distinct unless that count divides 13 or 26.
    private static int products(double events) {
        int products = Math.max(20, (int) Math.round(events * PRODUCTS_PER_EVENT / 4) * 4);
        while (13 % (products / 4) == 0 || 26 % (products / 4) == 0 || 13 % (products * 3 / 4) == 0 || 26 % (products * 3 / 4) == 0) {
            products += 4;
        }
        return products;
    }

    int eurProducts() {
        return products * 3 / 4;
    }

    /** The events the generator writes: a ProductAdded per product, then per order 1 placed, 1 decided and 3 in 20 cancelled. */
    long events() {
        return products + 2L * orders + orders / 20 * 3L + Math.min(3, orders % 20);
    }
}
