package io.eventshop.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The faults of a run, in the order and with the pauses a seed decides: the same seed, mode and topology give the
 * same schedule. Faults the topology cannot inject are left out and listed.
 */
record Schedule(List<Step> steps, List<FaultKind> leftOut) {

    /**
     * One fault: its kind and target (a replica's name, a broker node's number or {@code leader}, a service for a
     * rolling restart), after a pause.
     */
    record Step(FaultKind kind, String target, Duration pauseBefore) {
        @Override
        public String toString() {
            return kind.label() + (target.isEmpty() ? "" : " " + target) + " (after " + pauseBefore.toSeconds() + " s)";
        }
    }

    /**
     * Full: every fault of issue 15. Short: one of each kind that matters most, for CI, and the Postgres failover
     * too when {@code failover} (a run with an asynchronous standby is about nothing else).
     */
    static Schedule of(long seed, boolean full, boolean failover, List<FaultKind> infrastructure, Map<String, Integer> replicas) {
        Random random = new Random(seed);
        List<Step> draw = new ArrayList<>();
        List<FaultKind> leftOut = new ArrayList<>();
        int nodeKills = full ? 5 : 1;
        if (infrastructure.contains(FaultKind.BROKER_NODE_KILL)) {
            draw.add(step(FaultKind.BROKER_NODE_KILL, "leader", random)); // the node leading the quorum queues, once at least
            for (int i = 1; i < nodeKills; i++) {
                draw.add(step(FaultKind.BROKER_NODE_KILL, Integer.toString(1 + random.nextInt(3)), random));
            }
        } else {
            leftOut.add(FaultKind.BROKER_NODE_KILL);
        }
        add(draw, leftOut, infrastructure, FaultKind.BROKER_DOWN, full ? 1 : 0, random);
        add(draw, leftOut, infrastructure, FaultKind.POSTGRES_FAILOVER, full || failover ? 1 : 0, random);
        add(draw, leftOut, infrastructure, FaultKind.POSTGRES_RESTART, full ? 2 : 1, random);
        List<String> names = new ArrayList<>();
        replicas.forEach((service, count) -> {
            for (int n = 1; n <= count; n++) {
                names.add(service + "-" + n);
            }
        });
        if (full) {
            for (int round = 0; round < 3; round++) {
                names.forEach(name -> draw.add(step(FaultKind.REPLICA_KILL, name, random)));
            }
            draw.add(step(FaultKind.REPLICA_PAUSE, names.get(random.nextInt(names.size())), random));
        } else {
            for (String service : replicas.keySet()) {
                draw.add(step(FaultKind.REPLICA_KILL, service + "-" + (1 + random.nextInt(replicas.get(service))), random));
            }
        }
        Collections.shuffle(draw, random);
        // Rolling restarts last, each on a whole, ready service: a rollout starts from a healthy deployment.
        List<String> services = new ArrayList<>(full ? replicas.keySet() : List.of("order-service"));
        Collections.shuffle(services, random);
        for (String service : services) {
            draw.add(step(FaultKind.ROLLING_RESTART, service, random));
        }
        return new Schedule(List.copyOf(draw), List.copyOf(leftOut));
    }

    private static void add(List<Step> draw, List<FaultKind> leftOut, List<FaultKind> infrastructure, FaultKind kind, int times, Random random) {
        if (times == 0) {
            return;
        }
        if (!infrastructure.contains(kind)) {
            leftOut.add(kind);
            return;
        }
        for (int i = 0; i < times; i++) {
            draw.add(step(kind, "", random));
        }
    }

    private static Step step(FaultKind kind, String target, Random random) {
        return new Step(kind, target, Duration.ofSeconds(3 + random.nextInt(5)));
    }
}
