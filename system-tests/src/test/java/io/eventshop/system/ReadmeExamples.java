package io.eventshop.system;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The examples in the README and the docs (every {@code sh} block that signs a token with {@code deploy/local/token}
 * or runs {@code deploy/local/demo}), run by bash exactly as written against a {@link RunningShop}. Only the ports
 * change (the shop under test listens on free ports, not 8081–8083: the blocks' {@code localhost:808x} are rewritten,
 * and the scripts read the ports from the environment) and the token script signs with the test key.
 */
final class ReadmeExamples {

    private static final Pattern SH_BLOCK = Pattern.compile("```sh\\n(.*?)```", Pattern.DOTALL);
    private static final Map<String, String> PORTS = Map.of(
            "localhost:8081", "order-service", "localhost:8082", "inventory-service", "localhost:8083", "analytics-service");
    private static final Map<String, String> PORT_VARIABLES = Map.of(
            "ORDER_SERVICE_PORT", "order-service", "INVENTORY_SERVICE_PORT", "inventory-service",
            "ANALYTICS_SERVICE_PORT", "analytics-service");
    private static final int TIMEOUT_SECONDS = 60;

    private final Path root;

    ReadmeExamples(Path root) {
        this.root = root;
    }

    /** The runnable blocks of one markdown file of the repository ({@code README.md}, {@code docs/api.md}), in order. */
    List<String> blocks(String markdown) throws IOException {
        Matcher matcher = SH_BLOCK.matcher(Files.readString(root.resolve(markdown)));
        List<String> blocks = new ArrayList<>();
        while (matcher.find()) {
            if (matcher.group(1).contains("deploy/local/token") || matcher.group(1).contains("deploy/local/demo")) {
                blocks.add(matcher.group(1));
            }
        }
        return blocks;
    }

    record Run(int exitCode, String output) {
    }

    /**
     * Runs one block under {@code set -euo pipefail}; with {@code failOnHttpError} every curl also fails the
     * block on a 4xx/5xx answer ({@code --fail-with-body}), so an example that stopped working cannot pass.
     * A block still running after 60 s (a wait that never ends) fails the test.
     */
    Run run(String block, RunningShop shop, Path keyDir, boolean failOnHttpError) throws IOException, InterruptedException {
        String script = block;
        for (var port : PORTS.entrySet()) {
            script = script.replace(port.getKey(), shop.url(port.getValue()).replace("http://127.0.0.1", "localhost"));
        }
        String preamble = "set -euo pipefail\n" + (failOnHttpError ? "curl() { command curl --fail-with-body \"$@\"; }\n" : "");
        Path output = Files.createTempFile(keyDir, "example", ".out");
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", preamble + script).directory(root.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().put("EVENTSHOP_KEY_DIR", keyDir.toString());
        for (var variable : PORT_VARIABLES.entrySet()) {
            builder.environment().put(variable.getKey(), String.valueOf(URI.create(shop.url(variable.getValue())).getPort()));
        }
        Process process = builder.start();
        // Output goes to a file, not a pipe read here: reading a pipe would wait for a block that never ends.
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new IllegalStateException("an example did not finish within " + TIMEOUT_SECONDS + " s:\n" + block
                    + "\noutput:\n" + Files.readString(output, StandardCharsets.UTF_8));
        }
        return new Run(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }
}
