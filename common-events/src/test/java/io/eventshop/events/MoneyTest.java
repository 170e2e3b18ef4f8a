package io.eventshop.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.eventshop.events.order.OrderLine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MoneyTest {

    @ParameterizedTest
    @ValueSource(strings = {"EUR", "USD", "JPY"})
    void an_iso_4217_code_is_a_currency(String currency) {
        assertThat(Money.of(1299, currency)).isEqualTo(new Money(1299, currency));
    }

    @ParameterizedTest
    @ValueSource(strings = {"eur", "Eur", "EURO", "EU", "", " EUR", "E1R", "€"})
    void anything_but_three_capital_letters_is_refused_as_a_currency(String currency) {
        assertThatThrownBy(() -> Money.of(100, currency))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + currency + "'");
    }

    @Test
    void a_currency_is_required() {
        assertThatThrownBy(() -> Money.of(100, null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void amounts_of_one_currency_add_up_in_minor_units() {
        assertThat(Money.of(1499, "EUR").plus(Money.of(1, "EUR"))).isEqualTo(Money.of(1500, "EUR"));
        assertThat(Money.of(1499, "EUR").times(3)).isEqualTo(Money.of(4497, "EUR"));
        assertThat(new OrderLine("SKU-1", 2, Money.of(500, "USD")).lineTotal()).isEqualTo(Money.of(1000, "USD"));
    }

    @Test
    void amounts_in_different_currencies_are_never_added() {
        assertThatThrownBy(() -> Money.of(100, "EUR").plus(Money.of(100, "USD")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("USD")
                .hasMessageContaining("EUR");
    }

    @Test
    void an_overflowing_amount_is_refused_not_wrapped() {
        assertThatThrownBy(() -> Money.of(Long.MAX_VALUE, "EUR").plus(Money.of(1, "EUR")))
                .isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> Money.of(Long.MAX_VALUE / 2 + 1, "EUR").times(2))
                .isInstanceOf(ArithmeticException.class);
    }
}
