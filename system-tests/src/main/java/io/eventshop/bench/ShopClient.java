package io.eventshop.bench;

import io.eventshop.system.RunningShop;
import io.eventshop.testing.Tokens;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/** The benchmarks' client of the running shop: its public HTTP API only, as a shopper or an admin. */
final class ShopClient {

    static final Supplier<String> ADMIN = bearer("bench", "admin");
    private static final Duration TOKEN_RENEWAL = Duration.ofMinutes(10);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ShopClient() {
    }

    /**
     * An Authorization header for {@code subject} in {@code group}, its token minted again every ten minutes: a benchmark
     * may run for hours, the tests' tokens expire after 30 minutes and the services refuse one issued more than an hour
     * before (a 20 M stand-up's first run stopped with a 401 after 31 minutes).
     */
    static Supplier<String> bearer(String subject, String group) {
        return new Supplier<>() {
            private String header;
            private long mintedAt;

            @Override
            public synchronized String get() {
                if (header == null || System.nanoTime() - mintedAt > TOKEN_RENEWAL.toNanos()) {
                    header = "Bearer " + Tokens.token(subject, group);
                    mintedAt = System.nanoTime();
                }
                return header;
            }
        };
    }

    /** Adds {@code count} products with ample stock through inventory-service and waits until order-service's catalog has them. */
    static List<String> stock(RunningShop shop, int count) throws IOException, InterruptedException {
        List<String> skus = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String sku = "BENCH-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
            post(shop.url("inventory-service") + "/products", ADMIN.get(), null,
                    "{\"sku\":\"%s\",\"name\":\"bench\",\"price\":{\"amount\":100,\"currency\":\"EUR\"},\"initialStock\":1000000}".formatted(sku),
                    201);
            skus.add(sku);
        }
        // Minutes, not seconds: the catalog follows the store below its horizon, which any long transaction on the
        // cluster holds back (a shared machine's other databases included).
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (!get(shop.url("order-service") + "/products", bearer("bench", "shopper").get()).contains(skus.getLast())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the catalog did not get the products within 5 minutes");
            }
            Thread.sleep(100);
        }
        return skus;
    }

    /** Places a one-line order of one of {@code skus}; returns its id (from the answer's Location). */
    static UUID placeOrder(RunningShop shop, Supplier<String> token, List<String> skus) {
        String sku = skus.get(ThreadLocalRandom.current().nextInt(skus.size()));
        try {
            HttpResponse<String> response = post(shop.url("order-service") + "/orders", token.get(), UUID.randomUUID().toString(),
                    "{\"lines\":[{\"sku\":\"" + sku + "\",\"quantity\":1}]}", 202);
            String location = response.headers().firstValue("Location").orElseThrow();
            return UUID.fromString(location.substring(location.lastIndexOf('/') + 1));
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    static String get(String url, String authorization) throws IOException, InterruptedException {
        return send(url, "GET", authorization).body();
    }

    /** The answer to a request as an admin (or as {@code authorization} if not null), whatever its status. */
    static HttpResponse<String> send(String url, String method, String authorization) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(2))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String url, String authorization, String idempotencyKey, String body, int expected)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Authorization", authorization).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IllegalStateException(url + " answered " + response.statusCode() + ": " + response.body());
        }
        return response;
    }
}
