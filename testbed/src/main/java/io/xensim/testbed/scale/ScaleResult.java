package io.xensim.testbed.scale;

/**
 * What one scale run of {@code guests} guests measured.
 *
 * @param guests         the number of guests booted (domids 1..guests)
 * @param bootNanos      wall time from the first domain's creation until every guest's vif and vbd are Connected
 * @param heapBytes      heap used after GC with every guest connected, less the lower of the heap used before the
 *                       run and after its teardown
 * @param threads        live JVM threads with every guest connected, less those before the run began
 * @param dom0Ports      event-channel ports open in dom0 with every guest connected, less those before the guests
 * @param framesSent     frames the guests sent, one each, guest i to guest i+1 (the last to guest 1)
 * @param framesReceived frames that reached their neighbour's netfront, from the expected sender
 */
public record ScaleResult(int guests, long bootNanos, long heapBytes, int threads, int dom0Ports,
                          int framesSent,
                          int framesReceived) {
    /** The same result with {@code heapBytes} set. */
    public ScaleResult withHeap(long heapBytes) {
        return new ScaleResult(guests, bootNanos, heapBytes, threads, dom0Ports, framesSent, framesReceived);
    }

    public double bootMillisPerGuest() {
        return bootNanos / 1e6 / guests;
    }

    public double heapKibPerGuest() {
        return heapBytes / 1024.0 / guests;
    }

    public double dom0PortsPerGuest() {
        return (double) dom0Ports / guests;
    }

    public double threadsPerGuest() {
        return (double) threads / guests;
    }
}
