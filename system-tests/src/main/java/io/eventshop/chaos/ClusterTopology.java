package io.eventshop.chaos;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Production's shape on this machine, as deploy/chaos/topology starts it: a 3-node RabbitMQ cluster, a Postgres
 * primary with a synchronous standby behind HAProxy's stable address, and HAProxy in front of each service's two
 * replicas. Its addresses come from {@code topology.env}; its faults are deploy/chaos/fault's.
 */
final class ClusterTopology implements Topology {

    private static final List<String> SHORT_NAMES = List.of("ORDER", "INVENTORY", "ANALYTICS");
    private static final Duration LEADER_QUERY_WITHIN = Duration.ofSeconds(90);
    private static final Duration ASYNC_STANDBY_BEHIND = Duration.ofSeconds(5);

    private final Path root;
    private final Properties env;
    private final boolean asyncStandby;

    private ClusterTopology(Path root, Properties env, boolean asyncStandby) {
        this.root = root;
        this.env = env;
        this.asyncStandby = asyncStandby;
    }

    /**
     * Starts the topology afresh (about a minute) and reads its addresses. With {@code asyncStandby} the primary
     * stops waiting for its standby (synchronous_standby_names emptied by ALTER SYSTEM, which overrides the
     * topology's setting): commits are acknowledged before the standby has them, as the suite must be able to notice.
     */
    static ClusterTopology start(Path root, boolean asyncStandby) throws IOException, InterruptedException {
        Path file = Path.of(System.getenv().getOrDefault("EVENTSHOP_CHAOS_DIR", "/tmp/eventshop-chaos"), "topology.env");
        // `topology up` replaces a running topology: on a shared machine that may be someone else's, so refuse.
        if (Files.exists(file)) {
            throw new IOException("a chaos topology is up already (" + file + ", on the ports it names): stop it with"
                    + " deploy/chaos/topology down if it is yours, or wait until its owner has");
        }
        run(root, Map.of(), Duration.ofMinutes(5), "deploy/chaos/topology", "up");
        Properties env = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            env.load(reader);
        }
        ClusterTopology topology = new ClusterTopology(root, env, asyncStandby);
        if (asyncStandby) {
            try (Connection db = DriverManager.getConnection(topology.jdbcUrl(), topology.jdbcUser(), topology.jdbcPassword());
                 Statement sql = db.createStatement()) {
                sql.execute("alter system set synchronous_standby_names = ''");
                sql.execute("select pg_reload_conf()");
            } catch (SQLException e) {
                throw new IOException("could not make the standby asynchronous: " + e.getMessage(), e);
            }
        }
        return topology;
    }

    @Override
    public String name() {
        return "cluster (3 RabbitMQ nodes " + env.getProperty("RABBITMQ_ADDRESSES") + ", Postgres primary and "
                + (asyncStandby ? "ASYNCHRONOUS" : "synchronous") + " standby on "
                + env.getProperty("CHAOS_PG_NODE_PORTS") + " behind HAProxy at " + env.getProperty("EVENTSHOP_DB_PORT") + ")";
    }

    @Override
    public Map<String, String> serviceEnvironment() {
        return Map.of("EVENTSHOP_DB_HOST", env.getProperty("EVENTSHOP_DB_HOST"), "EVENTSHOP_DB_PORT", env.getProperty("EVENTSHOP_DB_PORT"),
                "EVENTSHOP_DB_NAME", env.getProperty("EVENTSHOP_DB_NAME"), "RABBITMQ_ADDRESSES", env.getProperty("RABBITMQ_ADDRESSES"),
                "RABBITMQ_VIRTUAL_HOST", env.getProperty("RABBITMQ_VIRTUAL_HOST"));
    }

    @Override
    public List<int[]> replicaPorts(String service) {
        String name = shortName(service);
        List<int[]> ports = new ArrayList<>();
        for (int r = 1; env.containsKey("CHAOS_" + name + r + "_PORT"); r++) {
            ports.add(new int[] {Integer.parseInt(env.getProperty("CHAOS_" + name + r + "_PORT")),
                    Integer.parseInt(env.getProperty("CHAOS_" + name + r + "_MANAGEMENT_PORT"))});
        }
        return ports;
    }

    @Override
    public String frontend(String service) {
        return env.getProperty("CHAOS_" + shortName(service) + "_URL");
    }

    @Override
    public String jdbcUrl() {
        return "jdbc:postgresql://" + env.getProperty("EVENTSHOP_DB_HOST") + ":" + env.getProperty("EVENTSHOP_DB_PORT") + "/"
                + env.getProperty("EVENTSHOP_DB_NAME") + "?connectTimeout=5&socketTimeout=60";
    }

    @Override
    public String jdbcUser() {
        return "postgres";
    }

    @Override
    public String jdbcPassword() {
        return "";
    }

    @Override
    public String amqpUri() {
        String first = env.getProperty("RABBITMQ_ADDRESSES").split(",")[0];
        String vhost = env.getProperty("RABBITMQ_VIRTUAL_HOST");
        return "amqp://guest:guest@" + first + "/" + ("/".equals(vhost) ? "%2F" : vhost);
    }

    @Override
    public List<FaultKind> infrastructureFaults() {
        return List.of(FaultKind.BROKER_NODE_KILL, FaultKind.BROKER_DOWN, FaultKind.POSTGRES_FAILOVER, FaultKind.POSTGRES_RESTART);
    }

    @Override
    public int brokerNodes() {
        return env.getProperty("CHAOS_RABBIT_NODES").split(",").length;
    }

    /**
     * The node that leads most of the quorum queues, asked of each node in turn until one answers. A loaded machine
     * makes the CLI slow and a node just restarted may not answer yet: the nodes are asked again for a while, and what
     * each said is in the failure.
     */
    @Override
    public int quorumLeaderNode() throws IOException, InterruptedException {
        List<String> nodes = Arrays.asList(env.getProperty("CHAOS_RABBIT_NODES").split(","));
        Path ctl = Path.of(env.getProperty("EVENTSHOP_CHAOS_DIR"), "rabbit/bin/rabbitmqctl");
        Map<String, String> failures = new LinkedHashMap<>();
        long deadline = System.nanoTime() + LEADER_QUERY_WITHIN.toNanos();
        do {
            for (String node : nodes) {
                try {
                    String out = output(root, List.of(ctl.toString(), "-q", "-n", node, "list_queues", "-p",
                            env.getProperty("RABBITMQ_VIRTUAL_HOST"), "--no-table-headers", "type", "leader"), Duration.ofSeconds(30));
                    Map<String, Integer> leaders = new HashMap<>();
                    for (String line : out.split("\n")) {
                        String[] fields = line.trim().split("\\s+");
                        if (fields.length == 2 && fields[0].equals("quorum")) {
                            leaders.merge(fields[1], 1, Integer::sum);
                        }
                    }
                    String leader = leaders.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(node);
                    return nodes.indexOf(leader) + 1;
                } catch (IOException notThisOne) {
                    failures.put(node, notThisOne.getMessage().strip()); // that node is down or slow: ask the next
                }
            }
            Thread.sleep(2_000);
        } while (System.nanoTime() < deadline);
        throw new IOException("no RabbitMQ node answered list_queues within " + LEADER_QUERY_WITHIN.toSeconds() + " s: " + failures);
    }

    @Override
    public void killBrokerNode(int node) throws IOException, InterruptedException {
        fault("rabbit-kill", Integer.toString(node));
    }

    @Override
    public void startBrokerNode(int node) throws IOException, InterruptedException {
        fault("rabbit-start", Integer.toString(node));
    }

    @Override
    public void brokerDown() throws IOException, InterruptedException {
        fault("broker-down");
    }

    @Override
    public void brokerUp() throws IOException, InterruptedException {
        fault("broker-up");
    }

    @Override
    public void postgresFailover() throws IOException, InterruptedException {
        if (asyncStandby) {
            // An asynchronous standby loses only what it had not received: on loopback it is rarely behind, so it is
            // held back as a slow link would, while the load goes on.
            fault("pg-failover", "--standby-behind", Long.toString(ASYNC_STANDBY_BEHIND.toSeconds()));
        } else {
            fault("pg-failover");
        }
    }

    @Override
    public void postgresRestart() throws IOException, InterruptedException {
        fault("pg-restart");
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run(root, Map.of(), Duration.ofMinutes(2), "deploy/chaos/topology", "down");
    }

    private void fault(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("deploy/chaos/fault"));
        command.addAll(List.of(arguments));
        run(root, Map.of(), Duration.ofMinutes(3), command.toArray(String[]::new));
    }

    private static String shortName(String service) {
        return SHORT_NAMES.stream().filter(name -> service.toUpperCase().startsWith(name)).findFirst().orElseThrow();
    }

    private static void run(Path root, Map<String, String> environment, Duration timeout, String... command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).inheritIO();
        builder.command().set(0, root.resolve(command[0]).toString());
        builder.environment().putAll(environment);
        Process process = builder.start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish within " + timeout);
        }
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed with " + process.exitValue());
        }
    }

    private static String output(Path root, List<String> command, Duration timeout) throws IOException, InterruptedException {
        Path out = Files.createTempFile("chaos-ctl", ".out");
        try {
            Process process = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within " + timeout);
            }
            String text = Files.readString(out);
            if (process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + text);
            }
            return text;
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
