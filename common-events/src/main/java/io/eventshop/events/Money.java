package io.eventshop.events;

import java.util.Objects;

/**
 * An amount of money in integer minor units (cents) of an ISO 4217 currency. Amounts in different
 * currencies are never added together: {@link #plus} refuses to.
 */
public record Money(long amount, String currency) {

    public Money {
        Objects.requireNonNull(currency, "currency");
        if (!isCurrencyCode(currency)) {
            throw new IllegalArgumentException("currency must be an ISO 4217 code like EUR, was '" + currency + "'");
        }
    }

    // Three letters A-Z, checked by hand: every amount decoded in a replay comes through here, and a regex
    // match was a measurable share of a rebuild's CPU.
    private static boolean isCurrencyCode(String code) {
        if (code.length() != 3) {
            return false;
        }
        for (int i = 0; i < 3; i++) {
            char c = code.charAt(i);
            if (c < 'A' || c > 'Z') {
                return false;
            }
        }
        return true;
    }

    public static Money of(long amount, String currency) {
        return new Money(amount, currency);
    }

    public Money times(int quantity) {
        return new Money(Math.multiplyExact(amount, quantity), currency);
    }

    public Money plus(Money other) {
        if (!currency.equals(other.currency)) {
            throw new IllegalArgumentException("cannot add " + other.currency + " to " + currency);
        }
        return new Money(Math.addExact(amount, other.amount), currency);
    }
}
