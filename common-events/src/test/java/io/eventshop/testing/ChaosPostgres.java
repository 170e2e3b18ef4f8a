package io.eventshop.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Postgres primary with a synchronous standby behind one HAProxy address, as the chaos topology runs them,
 * started by {@code deploy/chaos/topology up postgres} on ports and a directory of the test's own. {@link #failover()}
 * is the topology's own fault: SIGKILL of the primary, promotion of the standby, HAProxy following, the old node
 * made the new standby. Needs root (Postgres runs as the postgres user; HAProxy is installed when missing).
 */
public final class ChaosPostgres implements AutoCloseable {

    private static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(3);

    private final Path root;
    private final Map<String, String> environment;
    private final int port;

    private ChaosPostgres(Path root, Map<String, String> environment, int port) {
        this.root = root;
        this.environment = environment;
        this.port = port;
    }

    public static ChaosPostgres start() throws IOException, InterruptedException {
        Path root = repositoryRoot();
        int port = freePorts();
        Map<String, String> environment = Map.of(
                // Not a temporary directory of Java's: those are private to root, and Postgres runs as postgres.
                "EVENTSHOP_CHAOS_DIR", Path.of(System.getProperty("java.io.tmpdir"), "eventshop-chaos-pg-" + port).toString(),
                "EVENTSHOP_CHAOS_PG_PORT", Integer.toString(port),
                "EVENTSHOP_CHAOS_STATS_PORT", Integer.toString(port + 3));
        ChaosPostgres postgres = new ChaosPostgres(root, environment, port);
        postgres.script("topology", "up", "postgres");
        return postgres;
    }

    /** The stable address's port: the primary, whichever node that is. */
    public int port() {
        return port;
    }

    public void failover() throws IOException, InterruptedException {
        script("fault", "pg-failover");
    }

    @Override
    public void close() throws IOException, InterruptedException {
        script("topology", "down");
    }

    private void script(String name, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(root.resolve("deploy/chaos").resolve(name).toString()));
        command.addAll(List.of(arguments));
        Processes.run(command, environment, SCRIPT_TIMEOUT);
    }

    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isExecutable(dir.resolve("deploy/chaos/topology"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no deploy/chaos/topology above " + Path.of("").toAbsolutePath());
    }

    // Four free ports in a row: the address, the two nodes, HAProxy's stats page.
    private static int freePorts() {
        for (int base = 26000; base < 27000; base += 4) {
            if (free(base) && free(base + 1) && free(base + 2) && free(base + 3)) {
                return base;
            }
        }
        throw new IllegalStateException("no four free ports in a row between 26000 and 27000");
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket(port)) {
            return socket.getLocalPort() == port;
        } catch (IOException e) {
            return false;
        }
    }
}
