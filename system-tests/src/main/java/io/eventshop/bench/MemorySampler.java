package io.eventshop.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process's resident set while something runs: {@code VmRSS} from /proc (Linux) every second, the peak kept.
 * The kernel's own high-water mark ({@code VmHWM}) covers the process's whole life, which for analytics-service
 * includes the view's first fill; this peak covers only the sampled phase.
 */
final class MemorySampler implements AutoCloseable {

    private final long pid;
    private final Thread thread;
    private volatile long peak;
    private volatile boolean running = true;

    private MemorySampler(long pid) {
        this.pid = pid;
        this.peak = rss(pid, "VmRSS:");
        thread = Thread.ofPlatform().daemon().name("memory-sampler").start(this::sample);
    }

    static MemorySampler start(long pid) {
        return new MemorySampler(pid);
    }

    private void sample() {
        while (running) {
            peak = Math.max(peak, rss(pid, "VmRSS:"));
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The peak resident set seen, in bytes. */
    long peak() {
        return Math.max(peak, rss(pid, "VmRSS:"));
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join();
    }

    /** A field of /proc/<pid>/status in bytes ({@code VmRSS:} now, {@code VmHWM:} the peak over the process's life); 0 once it ended. */
    static long rss(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException gone) {
            // the process ended
        }
        return 0;
    }
}
