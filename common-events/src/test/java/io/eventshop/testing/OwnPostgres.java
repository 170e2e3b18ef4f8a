package io.eventshop.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A Postgres cluster of the test's own (own port and data directory), for fault tests that stop
 * and restart the database: the machine's cluster is never touched. Uses the installed server
 * binaries ({@code /usr/lib/postgresql/<version>/bin}, or {@code EVENTSHOP_PG_BIN}); runs as the
 * {@code postgres} user when started by root, since Postgres refuses to run as root.
 */
public final class OwnPostgres implements AutoCloseable {

    private final int port;
    private final Path directory;
    private final Path bin;

    private OwnPostgres(int port, Path directory, Path bin) {
        this.port = port;
        this.directory = directory;
        this.bin = bin;
    }

    /** Initialises a fresh cluster with trust authentication and starts it on {@code port}. */
    public static OwnPostgres start(int port) throws IOException, InterruptedException {
        Path bin = Path.of(System.getenv().getOrDefault("EVENTSHOP_PG_BIN", "/usr/lib/postgresql/15/bin"));
        Path directory = Files.createTempDirectory("eventshop-pg-" + port);
        Processes.run(List.of("chown", "postgres:postgres", directory.toString()), Map.of(), Duration.ofSeconds(10));
        OwnPostgres postgres = new OwnPostgres(port, directory, bin);
        postgres.asPostgres(Duration.ofSeconds(60), bin.resolve("initdb").toString(), "-D", postgres.data(), "-U", "postgres",
                "--auth=trust", "--no-sync");
        postgres.startServer();
        return postgres;
    }

    public int port() {
        return port;
    }

    /** Stops the server immediately (connections are cut, open transactions roll back) and keeps its data. */
    public void stopServer() throws IOException, InterruptedException {
        asPostgres(Duration.ofSeconds(60), bin.resolve("pg_ctl").toString(), "-D", data(), "-m", "fast", "-w", "stop");
    }

    public void startServer() throws IOException, InterruptedException {
        asPostgres(Duration.ofSeconds(60), bin.resolve("pg_ctl").toString(), "-D", data(), "-w", "-l", directory.resolve("log").toString(),
                "-o", "-p " + port + " -k " + directory + " -c listen_addresses=127.0.0.1 -c fsync=off", "start");
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            stopServer();
        } finally {
            Processes.run(List.of("rm", "-rf", directory.toString()), Map.of(), Duration.ofSeconds(30));
        }
    }

    private String data() {
        return directory.resolve("data").toString();
    }

    private void asPostgres(Duration timeout, String... command) throws IOException, InterruptedException {
        boolean root = "root".equals(System.getProperty("user.name"));
        List<String> line = root
                ? List.of("su", "postgres", "-s", "/bin/sh", "-c", String.join(" ", quoted(command)))
                : List.of(command);
        Processes.run(line, Map.of(), timeout);
    }

    private static List<String> quoted(String... words) {
        return Arrays.stream(words).map(word -> "'" + word.replace("'", "'\\''") + "'").toList();
    }
}
