package io.eventshop.chaos;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * How callers reach a service: through the topology's load balancer, or, where it has none, through a balancer
 * of the suite's own that does what one does (health checks every 500 ms, round robin over the healthy replicas,
 * a refused connection tried on the next one; nothing else retried, since a request that was sent may have acted).
 */
final class Frontends implements AutoCloseable {

    /** An answer: status and body. */
    record Answer(int status, String body) {
    }

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private final Topology topology;
    private final Map<String, List<Replica>> replicas;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicInteger next = new AtomicInteger();
    private final Thread checks;
    private volatile boolean open = true;

    Frontends(Topology topology, Map<String, List<Replica>> replicas) {
        this.topology = topology;
        this.replicas = replicas;
        this.checks = Thread.ofPlatform().daemon().name("chaos-health-checks").start(() -> {
            while (open) {
                if (topology.frontend("order-service") == null) {
                    replicas.values().forEach(list -> list.forEach(Replica::check));
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    Answer get(String service, String path, String token) throws IOException, InterruptedException {
        return send(service, path, token, null, request -> request.GET());
    }

    Answer post(String service, String path, String token, String idempotencyKey, String body) throws IOException, InterruptedException {
        return send(service, path, token, idempotencyKey, request -> request.POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    Answer put(String service, String path, String token, String body) throws IOException, InterruptedException {
        return send(service, path, token, null, request -> request.PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    Answer delete(String service, String path, String token) throws IOException, InterruptedException {
        return send(service, path, token, null, HttpRequest.Builder::DELETE);
    }

    private Answer send(String service, String path, String token, String idempotencyKey,
            UnaryOperator<HttpRequest.Builder> method) throws IOException, InterruptedException {
        String frontend = topology.frontend(service);
        if (frontend != null) {
            return once(frontend + path, token, idempotencyKey, method);
        }
        List<Replica> candidates = replicas.get(service);
        int start = Math.floorMod(next.getAndIncrement(), candidates.size());
        IOException refused = null;
        for (int i = 0; i < candidates.size(); i++) {
            Replica replica = candidates.get((start + i) % candidates.size());
            if (!replica.routed()) {
                continue;
            }
            try {
                return once(replica.url() + path, token, idempotencyKey, method);
            } catch (ConnectException e) {
                refused = e; // nothing was sent: the next replica may take it
            }
        }
        throw refused != null ? refused : new ConnectException("no replica of " + service + " is healthy");
    }

    private Answer once(String url, String token, String idempotencyKey, UnaryOperator<HttpRequest.Builder> method)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json");
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        HttpResponse<String> response = http.send(method.apply(request).build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body());
    }

    @Override
    public void close() {
        open = false;
        checks.interrupt();
        http.close();
    }
}
