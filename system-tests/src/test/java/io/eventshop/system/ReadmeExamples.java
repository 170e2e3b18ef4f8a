package io.eventshop.system;

import java.io.IOException;
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
 * The README's curl examples (every {@code sh} block that signs a token with {@code deploy/local/token}), run
 * by bash exactly as written against a {@link RunningShop}. Only the ports change (the shop under test listens
 * on free ports, not 8081–8083) and the token script signs with the test key.
 */
final class ReadmeExamples {

    private static final Pattern SH_BLOCK = Pattern.compile("```sh\\n(.*?)```", Pattern.DOTALL);
    private static final Map<String, String> PORTS = Map.of(
            "localhost:8081", "order-service", "localhost:8082", "inventory-service", "localhost:8083", "analytics-service");

    private final Path root;

    ReadmeExamples(Path root) {
        this.root = root;
    }

    List<String> blocks() throws IOException {
        Matcher matcher = SH_BLOCK.matcher(Files.readString(root.resolve("README.md")));
        List<String> blocks = new ArrayList<>();
        while (matcher.find()) {
            if (matcher.group(1).contains("deploy/local/token")) {
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
     */
    Run run(String block, RunningShop shop, Path keyDir, boolean failOnHttpError) throws IOException, InterruptedException {
        String script = block;
        for (var port : PORTS.entrySet()) {
            script = script.replace(port.getKey(), shop.url(port.getValue()).replace("http://127.0.0.1", "localhost"));
        }
        String preamble = "set -euo pipefail\n" + (failOnHttpError ? "curl() { command curl --fail-with-body \"$@\"; }\n" : "");
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", preamble + script).directory(root.toFile()).redirectErrorStream(true);
        builder.environment().put("EVENTSHOP_KEY_DIR", keyDir.toString());
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("a README example did not finish within 60 s:\n" + block);
        }
        return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }
}
