package io.eventshop.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.eventshop.events.order.OrderEvent;
import io.eventshop.events.product.ProductEvent;
import io.eventshop.events.reservation.ReservationEvent;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StreamIdTest {

    @Test
    void the_category_ends_at_the_first_dash_and_the_id_may_contain_dashes() {
        StreamId parsed = StreamId.parse("product-SKU-1");

        assertThat(parsed.category()).isEqualTo("product");
        assertThat(parsed.id()).isEqualTo("SKU-1");
        assertThat(parsed).isEqualTo(ProductEvent.stream("SKU-1"));
    }

    @Test
    void an_order_stream_id_is_the_order_uuid_and_parses_back() {
        UUID orderId = UUID.randomUUID();

        StreamId stream = OrderEvent.stream(orderId);

        assertThat(stream.value()).isEqualTo("order-" + orderId);
        assertThat(stream.toString()).isEqualTo("order-" + orderId);
        assertThat(StreamId.parse(stream.value())).isEqualTo(stream);
        assertThat(ReservationEvent.stream(orderId).value()).isEqualTo("reservation-" + orderId);
    }

    @ParameterizedTest
    @ValueSource(strings = {"product", "product-", "-SKU-1", "Product-SKU-1", "PRODUCT-1", "prod uct-1",
            "1product-1", "product- ", ""})
    void a_value_that_is_not_category_dash_id_is_refused(String value) {
        assertThatThrownBy(() -> StreamId.parse(value)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void a_blank_id_or_a_bad_category_is_refused_when_built_too() {
        assertThatThrownBy(() -> StreamId.of("product", " ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StreamId.of("pro-duct", "1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StreamId(null, "1")).isInstanceOf(NullPointerException.class);
    }
}
