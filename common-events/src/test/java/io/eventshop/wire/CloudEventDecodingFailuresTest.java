package io.eventshop.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.eventshop.events.UndecodableEventException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bodies that are not eventshop CloudEvents are refused with a reason fit for a dead letter. */
class CloudEventDecodingFailuresTest {

    private static final String GOLDEN = "io.eventshop.order.placed.v1.json";

    @Test
    void the_unmodified_golden_body_decodes_so_each_failure_below_is_caused_by_its_one_change() {
        assertThat(CloudEventCodec.decode(WireJson.goldenBytes(GOLDEN)))
                .isEqualTo(GoldenEvents.of("io.eventshop.order.placed").recorded());
    }

    @ParameterizedTest
    @ValueSource(strings = {"this is not json", "{\"specversion\": \"1.0\", ", "", "<event/>"})
    void a_body_that_is_not_json_is_undecodable(String body) {
        assertUndecodable(body.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "42", "\"order-service\"", "{}"})
    void json_that_is_not_an_object_with_cloud_event_attributes_is_undecodable(String body) {
        assertUndecodable(body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void json_without_a_specversion_is_not_a_cloud_event() {
        assertUndecodable(golden(file -> file.remove("specversion")));
    }

    @Test
    void json_with_an_unknown_specversion_is_undecodable() {
        assertUndecodable(golden(file -> file.put("specversion", "0.9")));
    }

    @Test
    void a_cloud_event_without_a_subject_is_undecodable() {
        assertThat(assertUndecodable(golden(file -> file.remove("subject")))).contains("subject");
    }

    @Test
    void a_cloud_event_without_the_streamversion_extension_is_undecodable() {
        assertThat(assertUndecodable(golden(file -> file.remove("streamversion")))).contains("streamversion");
    }

    @Test
    void a_cloud_event_without_the_schemaversion_extension_is_undecodable() {
        assertThat(assertUndecodable(golden(file -> file.remove("schemaversion")))).contains("schemaversion");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "", "0", "-1"})
    void a_streamversion_that_is_not_a_positive_number_is_undecodable(String streamVersion) {
        assertUndecodable(golden(file -> file.put("streamversion", streamVersion)));
    }

    @Test
    void a_cloud_event_without_a_time_is_undecodable() {
        assertThat(assertUndecodable(golden(file -> file.remove("time")))).contains("time");
    }

    @Test
    void a_cloud_event_of_another_content_type_is_undecodable() {
        assertUndecodable(golden(file -> file.put("datacontenttype", "text/plain")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"id", "source", "type"})
    void a_cloud_event_without_a_required_attribute_is_undecodable(String attribute) {
        assertThat(assertUndecodable(golden(file -> file.remove(attribute)))).contains(attribute);
    }

    @Test
    void a_cloud_event_without_data_is_undecodable() {
        assertThat(assertUndecodable(golden(file -> file.remove("data")))).contains("data");
    }

    @ParameterizedTest
    @ValueSource(strings = {"order", "order-", "-6f1c2b9e-4a7d-4c1e-9b3a-2d5e8f0a1b2c", "Order-1", "order_1", "ORDER-1", "or der-1"})
    void a_subject_that_is_not_category_dash_id_is_undecodable(String subject) {
        assertThat(assertUndecodable(golden(file -> file.put("subject", subject)))).contains("stream");
    }

    @Test
    void a_json_null_body_is_undecodable() {
        assertUndecodable("null".getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1-2-3-4-5", "44444444-2b3c-4d5e-8f60-718293a4b5c"})
    void an_id_that_is_not_a_canonical_uuid_is_undecodable(String id) {
        assertUndecodable(golden(file -> file.put("id", id)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"not-a-uuid", "44444444", "44444444-2b3c-4d5e-8f60-718293a4b5c6-ff", "zzzzzzzz-2b3c-4d5e-8f60-718293a4b5c6"})
    void an_id_that_is_not_a_uuid_is_undecodable(String id) {
        assertThat(assertUndecodable(golden(file -> file.put("id", id)))).contains(id);
    }

    /** Asserts the body is refused with an "undecodable:" reason and returns the reason. */
    private static String assertUndecodable(byte[] body) {
        Throwable thrown = catchThrowable(() -> CloudEventCodec.decode(body));
        assertThat(thrown)
                .as("decoding %s", new String(body, StandardCharsets.UTF_8))
                .isInstanceOf(UndecodableEventException.class)
                .hasMessageStartingWith("undecodable:");
        return thrown.getMessage();
    }

    private static byte[] golden(Consumer<ObjectNode> change) {
        ObjectNode file = WireJson.goldenTree(GOLDEN);
        change.accept(file);
        return WireJson.bytes(file);
    }

    @Test
    void the_helper_refuses_a_body_that_decodes() {
        assertThatThrownBy(() -> assertUndecodable(WireJson.goldenBytes(GOLDEN))).isInstanceOf(AssertionError.class);
    }
}
