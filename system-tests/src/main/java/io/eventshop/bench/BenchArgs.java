package io.eventshop.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A benchmark's command line after {@code deploy/local/bench <name>}, which passes it as the system property
 * {@code bench.args}: positional words and {@code --flag} or {@code --option value} pairs.
 */
final class BenchArgs {

    private final List<String> positional = new ArrayList<>();
    private final Map<String, String> options = new TreeMap<>();

    private BenchArgs(String line, List<String> flags, List<String> valued) {
        List<String> words = new ArrayList<>(Arrays.asList(line.strip().split("\\s+")));
        words.removeIf(String::isEmpty);
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            if (flags.contains(word)) {
                options.put(word, "true");
            } else if (valued.contains(word) && i + 1 < words.size()) {
                options.put(word, words.get(++i));
            } else if (word.startsWith("--")) {
                throw new IllegalArgumentException("unknown option " + word + "; this benchmark takes " + String.join(", ", flags)
                        + (valued.isEmpty() ? "" : ", " + String.join(" <value>, ", valued) + " <value>"));
            } else {
                positional.add(word);
            }
        }
    }

    static BenchArgs parse(List<String> flags, List<String> valued) {
        return new BenchArgs(System.getProperty("bench.args", ""), flags, valued);
    }

    /** The size of the generated store: the first positional word, or {@code fallback}. */
    StoreSize size(String fallback) {
        return StoreSize.parse(positional.isEmpty() ? fallback : positional.getFirst());
    }

    boolean flag(String name) {
        return options.containsKey(name);
    }

    String text(String name, String fallback) {
        return options.getOrDefault(name, fallback);
    }

    double number(String name, double fallback) {
        return options.containsKey(name) ? Double.parseDouble(options.get(name)) : fallback;
    }

    /** The machine's load average over the last minute, from /proc (Linux): benchmarks print it beside their figures. */
    static String load() {
        try {
            String[] loadavg = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return "load average " + loadavg[0] + " / " + loadavg[1] + " / " + loadavg[2] + " (1/5/15 min)";
        } catch (IOException e) {
            return "load average unknown";
        }
    }
}
