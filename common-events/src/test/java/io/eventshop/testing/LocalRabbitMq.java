package io.eventshop.testing;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The machine's real RabbitMQ, as tests and benchmarks use it: a virtual host made afresh for a run that
 * starts from a fresh database. Queues left in it by an earlier run would otherwise stay bound to the
 * exchanges with no consumer, and take a copy of every message from then on.
 */
public final class LocalRabbitMq {

    private LocalRabbitMq() {
    }

    /** Deletes {@code vhost} with everything in it and creates it again, for the user {@code guest} (by rabbitmqctl). */
    public static void freshVirtualHost(String vhost) throws IOException, InterruptedException {
        Duration timeout = Duration.ofMinutes(1);
        try {
            Processes.run(List.of("rabbitmqctl", "-q", "delete_vhost", vhost), Map.of(), timeout);
        } catch (IOException notThere) {
            // nothing to delete
        }
        Processes.run(List.of("rabbitmqctl", "-q", "add_vhost", vhost), Map.of(), timeout);
        Processes.run(List.of("rabbitmqctl", "-q", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"), Map.of(), timeout);
    }
}
