package io.eventshop.events;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An amount of money in integer minor units (cents) of an ISO 4217 currency. Amounts in different
 * currencies are never added together: {@link #plus} refuses to.
 */
public record Money(long amount, String currency) {

    private static final Pattern ISO_CURRENCY = Pattern.compile("[A-Z]{3}");

    public Money {
        Objects.requireNonNull(currency, "currency");
        if (!ISO_CURRENCY.matcher(currency).matches()) {
            throw new IllegalArgumentException("currency must be an ISO 4217 code like EUR, was '" + currency + "'");
        }
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
