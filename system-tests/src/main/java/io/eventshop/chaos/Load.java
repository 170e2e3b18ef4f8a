package io.eventshop.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventshop.chaos.Ledger.Operation;
import io.eventshop.testing.Tokens;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The shop's traffic, through the frontends: shoppers placing (an Idempotency-Key each, the same key again after a
 * network error or a 502/503/504), reading and cancelling their orders, and an admin restocking and repricing.
 * Bounded by a time, a number of orders, and a condition; every request goes to the {@link Ledger}.
 */
final class Load {

    /** How hard: shoppers at once, the pause between one shopper's requests. */
    record Shape(int shoppers, Duration thinkMin, Duration thinkMax, Duration adminInterval, Duration retryFor) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration RETRY_PAUSE = Duration.ofMillis(500);

    private final Frontends frontends;
    private final Ledger ledger;
    private final List<String> skus;
    private final Shape shape;
    private final long seed;

    Load(Frontends frontends, Ledger ledger, List<String> skus, Shape shape, long seed) {
        this.frontends = frontends;
        this.ledger = ledger;
        this.skus = skus;
        this.shape = shape;
        this.seed = seed;
    }

    Frontends frontends() {
        return frontends;
    }

    /** Runs until {@code duration} has passed, {@code maxOrders} were placed, or {@code more} says no; returns the orders placed. */
    int run(String phase, Duration duration, int maxOrders, BooleanSupplier more) throws InterruptedException {
        long end = System.nanoTime() + duration.toNanos();
        AtomicInteger placedCount = new AtomicInteger();
        BooleanSupplier going = () -> System.nanoTime() < end && placedCount.get() < maxOrders && more.getAsBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int s = 0; s < shape.shoppers(); s++) {
            Random random = new Random(seed * 31 + phase.hashCode() * 17L + s);
            String shopper = "shopper-" + s;
            threads.add(Thread.ofVirtual().name("chaos-" + shopper).start(() -> shop(phase, shopper, random, going, placedCount)));
        }
        Random adminRandom = new Random(seed * 31 + phase.hashCode() * 17L - 1);
        threads.add(Thread.ofVirtual().name("chaos-admin").start(() -> administer(phase, adminRandom, going)));
        for (Thread thread : threads) {
            thread.join();
        }
        return placedCount.get();
    }

    private void shop(String phase, String shopper, Random random, BooleanSupplier going, AtomicInteger placedCount) {
        List<String> mine = new ArrayList<>();
        String token = Tokens.shopper(shopper);
        while (going.getAsBoolean()) {
            int dice = random.nextInt(100);
            try {
                if (dice < 65 || mine.isEmpty()) {
                    String id = place(phase, shopper, token, random);
                    if (id != null) {
                        mine.add(id);
                        placedCount.incrementAndGet();
                    }
                } else if (dice < 90) {
                    String id = mine.get(random.nextInt(mine.size()));
                    call(phase, Operation.READ, id, () -> frontends.get("order-service", "/orders/" + id, token), true);
                } else {
                    String id = mine.remove(random.nextInt(mine.size()));
                    call(phase, Operation.CANCEL, id, () -> frontends.post("order-service", "/orders/" + id + "/cancel", token, null, ""), true);
                }
                think(random);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private String place(String phase, String shopper, String token, Random random) throws InterruptedException {
        StringBuilder lines = new StringBuilder();
        int count = 1 + random.nextInt(2);
        List<String> chosen = new ArrayList<>(skus);
        for (int i = 0; i < count; i++) {
            String sku = chosen.remove(random.nextInt(chosen.size()));
            lines.append(i == 0 ? "" : ",").append("{\"sku\":\"").append(sku).append("\",\"quantity\":").append(1 + random.nextInt(3)).append('}');
        }
        String key = new UUID(random.nextLong(), random.nextLong()).toString();
        Frontends.Answer answer = call(phase, Operation.PLACE, key,
                () -> frontends.post("order-service", "/orders", token, key, "{\"lines\":[" + lines + "]}"), true);
        if (answer == null || answer.status() != 202) {
            return null;
        }
        try {
            JsonNode body = JSON.readTree(answer.body());
            String id = body.get("id").asText();
            ledger.placed(new Ledger.Placed(id, shopper, Instant.now()));
            return id;
        } catch (IOException e) {
            throw new IllegalStateException("a 202 without an order: " + answer.body(), e);
        }
    }

    private void administer(String phase, Random random, BooleanSupplier going) {
        String token = Tokens.admin("chaos-admin");
        while (going.getAsBoolean()) {
            String sku = skus.get(random.nextInt(skus.size()));
            try {
                if (random.nextInt(3) == 0) {
                    String price = "{\"price\":{\"amount\":" + (100 + random.nextInt(900)) + ",\"currency\":\"EUR\"}}";
                    call(phase, Operation.PRICE, sku, () -> frontends.put("inventory-service", "/products/" + sku + "/price", token, price), true);
                } else {
                    // Not sent again after a network error: a restock is not idempotent, and the store says whether it happened.
                    String quantity = "{\"quantity\":" + (10 + random.nextInt(30)) + "}";
                    call(phase, Operation.RESTOCK, sku, () -> frontends.post("inventory-service", "/products/" + sku + "/restock", token, null, quantity), false);
                }
                Thread.sleep(shape.adminInterval().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** A request that may throw a network error. */
    interface Call {
        Frontends.Answer send() throws IOException, InterruptedException;
    }

    /** Sends (again, if {@code retry}, while it fails passingly and the retry budget lasts) and records the outcome. */
    Frontends.Answer call(String phase, Operation operation, String detail, Call call, boolean retry) throws InterruptedException {
        Instant start = Instant.now();
        long giveUp = System.nanoTime() + shape.retryFor().toNanos();
        int attempts = 0;
        while (true) {
            attempts++;
            Frontends.Answer answer = null;
            String error = null;
            try {
                answer = call.send();
            } catch (IOException e) {
                error = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
            boolean passing = answer == null || answer.status() == 502 || answer.status() == 503 || answer.status() == 504;
            if (!passing || !retry || System.nanoTime() > giveUp) {
                ledger.record(new Ledger.Request(operation, phase, start, Instant.now(), answer == null ? 0 : answer.status(), attempts,
                        answer == null ? detail + " " + error : detail + (answer.status() >= 400 ? " " + abbreviated(answer.body()) : "")));
                return answer;
            }
            Thread.sleep(RETRY_PAUSE.toMillis());
        }
    }

    private void think(Random random) throws InterruptedException {
        long min = shape.thinkMin().toMillis();
        Thread.sleep(min + random.nextLong(Math.max(1, shape.thinkMax().toMillis() - min)));
    }

    private static String abbreviated(String body) {
        return body.length() > 200 ? body.substring(0, 200) + "…" : body;
    }
}
