package io.eventshop.chaos;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

/** Every request the load made, with its outcome, and every order a shopper was told was placed. */
final class Ledger {

    /** What a request was for. */
    enum Operation { PLACE, READ, CANCEL, RESTOCK, PRICE, REBUILD }

    /**
     * One request as its caller saw it: the final answer's status (0: no answer, a network error), and how many times
     * it was sent (a placement is sent again with the same Idempotency-Key after a network error or a 502/503/504).
     */
    record Request(Operation operation, String phase, Instant start, Instant end, int status, int attempts, String detail) {

        /** An answer the operation can rightly get: a 2xx, or the business refusals the load provokes on purpose. */
        boolean failed() {
            return status == 0 || status >= 500 || status >= 400 && !EXPECTED_REFUSALS.contains(operation + " " + status);
        }
    }

    /** An order a 2xx said was placed. */
    record Placed(String orderId, String shopper, Instant at) {
    }

    // Cancelling an order that was rejected or cancelled already; two admins changing one product at once;
    // a rebuild asked for while one runs.
    private static final Set<String> EXPECTED_REFUSALS = Set.of("CANCEL 409", "PRICE 409", "RESTOCK 409", "REBUILD 409");

    private final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Placed> placed = new ConcurrentLinkedQueue<>();

    void record(Request request) {
        requests.add(request);
    }

    void placed(Placed order) {
        placed.add(order);
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    List<Placed> placed() {
        return List.copyOf(placed);
    }

    /** The requests started in [from, to). */
    List<Request> between(Instant from, Instant to) {
        return requests.stream().filter(r -> !r.start().isBefore(from) && r.start().isBefore(to)).toList();
    }
}
