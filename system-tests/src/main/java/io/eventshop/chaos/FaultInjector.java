package io.eventshop.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs a {@link Schedule} while the load runs: one fault after the other, each recorded with when it was injected
 * and when its injection ended (the replica or node back, the broker up again). A killed replica is started again
 * at once, as Kubernetes restarts a pod, and is waited for in the background; one that exits while starting is
 * started again.
 */
final class FaultInjector {

    /** A fault as it happened. */
    record Injected(FaultKind kind, String target, Instant at, Instant done) {
    }

    private static final Duration READY_WITHIN = Duration.ofMinutes(5);
    /** How often a replica that exits while starting is started, in all. */
    private static final int STARTS = 3;

    private final Topology topology;
    private final Map<String, List<Replica>> replicas;
    private final Duration pauseFor;
    private final Duration nodeDownFor;
    private final Duration brokerDownFor;
    private final Map<Replica, Thread> restarting = new ConcurrentHashMap<>();
    private final List<Injected> injected = new ArrayList<>();

    FaultInjector(Topology topology, Map<String, List<Replica>> replicas, Duration pauseFor, Duration nodeDownFor, Duration brokerDownFor) {
        this.topology = topology;
        this.replicas = replicas;
        this.pauseFor = pauseFor;
        this.nodeDownFor = nodeDownFor;
        this.brokerDownFor = brokerDownFor;
    }

    /** Runs every step; {@code halfway} runs once half of them are done (the analytics rebuild). */
    List<Injected> run(Schedule schedule, Runnable halfway) throws IOException, InterruptedException {
        int step = 0;
        for (Schedule.Step fault : schedule.steps()) {
            if (step++ == schedule.steps().size() / 2) {
                halfway.run();
            }
            Thread.sleep(fault.pauseBefore().toMillis());
            Instant at = Instant.now();
            System.out.printf("[%s] fault: %s %s%n", at, fault.kind().label(), fault.target());
            String target = inject(fault);
            injected.add(new Injected(fault.kind(), target, at, Instant.now()));
        }
        awaitRestarts();
        return List.copyOf(injected);
    }

    private String inject(Schedule.Step fault) throws IOException, InterruptedException {
        switch (fault.kind()) {
            case BROKER_NODE_KILL -> {
                int node = fault.target().equals("leader") ? topology.quorumLeaderNode() : Integer.parseInt(fault.target());
                topology.killBrokerNode(node);
                Thread.sleep(nodeDownFor.toMillis());
                topology.startBrokerNode(node);
                return "node " + node + (fault.target().equals("leader") ? " (quorum leader)" : "");
            }
            case BROKER_DOWN -> {
                topology.brokerDown();
                Thread.sleep(brokerDownFor.toMillis());
                topology.brokerUp();
                return brokerDownFor.toSeconds() + " s";
            }
            case POSTGRES_FAILOVER -> topology.postgresFailover();
            case POSTGRES_RESTART -> topology.postgresRestart();
            case REPLICA_KILL -> {
                Replica replica = replica(fault.target());
                replica.kill();
                replica.start();
                restarting.put(replica, Thread.ofVirtual().start(() -> {
                    try {
                        awaitReadyRestarting(replica);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            case REPLICA_PAUSE -> {
                Replica replica = replica(fault.target());
                replica.pause();
                Thread.sleep(pauseFor.toMillis());
                replica.resume();
                return fault.target() + " for " + pauseFor.toSeconds() + " s";
            }
            case ROLLING_RESTART -> {
                awaitRestarts();
                for (Replica replica : replicas.get(fault.target())) {
                    replica.stopGracefully(Duration.ofSeconds(2));
                    replica.start();
                    awaitReadyRestarting(replica);
                }
            }
        }
        return fault.target();
    }

    /**
     * Waits for a replica that was just started; if it exits while starting (a failover that cuts its migration's
     * connection ends the process: docs/operations.md), it is started again, as a pod's restart policy does.
     */
    private static void awaitReadyRestarting(Replica replica) throws IOException, InterruptedException {
        for (int start = 1; ; start++) {
            try {
                replica.awaitReady(READY_WITHIN);
                return;
            } catch (IllegalStateException failed) {
                if (replica.running() || start == STARTS) {
                    throw failed;
                }
                System.out.printf("[%s] %s; started again, as a pod's restart policy would%n", Instant.now(), failed.getMessage());
                replica.start();
            }
        }
    }

    /** The replica named so, once a restart of it that is still under way has finished. */
    private Replica replica(String name) throws InterruptedException {
        for (List<Replica> list : replicas.values()) {
            for (Replica replica : list) {
                if (replica.name().equals(name)) {
                    Thread restart = restarting.remove(replica);
                    if (restart != null) {
                        restart.join();
                    }
                    return replica;
                }
            }
        }
        throw new IllegalArgumentException("no replica " + name);
    }

    void awaitRestarts() throws InterruptedException {
        for (Thread restart : restarting.values()) {
            restart.join();
        }
        restarting.clear();
        for (List<Replica> list : replicas.values()) {
            for (Replica replica : list) {
                replica.awaitReady(READY_WITHIN);
            }
        }
    }
}
