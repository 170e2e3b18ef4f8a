package io.eventshop.testing;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * A RabbitMQ node of the test's own (own name, ports and data directory), for fault tests that
 * stop and restart the broker: the machine's node is never touched. Uses the installed
 * {@code rabbitmq-server}; the node runs as the {@code rabbitmq} user, as the package sets it up.
 */
public final class OwnRabbitMq implements AutoCloseable {

    private final String node;
    private final int port;
    private final Path directory;

    private OwnRabbitMq(String node, int port, Path directory) {
        this.node = node;
        this.port = port;
        this.directory = directory;
    }

    /** Starts a fresh node on {@code port} and waits until it accepts connections. */
    public static OwnRabbitMq start(String name, int port) throws IOException, InterruptedException {
        Path directory = Files.createTempDirectory("eventshop-" + name);
        Processes.run(List.of("chown", "rabbitmq:rabbitmq", directory.toString()), Map.of(), Duration.ofSeconds(10));
        OwnRabbitMq broker = new OwnRabbitMq(name + "@localhost", port, directory);
        Processes.run(List.of("rabbitmq-server", "-detached"), Map.of(
                "RABBITMQ_NODENAME", broker.node,
                "RABBITMQ_NODE_PORT", Integer.toString(port),
                "RABBITMQ_DIST_PORT", Integer.toString(port + 20000),
                "RABBITMQ_MNESIA_BASE", directory.resolve("mnesia").toString(),
                "RABBITMQ_LOG_BASE", directory.resolve("log").toString(),
                "RABBITMQ_CONFIG_FILE", directory.resolve("no-config").toString(),
                "RABBITMQ_ENABLED_PLUGINS_FILE", directory.resolve("no-plugins").toString(),
                "RABBITMQ_PID_FILE", directory.resolve("pid").toString()), Duration.ofSeconds(30));
        broker.ctl(Duration.ofSeconds(90), "wait", directory.resolve("pid").toString(), "--timeout", "80");
        return broker;
    }

    /** The services' users, with their production permissions on the virtual host {@code /}. */
    public void addServiceUsers() throws IOException, InterruptedException {
        LocalRabbitMq.serviceUsers("/", "strict", node);
    }

    /** Raises (or clears) a memory alarm: the node blocks every publishing connection while it lasts. */
    public void memoryAlarm(boolean on) throws IOException, InterruptedException {
        ctl(Duration.ofSeconds(30), "set_vm_memory_high_watermark", on ? "0.000001" : "0.4");
    }

    public int port() {
        return port;
    }

    public Connection connect(String name) throws IOException, TimeoutException {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(port);
        factory.setAutomaticRecoveryEnabled(false);
        return factory.newConnection(name);
    }

    /** Stops the broker (every connection drops, the port closes) but keeps the node and its data. */
    public void stopBroker() throws IOException, InterruptedException {
        ctl(Duration.ofSeconds(60), "stop_app");
    }

    public void startBroker() throws IOException, InterruptedException {
        ctl(Duration.ofSeconds(60), "start_app");
        ctl(Duration.ofSeconds(60), "await_startup");
    }

    @Override
    public void close() throws IOException, InterruptedException {
        ctl(Duration.ofSeconds(60), "stop");
        Processes.run(List.of("rm", "-rf", directory.toString()), Map.of(), Duration.ofSeconds(30));
    }

    private void ctl(Duration timeout, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("rabbitmqctl", "-q", "-n", node));
        command.addAll(List.of(arguments));
        Processes.run(command, Map.of(), timeout);
    }
}
