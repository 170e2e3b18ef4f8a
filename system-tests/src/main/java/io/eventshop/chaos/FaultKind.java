package io.eventshop.chaos;

/** The faults the suite injects, as the figures name them. */
enum FaultKind {
    BROKER_NODE_KILL("broker node SIGKILL"),
    BROKER_DOWN("whole broker down"),
    POSTGRES_FAILOVER("Postgres primary SIGKILL, standby promoted"),
    POSTGRES_RESTART("Postgres restart"),
    REPLICA_KILL("service replica SIGKILL"),
    REPLICA_PAUSE("service replica SIGSTOP past its timeouts"),
    ROLLING_RESTART("rolling restart");

    private final String label;

    FaultKind(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }
}
