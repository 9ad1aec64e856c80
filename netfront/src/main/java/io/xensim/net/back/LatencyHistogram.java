package io.xensim.net.back;

import java.util.Arrays;

/**
 * Per-packet latency in power-of-two buckets of microseconds: bucket 0 holds latencies under 1 µs, bucket
 * {@code i > 0} those in {@code [2^(i-1), 2^i)} µs, the last everything longer.
 *
 * <p><b>Threading:</b> confined to the thread that records (the backend domain's executor); {@link #counts()} is a
 * copy.
 */
public final class LatencyHistogram {
    public static final int BUCKETS = 24;
    private final long[] counts = new long[BUCKETS];
    private long total;
    private long sumNs;
    private long maxNs;

    void record(long latencyNs) {
        long us = Math.max(0, latencyNs) / 1000;
        int bucket = us == 0 ? 0 : Math.min(BUCKETS - 1, 64 - Long.numberOfLeadingZeros(us));
        counts[bucket]++;
        total++;
        sumNs += Math.max(0, latencyNs);
        maxNs = Math.max(maxNs, latencyNs);
    }

    public long[] counts() {
        return counts.clone();
    }

    public long total() {
        return total;
    }

    public long maxNs() {
        return maxNs;
    }

    public double meanNs() {
        return total == 0 ? 0 : (double) sumNs / total;
    }

    /** The lower edge, in µs, of bucket {@code i}. */
    public static long bucketFloorMicros(int i) {
        return i == 0 ? 0 : 1L << (i - 1);
    }

    @Override
    public String toString() {
        return "LatencyHistogram[n=" + total + " mean=" + (long) meanNs() + "ns max=" + maxNs + "ns "
                + Arrays.toString(counts) + "]";
    }
}
