package io.eventshop.chaos;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One replica of a service: a process of its packaged jar on fixed ports, which the suite kills, pauses and
 * restarts. Its output is appended to {@code target/chaos/<service>-<n>.log} across restarts.
 */
final class Replica {

    private final String service;
    private final int number;
    private final int port;
    private final int managementPort;
    private final ProcessBuilder builder;
    private volatile Process process;
    /** Whether the suite's own balancer sends it requests (as a load balancer's endpoint list would). */
    private volatile boolean routed;
    /** Taken out of the endpoints for a graceful stop: not routed again until it has started anew. */
    private volatile boolean draining;

    Replica(Path root, String service, int number, int port, int managementPort, Map<String, String> environment, Path logs) {
        this.service = service;
        this.number = number;
        this.port = port;
        this.managementPort = managementPort;
        this.builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED", "-jar",
                root.resolve(service).resolve("target/quarkus-app/quarkus-run.jar").toString())
                .directory(root.resolve(service).toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve(name() + ".log").toFile()));
        builder.environment().putAll(environment);
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        builder.environment().put("QUARKUS_MANAGEMENT_PORT", Integer.toString(managementPort));
    }

    String service() {
        return service;
    }

    String name() {
        return service + "-" + number;
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    boolean routed() {
        return routed;
    }

    /** A health check, as a load balancer makes one: routed while ready and not drained. */
    void check() {
        routed = !draining && ready(Duration.ofMillis(800));
    }

    private boolean ready(Duration timeout) {
        try {
            HttpURLConnection connection = (HttpURLConnection) URI.create("http://127.0.0.1:" + managementPort + "/q/health/ready")
                    .toURL().openConnection();
            connection.setConnectTimeout((int) timeout.toMillis());
            connection.setReadTimeout((int) timeout.toMillis());
            return connection.getResponseCode() == 200;
        } catch (IOException notReady) {
            return false;
        }
    }

    /** Whether its process is alive (running, paused or starting). */
    boolean running() {
        Process current = process;
        return current != null && current.isAlive();
    }

    void start() throws IOException {
        process = builder.start();
    }

    /** Waits until it answers ready, then routes requests to it again. */
    void awaitReady(Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name() + " exited with " + process.exitValue() + " while starting; see target/chaos/" + name() + ".log");
            }
            if (ready(Duration.ofSeconds(2))) {
                draining = false;
                routed = true;
                return;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(name() + " was not ready within " + within + "; see target/chaos/" + name() + ".log");
    }

    /** SIGKILL: no shutdown hook runs, connections drop as they are. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGSTOP: the process holds its connections and locks but answers nothing. */
    void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    /**
     * As a Kubernetes rollout stops a pod: out of the endpoints first, a moment for callers to notice, then
     * SIGTERM, and SIGKILL only after the grace period (30 s).
     */
    void stopGracefully(Duration drain) throws InterruptedException {
        draining = true;
        routed = false;
        Thread.sleep(drain.toMillis());
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** At the end of the run: stopped for good, whatever state it is in. */
    void close() {
        Process running = process;
        if (running != null && running.isAlive()) {
            try {
                signal("CONT");
            } catch (IOException | InterruptedException e) {
                // it is killed below in any case
            }
            running.destroy();
            try {
                if (!running.waitFor(20, TimeUnit.SECONDS)) {
                    running.destroyForcibly();
                }
            } catch (InterruptedException e) {
                running.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder(List.of("kill", "-" + signal, Long.toString(process.pid()))).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + signal + " " + process.pid() + " failed");
        }
    }
}
