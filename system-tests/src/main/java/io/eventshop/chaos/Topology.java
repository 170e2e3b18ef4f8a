package io.eventshop.chaos;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Where the suite runs: the database and broker the replicas use, the addresses their callers use, and the
 * faults the infrastructure can suffer. {@link ClusterTopology} is production's shape on one machine (a RabbitMQ
 * cluster, Postgres with a standby, HAProxy in front of everything); {@link LocalTopology} is the machine's single
 * Postgres and RabbitMQ, where only the services' own faults can be injected.
 */
interface Topology extends AutoCloseable {

    /** A short name for the figures: {@code cluster} or {@code local}. */
    String name();

    /** The environment every replica gets: database, broker addresses, virtual host. */
    Map<String, String> serviceEnvironment();

    /** The HTTP and management ports of {@code service}'s replicas, one pair per replica. */
    List<int[]> replicaPorts(String service);

    /** The URL callers use for {@code service} (a load balancer), or null: the suite balances over the replicas itself. */
    String frontend(String service);

    /** JDBC URL, user and password of a superuser on the stable database address, for the suite's own checks. */
    String jdbcUrl();

    String jdbcUser();

    String jdbcPassword();

    /** An AMQP URI into the services' virtual host of a user that may publish anywhere there (for the planted messages). */
    String amqpUri();

    /** The infrastructure faults this topology can inject; the others are left out of the schedule, and the figures say so. */
    List<FaultKind> infrastructureFaults();

    int brokerNodes();

    /** The node (1-based) leading most of the services' quorum queues now. */
    int quorumLeaderNode() throws IOException, InterruptedException;

    void killBrokerNode(int node) throws IOException, InterruptedException;

    void startBrokerNode(int node) throws IOException, InterruptedException;

    void brokerDown() throws IOException, InterruptedException;

    void brokerUp() throws IOException, InterruptedException;

    /** SIGKILLs the Postgres primary and promotes the standby; the stable address then leads to the new primary. */
    void postgresFailover() throws IOException, InterruptedException;

    /** Restarts the primary (fast shutdown, start again). */
    void postgresRestart() throws IOException, InterruptedException;

    @Override
    void close() throws IOException, InterruptedException;
}
