package io.eventshop.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The AsyncAPI document follows the code's tables: a channel per category, send for the relay's categories, receive
 * per subscriber with the types it handles, a message per type carrying the generated schema. (That it is valid
 * AsyncAPI 3.0 is checked by the real parser in system-tests' ContractsTest.)
 */
class AsyncApiDocumentTest {

    private static final ObjectNode DOCUMENT = AsyncApiDocument.of("inventory-service", "0.1.0", List.of("product", "reservation"),
            List.of(new AsyncApiDocument.Consumer("inventory.reservations", List.of("order"),
                    Set.of("io.eventshop.order.placed", "io.eventshop.order.cancelled"))));

    @Test
    void each_category_is_a_channel_on_its_fanout_exchange() {
        assertThat(names(DOCUMENT.path("channels"))).containsExactly("order", "product", "reservation");
        assertThat(DOCUMENT.at("/channels/product/address").asText()).isEqualTo("eventshop.product");
        assertThat(DOCUMENT.at("/channels/product/bindings/amqp/exchange/type").asText()).isEqualTo("fanout");
    }

    @Test
    void the_relay_sends_every_type_of_its_categories_and_a_subscriber_receives_what_it_handles() {
        assertThat(names(DOCUMENT.path("operations"))).containsExactly("publish.product", "publish.reservation", "inventory.reservations.order");
        assertThat(DOCUMENT.at("/operations/publish.product/action").asText()).isEqualTo("send");
        assertThat(refs(DOCUMENT.at("/operations/publish.product/messages"))).containsExactly(
                "#/channels/product/messages/io.eventshop.product.added",
                "#/channels/product/messages/io.eventshop.product.price-changed",
                "#/channels/product/messages/io.eventshop.product.stock-replenished");
        assertThat(DOCUMENT.at("/operations/inventory.reservations.order/action").asText()).isEqualTo("receive");
        assertThat(refs(DOCUMENT.at("/operations/inventory.reservations.order/messages"))).containsExactly(
                "#/channels/order/messages/io.eventshop.order.placed", "#/channels/order/messages/io.eventshop.order.cancelled");
    }

    @Test
    void a_message_is_the_cloud_event_with_the_generated_schema_as_data() {
        JsonNode message = DOCUMENT.at("/components/messages/io.eventshop.order.placed");
        assertThat(message.path("contentType").asText()).isEqualTo("application/cloudevents+json");
        assertThat(message.at("/payload/allOf/0/$ref").asText()).isEqualTo("#/components/schemas/CloudEvent");
        assertThat(message.at("/payload/allOf/1/properties/dataschema/const").asText())
                .isEqualTo("https://eventshop.io/events/schemas/io.eventshop.order.placed/1");
        assertThat(DOCUMENT.at("/components/schemas/io.eventshop.order.placed.v1/properties/lines/items/$ref").asText())
                .isEqualTo("#/components/schemas/OrderLine");
        assertThat(DOCUMENT.at("/components/schemas/OrderLine/properties/unitPrice/$ref").asText()).isEqualTo("#/components/schemas/Money");
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> refs(JsonNode array) {
        List<String> refs = new ArrayList<>();
        array.forEach(ref -> refs.add(ref.path("$ref").asText()));
        return refs;
    }
}
