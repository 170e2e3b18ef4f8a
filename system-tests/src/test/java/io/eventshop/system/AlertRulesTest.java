package io.eventshop.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.eventshop.testing.LocalRabbitMq;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The alert rules in deploy/prometheus are valid and behave as their unit tests say (promtool: the broker alert
 * waits two minutes and ignores a one-minute blip; relay lag and dead letters fire). promtool comes with Debian's
 * prometheus package, which deploy/local/test installs when it is missing.
 */
class AlertRulesTest {

    private static final Path RULES = LocalRabbitMq.repositoryRoot().resolve("deploy/prometheus");

    @Test
    void the_rules_are_valid() throws Exception {
        assertThat(promtool("check", "rules", "eventshop-alerts.yml")).contains("SUCCESS: 9 rules found");
    }

    @Test
    void the_rules_fire_when_and_only_when_their_tests_say() throws Exception {
        assertThat(promtool("test", "rules", "eventshop-alerts.test.yml")).contains("SUCCESS");
    }

    private static String promtool(String... arguments) throws IOException, InterruptedException {
        String[] command = new String[arguments.length + 1];
        command[0] = "promtool";
        System.arraycopy(arguments, 0, command, 1, arguments.length);
        Process process = new ProcessBuilder(command).directory(RULES.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }
}
