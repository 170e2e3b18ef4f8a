package io.eventshop.inventory.products;

import io.eventshop.events.Money;
import io.eventshop.problem.CurrencyCode;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/** The bodies the product endpoints accept (docs/api.md, Products), validated at the edge. */
final class ProductRequests {

    /** SKUs: letters and digits, then also '.', '_' or '-', at most 64. */
    static final String SKU = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}";
    static final long MAX_PRICE = 100_000_000_00L; // 100 million in minor units: above that is a typo
    static final int MAX_UNITS = 1_000_000;

    private ProductRequests() {
    }

    /** {@code {"amount": 1999, "currency": "EUR"}}: integer minor units of an ISO 4217 currency. */
    record Price(
            @NotNull @Min(0) @Max(MAX_PRICE) Long amount,
            @NotNull @CurrencyCode String currency) {

        Money toMoney() {
            return Money.of(amount, currency);
        }
    }

    record NewProduct(
            @NotNull @Pattern(regexp = SKU, message = "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit") String sku,
            @NotBlank @Size(max = 200) @Pattern(regexp = "[^\\p{Cntrl}]*", message = "must not contain control characters") String name,
            @NotNull @Valid Price price,
            @NotNull @Min(0) @Max(MAX_UNITS) Integer initialStock) {
    }

    record PriceChange(@NotNull @Valid Price price) {
    }

    record Restock(@NotNull @Min(1) @Max(MAX_UNITS) Integer quantity) {
    }
}
