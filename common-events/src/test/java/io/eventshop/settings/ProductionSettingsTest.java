package io.eventshop.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a serving replica in the prod profile refuses to start with, each named by its setting; and a safe set that passes. */
class ProductionSettingsTest {

    private static Map<String, String> safe() {
        Map<String, String> settings = new HashMap<>();
        settings.put("quarkus.datasource.username", "eventshop_order");
        settings.put("quarkus.datasource.password", "s3cret-from-a-secret");
        settings.put("eventshop.db.migrator.username", "eventshop_migrator");
        settings.put("quarkus.flyway.migrate-at-start", "false");
        settings.put("quarkus.flyway.eventstore.migrate-at-start", "false");
        settings.put("rabbitmq.username", "eventshop-order");
        settings.put("rabbitmq.password", "br0ker-secret");
        settings.put("mp.jwt.verify.publickey.location", "file:/keys/public.pem");
        return settings;
    }

    private static List<String> problems(Map<String, String> settings) {
        return ProductionSettings.problems(name -> Optional.ofNullable(settings.get(name)));
    }

    @Test
    void safe_settings_pass() {
        assertThat(problems(safe())).isEmpty();
    }

    @Test
    void each_unsafe_setting_is_refused_by_its_name() {
        List<Map.Entry<String, String>> unsafe = List.of(
                Map.entry("quarkus.datasource.username", "postgres"),
                Map.entry("quarkus.datasource.username", "eventshop_migrator"),
                Map.entry("quarkus.datasource.password", ""),
                Map.entry("quarkus.datasource.password", "postgres"),
                Map.entry("eventshop.db.migrator.password", "the-migrations-own"),
                Map.entry("quarkus.flyway.migrate-at-start", "true"),
                Map.entry("quarkus.flyway.eventstore.migrate-at-start", "true"),
                Map.entry("rabbitmq.username", "guest"),
                Map.entry("rabbitmq.password", "eventshop-dev"),
                Map.entry("mp.jwt.verify.publickey.location", ""));
        for (Map.Entry<String, String> setting : unsafe) {
            Map<String, String> settings = safe();
            settings.put(setting.getKey(), setting.getValue());
            assertThat(problems(settings)).as(setting.toString()).singleElement().asString().startsWith(setting.getKey());
        }
    }

    @Test
    void missing_settings_are_refused_too() {
        assertThat(problems(Map.of())).hasSize(5);
    }
}
