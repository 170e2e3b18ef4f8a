package io.eventshop.events.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.eventshop.events.UndecodableEventException;
import io.eventshop.events.Upcaster;
import io.eventshop.events.order.OrderCancelledV1Upcaster;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Every upcaster, listed by hand like {@link EventTypes}, and the walk from a stored version to the current one. */
public final class Upcasters {

    public static final List<Upcaster> ALL = List.of(new OrderCancelledV1Upcaster());

    private static final Map<String, Upcaster> BY_STEP =
            ALL.stream().collect(Collectors.toUnmodifiableMap(u -> step(u.type(), u.fromVersion()), Function.identity()));

    private Upcasters() {
    }

    /**
     * {@code payload}, stored at {@code storedVersion}, as {@code type} reads it at {@code currentVersion}.
     *
     * @throws UndecodableEventException when a step has no upcaster, or the payload is not a JSON object
     */
    static JsonNode toCurrent(String type, int storedVersion, int currentVersion, JsonNode payload) {
        if (storedVersion > currentVersion) {
            throw new UndecodableEventException(type + " has schema version " + storedVersion
                    + ", but this code reads version " + currentVersion + ": a newer payload needs a newer consumer");
        }
        JsonNode current = payload;
        for (int version = storedVersion; version < currentVersion; version++) {
            Upcaster upcaster = BY_STEP.get(step(type, version));
            if (upcaster == null) {
                throw new UndecodableEventException(type + " has schema version " + storedVersion + ", this code reads version "
                        + currentVersion + " and has no upcaster from version " + version);
            }
            if (!(current instanceof ObjectNode object)) {
                throw new UndecodableEventException(type + " version " + version + " payload is not a JSON object");
            }
            current = upcaster.upcast(object);
        }
        return current;
    }

    private static String step(String type, int fromVersion) {
        return type + "@" + fromVersion;
    }
}
