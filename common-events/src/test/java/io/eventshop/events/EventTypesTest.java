package io.eventshop.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.eventshop.events.codec.EventTypes;
import io.eventshop.events.order.OrderEvent;
import io.eventshop.events.order.OrderPlaced;
import io.eventshop.events.product.ProductEvent;
import io.eventshop.events.reservation.ReservationEvent;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class EventTypesTest {

    @Test
    void every_record_of_every_event_family_is_listed_exactly_once() {
        List<Class<?>> families = Stream.of(OrderEvent.class, ProductEvent.class, ReservationEvent.class)
                .flatMap(family -> Arrays.stream(family.getPermittedSubclasses()))
                .<Class<?>>map(c -> c)
                .toList();
        List<Class<?>> listed = EventTypes.ALL.stream().<Class<?>>map(EventType::javaType).toList();

        assertThat(listed).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(families);
    }

    @Test
    void type_names_are_unique_and_name_their_stream_category() {
        assertThat(EventTypes.ALL).extracting(EventType::name).doesNotHaveDuplicates();
        assertThat(EventTypes.ALL).allSatisfy(type -> {
            String category = (String) type.javaType().getInterfaces()[0].getField("CATEGORY").get(null);
            assertThat(type.name()).startsWith("io.eventshop." + category + ".");
        });
    }

    @Test
    void a_type_is_found_by_name_and_by_record() {
        for (EventType<?> type : EventTypes.ALL) {
            assertThat(EventTypes.byName(type.name())).containsSame(type);
            assertThat(EventTypes.of(type.javaType())).isSameAs(type);
        }
        assertThat(EventTypes.of(OrderPlaced.class).name()).isEqualTo("io.eventshop.order.placed");
        assertThat(EventTypes.byName("io.eventshop.order.teleported")).isEmpty();
    }

    @Test
    void a_type_outside_io_eventshop_or_below_schema_version_1_is_refused() {
        assertThatThrownBy(() -> new EventType<>("com.example.order.placed", 1, OrderPlaced.class))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new EventType<>("io.eventshop.order.placed", 0, OrderPlaced.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("was 0");
    }
}
