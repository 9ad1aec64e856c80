package io.xensim.testbed.bench;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The short benchmark set {@code xensim bench --quick} runs: for each benchmark class, its key cases (one JMH
 * method with fixed {@code @Param} values each) and which case is the in-run baseline of which, with the target
 * docs/PERFORMANCE.md states for that pair where there is one. This is the one place the pairing is declared; the
 * command's runner and table only read it.
 *
 * <p>Every ratio is case ÷ baseline of the same metric. A target is a bound on that ratio: {@code ≥} where higher
 * is better (throughput), {@code ≤} where lower is (exits per packet).
 *
 * <p><b>Threading:</b> immutable values, built once.
 */
public final class QuickSet {
    private QuickSet() {
    }

    /**
     * What a case's number is: JMH's primary score, one of its {@code @AuxCounters} (secondary results), or the
     * quotient of two counters (per packet, per operation).
     *
     * @param counter  the secondary result's name, or empty for the primary score
     * @param per      the divisor's counter name, or empty
     * @param unit     the unit to print, or empty for JMH's own
     */
    public record Metric(Optional<String> counter, Optional<String> per, Optional<String> unit) {
        public static final Metric SCORE = new Metric(Optional.empty(), Optional.empty(), Optional.empty());

        public static Metric counter(String name, String unit) {
            return new Metric(Optional.of(name), Optional.empty(), Optional.of(unit));
        }

        public static Metric quotient(String name, String per, String unit) {
            return new Metric(Optional.of(name), Optional.of(per), Optional.of(unit));
        }
    }

    /**
     * One JMH run: {@code method} of {@code benchmark} with these {@code @Param} values.
     *
     * @param id  the case's name in the table and the JSON (unique within its group)
     */
    public record Case(String id, Class<?> benchmark, String method, Map<String, String> params, Metric metric) {
        public Case {
            params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        }

        /** The JMH include regex that selects exactly this method. */
        public String include() {
            return "^" + Pattern.quote(benchmark.getName() + "." + method) + "$";
        }
    }

    /** A bound on a ratio, from docs/PERFORMANCE.md. */
    public record Target(boolean atLeast, double bound) {
        public static Target atLeast(double bound) {
            return new Target(true, bound);
        }

        public static Target atMost(double bound) {
            return new Target(false, bound);
        }

        public boolean met(double ratio) {
            return atLeast ? ratio >= bound : ratio <= bound;
        }

        @Override
        public String toString() {
            return (atLeast ? "≥ " : "≤ ") + bound + "x";
        }
    }

    /** {@code caseId}'s metric divided by {@code baselineId}'s, against {@code target} if the docs give one. */
    public record Ratio(String caseId, String baselineId, Optional<Target> target) {
    }

    /** One benchmark class's quick cases; {@code name} is what {@code bench --quick NAME} selects. */
    public record Group(String name, List<Case> cases, List<Ratio> ratios) {
        public Group {
            cases = List.copyOf(cases);
            ratios = List.copyOf(ratios);
            for (Ratio r : ratios) {
                find(cases, r.caseId());
                find(cases, r.baselineId());
            }
        }

        public Case get(String id) {
            return find(cases, id);
        }

        private static Case find(List<Case> cases, String id) {
            return cases.stream().filter(c -> c.id().equals(id)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("case: " + id + " (expected one of " + cases
                            + ")"));
        }
    }

