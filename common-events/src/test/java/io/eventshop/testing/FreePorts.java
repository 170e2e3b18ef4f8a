package io.eventshop.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A free port for a process the tests start. Not the kernel's pick ({@code new ServerSocket(0)}): that comes from the
 * ephemeral range (32768–60999 here), which every outgoing connection also draws from, so between the pick and the
 * service's bind a connection of another service could take it ("Unable to start the management interface ...
 * Address already in use", seen in the orders benchmark). So a random port below that range and above the fixed
 * ones the project's own fault tests use (OwnRabbitMq's distribution ports 25xxx, ChaosPostgres 26000–27000),
 * never the same one twice in this JVM.
 */
public final class FreePorts {

    private static final int LOWEST = 28_000;
    private static final int HIGHEST = 32_000;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    public static int pick() {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, HIGHEST);
            if (!HANDED_OUT.contains(port) && free(port) && HANDED_OUT.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port between " + LOWEST + " and " + HIGHEST + " after 200 attempts");
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket(port)) {
            return socket.getLocalPort() == port;
        } catch (IOException taken) {
            return false;
        }
    }
}
