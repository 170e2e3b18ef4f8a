package io.eventshop.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion with a deadline; fails with its output when it fails. */
final class Processes {

    private Processes() {
    }

    static void run(List<String> command, Map<String, String> environment, Duration timeout) throws IOException, InterruptedException {
        // Output to a file, not a pipe: a chatty command cannot stall on a full pipe buffer.
        Path output = Files.createTempFile("eventshop-process", ".log");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
            builder.environment().putAll(environment);
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within " + timeout);
            }
            if (process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed with " + process.exitValue() + ": "
                        + Files.readString(output, StandardCharsets.UTF_8));
            }
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
