package io.eventshop.chaos;

import io.eventshop.testing.FreePorts;
import io.eventshop.testing.LocalPostgres;
import io.eventshop.testing.LocalRabbitMq;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The machine's own Postgres and RabbitMQ (shared with everything else on it, so never stopped): a database and a
 * virtual host of the suite's own, made afresh. Only the services' faults run here; the replicas take free ports
 * and the suite balances over them itself.
 */
final class LocalTopology implements Topology {

    static final String DATABASE = "eventshop_chaos";
    static final String VHOST = "eventshop_chaos";

    private final Map<String, List<int[]>> ports = new LinkedHashMap<>();

    private LocalTopology() {
    }

    static LocalTopology start(List<String> services, int replicas) throws IOException, InterruptedException {
        LocalPostgres.createDatabase(DATABASE, true);
        LocalRabbitMq.freshVirtualHost(VHOST);
        LocalTopology topology = new LocalTopology();
        for (String service : services) {
            List<int[]> pairs = new ArrayList<>();
            for (int i = 0; i < replicas; i++) {
                pairs.add(new int[] {FreePorts.pick(), FreePorts.pick()});
            }
            topology.ports.put(service, pairs);
        }
        return topology;
    }

    @Override
    public String name() {
        return "local (the machine's single Postgres and RabbitMQ)";
    }

    @Override
    public Map<String, String> serviceEnvironment() {
        return Map.of("EVENTSHOP_DB_HOST", LocalPostgres.HOST, "EVENTSHOP_DB_PORT", Integer.toString(LocalPostgres.PORT),
                "EVENTSHOP_DB_NAME", DATABASE, "RABBITMQ_VIRTUAL_HOST", VHOST);
    }

    @Override
    public List<int[]> replicaPorts(String service) {
        return ports.get(service);
    }

    @Override
    public String frontend(String service) {
        return null;
    }

    @Override
    public String jdbcUrl() {
        return LocalPostgres.jdbcUrl(DATABASE);
    }

    @Override
    public String jdbcUser() {
        return LocalPostgres.USER;
    }

    @Override
    public String jdbcPassword() {
        return LocalPostgres.PASSWORD;
    }

    @Override
    public String amqpUri() {
        return "amqp://guest:guest@127.0.0.1:5672/" + VHOST;
    }

    @Override
    public List<FaultKind> infrastructureFaults() {
        return List.of();
    }

    @Override
    public int brokerNodes() {
        return 1;
    }

    @Override
    public int quorumLeaderNode() {
        throw unshared();
    }

    @Override
    public void killBrokerNode(int node) {
        throw unshared();
    }

    @Override
    public void startBrokerNode(int node) {
        throw unshared();
    }

    @Override
    public void brokerDown() {
        throw unshared();
    }

    @Override
    public void brokerUp() {
        throw unshared();
    }

    @Override
    public void postgresFailover() {
        throw unshared();
    }

    @Override
    public void postgresRestart() {
        throw unshared();
    }

    // The machine's servers belong to everyone on it.
    private static UnsupportedOperationException unshared() {
        return new UnsupportedOperationException("the local topology never stops the machine's shared Postgres or RabbitMQ");
    }

    @Override
    public void close() {
        // the database and virtual host stay for a look after the run; the next run makes them afresh
    }
}
