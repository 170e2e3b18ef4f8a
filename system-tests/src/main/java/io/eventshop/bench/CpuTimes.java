package io.eventshop.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU seconds spent so far (Linux /proc): by a process (user and system, its own threads) and by the whole machine
 * (every core's busy time), so that a phase's cost can be split per process and the rest (Postgres, RabbitMQ, the
 * kernel) told from the difference.
 */
final class CpuTimes {

    private static final double TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux architecture the JDK runs on
    /** What the machine spent beside the named processes: on this machine Postgres, RabbitMQ and the kernel. */
    static final String REST = "everything else (Postgres, RabbitMQ, the kernel)";

    /** CPU seconds of named processes and of the machine at one instant. */
    record Snapshot(Map<String, Double> processes, double machine, long nanos) {

        /** The CPU seconds each process, and the rest of the machine, spent since {@code earlier}. */
        Map<String, Double> since(Snapshot earlier) {
            Map<String, Double> spent = new LinkedHashMap<>();
            double named = 0;
            for (var process : processes.entrySet()) {
                double seconds = process.getValue() - earlier.processes.getOrDefault(process.getKey(), 0.0);
                spent.put(process.getKey(), seconds);
                named += seconds;
            }
            spent.put(REST, machine - earlier.machine - named);
            return spent;
        }

        double wallSecondsSince(Snapshot earlier) {
            return (nanos - earlier.nanos) / 1e9;
        }

        double machineSecondsSince(Snapshot earlier) {
            return machine - earlier.machine;
        }
    }

    private CpuTimes() {
    }

    static Snapshot take(Map<String, Long> pids) {
        Map<String, Double> processes = new LinkedHashMap<>();
        pids.forEach((name, pid) -> processes.put(name, process(pid)));
        return new Snapshot(processes, machine(), System.nanoTime());
    }

    /** utime + stime of /proc/<pid>/stat, in seconds; 0 once it ended. */
    static double process(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
        } catch (IOException gone) {
            return 0;
        }
    }

    /** Every core's busy time (user, nice, system, irq, softirq, steal) from /proc/stat, in seconds. */
    static double machine() {
        try {
            String[] cpu = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            long busy = 0;
            for (int field : new int[] {1, 2, 3, 6, 7, 8}) {
                busy += Long.parseLong(cpu[field]);
            }
            return busy / TICKS_PER_SECOND;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/stat: this benchmark needs Linux", e);
        }
    }
}
