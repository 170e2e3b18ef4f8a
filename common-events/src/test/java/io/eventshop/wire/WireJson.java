package io.eventshop.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Reads the golden files and wire documents as Jackson trees. */
final class WireJson {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private WireJson() {
    }

    /** The bytes of {@code wire/<fileName>} on the test class path, or null when there is no such file. */
    static byte[] goldenBytes(String fileName) {
        try (InputStream in = WireJson.class.getResourceAsStream("/wire/" + fileName)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode goldenTree(String fileName) {
        byte[] bytes = goldenBytes(fileName);
        if (bytes == null) {
            throw new AssertionError("no golden file wire/" + fileName);
        }
        return (ObjectNode) tree(bytes);
    }

    static JsonNode tree(byte[] json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] bytes(JsonNode tree) {
        try {
            return MAPPER.writeValueAsBytes(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
