package io.eventshop.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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

    /**
     * Deletes {@code vhost} with everything in it and creates it again (by rabbitmqctl), for the user {@code guest}
     * and for the services' own users, each limited to its own exchanges and queues as in production.
     */
    public static void freshVirtualHost(String vhost) throws IOException, InterruptedException {
        freshVirtualHost(vhost, "strict");
    }

    /**
     * As {@link #freshVirtualHost(String)}, with the services' users' permissions {@code strict} (production's) or
     * {@code open} (anything: for a service's tests, where its process also relays the other services' categories).
     */
    public static void freshVirtualHost(String vhost, String permissions) throws IOException, InterruptedException {
        Duration timeout = Duration.ofMinutes(1);
        try {
            Processes.run(List.of("rabbitmqctl", "-q", "delete_vhost", vhost), Map.of(), timeout);
        } catch (IOException notThere) {
            // nothing to delete
        }
        Processes.run(List.of("rabbitmqctl", "-q", "add_vhost", vhost), Map.of(), timeout);
        Processes.run(List.of("rabbitmqctl", "-q", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"), Map.of(), timeout);
        serviceUsers(vhost, permissions, null);
    }

    /** The services' users with {@code permissions} (strict or open) on {@code vhost}, of the node {@code node} (null: the machine's). */
    static void serviceUsers(String vhost, String permissions, String node) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(repositoryRoot().resolve("deploy/local/broker-users").toString(), vhost, permissions));
        if (node != null) {
            command.add(node);
        }
        Processes.run(command, Map.of(), Duration.ofMinutes(1));
    }

    /** The repository's root, from any module's directory (tests run in theirs). */
    public static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("deploy/local"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no deploy/local above " + Path.of("").toAbsolutePath());
    }
}