    private static final List<Group> GROUPS = List.of(
            // Shared rings: round trips per µs; target "Xen ring ≥ 1.0x the JCTools pair".
            new Group("RingThroughput",
                    List.of(ring("xenRing"), ring("jctoolsSpscPair"), ring("agronaOneToOnePair")),
                    List.of(new Ratio("xenRing", "jctoolsSpscPair", Optional.of(Target.atLeast(1.0))),
                            new Ratio("xenRing", "agronaOneToOnePair", Optional.empty()))),
            // xenstore over its socket, one connection: messages/s; target "at least 0.5 of the echo server".
            new Group("XenstoreSocket",
                    List.of(xs("socketRead"), xs("socketWrite"), xs("echoBaseline")),
                    List.of(new Ratio("socketRead", "echoBaseline", Optional.of(Target.atLeast(0.5))),
                            new Ratio("socketWrite", "echoBaseline", Optional.of(Target.atLeast(0.5))))),
            // netif: 1500-byte frames, 1 queue, immediate tx, INVOKER; target "≥ 0.5x the baseline's bytes/s".
            new Group("NetifPair",
                    List.of(new Case("guestToGuest-1500", NetifPairBenchmark.class, "guestToGuest",
                                    params("size", "1500", "queues", "1", "txPolicy", "immediate",
                                            "threading", "INVOKER"),
                                    Metric.counter("bytes", "bytes/s")),
                            new Case("copyBaseline-1500", NetifPairBenchmark.class, "copyBaseline",
                                    params("size", "1500"), Metric.counter("bytes", "bytes/s"))),
                    List.of(new Ratio("guestToGuest-1500", "copyBaseline-1500",
                            Optional.of(Target.atLeast(0.5))))),
            // blkif, persistent grants and indirect descriptors: bytes/s; targets 0.7x (4 KiB QD32), 0.8x (1 MiB).
            new Group("BlkifPair",
                    List.of(blkif("blkif", "randread-4k-qd32"), blkif("fileChannelBaseline", "randread-4k-qd32"),
                            blkif("blkif", "seqread-1m-qd1"), blkif("fileChannelBaseline", "seqread-1m-qd1")),
                    List.of(new Ratio("blkif-randread-4k-qd32", "fileChannelBaseline-randread-4k-qd32",
                                    Optional.of(Target.atLeast(0.7))),
                            new Ratio("blkif-seqread-1m-qd1", "fileChannelBaseline-seqread-1m-qd1",
                                    Optional.of(Target.atLeast(0.8))))),
            // PV versus emulated: the guest's exits per packet / per 4 KiB; target "at least 20x fewer" for frames.
            new Group("PvVersusEmulated",
                    List.of(pv("frames", "nic", "netfront", "packets"), pv("frames", "nic", "rtl8139", "packets"),
                            pv("disk4k", "disk", "blkfront", "ops"), pv("disk4k", "disk", "ide", "ops")),
                    List.of(new Ratio("frames-netfront", "frames-rtl8139", Optional.of(Target.atMost(0.05))),
                            new Ratio("disk4k-blkfront", "disk4k-ide", Optional.empty()))));

    /** The group names, for help texts (an annotation needs a constant); checked against the list below. */
    public static final String NAMES = "RingThroughput, XenstoreSocket, NetifPair, BlkifPair, PvVersusEmulated";

    static {
        String names = String.join(", ", GROUPS.stream().map(Group::name).toList());
        if (!names.equals(NAMES)) {
            throw new AssertionError("QuickSet.NAMES: " + NAMES + " (expected: " + names + ")");
        }
    }

    /** Every group, in the order {@code --quick} runs them. */
    public static List<Group> groups() {
        return GROUPS;
    }

    private static Map<String, String> params(String... namesAndValues) {
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            params.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return params;
    }

    private static Case ring(String method) {
        return new Case(method, RingThroughputBenchmark.class, method, Map.of(), Metric.SCORE);
    }

    private static Case xs(String method) {
        return new Case(method, XenstoreSocketBenchmark.class, method, Map.of(), Metric.SCORE);
    }

    private static Case blkif(String method, String workload) {
        Map<String, String> params = method.equals("blkif")
                ? params("workload", workload, "persistent", "true", "indirect", "true")
                : params("workload", workload);
        return new Case(method + "-" + workload, BlkifPairBenchmark.class, method, params,
                Metric.counter("bytes", "bytes/s"));
    }

    private static Case pv(String method, String param, String device, String per) {
        Map<String, String> params = method.equals("frames")
                ? params(param, device, "burst", "64")
                : params(param, device, "op", "randread", "pioBits", "16");
        return new Case(method + "-" + device, PvVersusEmulatedBenchmark.class, method, params,
                Metric.quotient("exits", per, "exits/" + (per.equals("packets") ? "packet" : "op")));
    }
}
