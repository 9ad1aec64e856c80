package io.xensim.hvm.rtl8139;

/**
 * What the emulated card did with frames, for tests and the benchmark (the device model's view; the guest's own
 * interface counters are the driver's).
 *
 * <p><b>Threading:</b> written by the device model's thread only; read there (or after it is quiescent).
 */
public final class Rtl8139Counters {
    long txFrames;
    long txBytes;
    long txAborted;
    long rxFrames;
    long rxBytes;
    long rxFiltered;
    long rxOverflows;
    long rxReceiverOff;

    /** Frames read from a descriptor and put on the wire (or looped back). */
    public long txFrames() {
        return txFrames;
    }

    public long txBytes() {
        return txBytes;
    }

    /** Descriptors aborted because their buffer was not guest RAM. */
    public long txAborted() {
        return txAborted;
    }

    /** Frames written into the receive ring. */
    public long rxFrames() {
        return rxFrames;
    }

    public long rxBytes() {
        return rxBytes;
    }

    /** Frames refused by RCR's address filter. */
    public long rxFiltered() {
        return rxFiltered;
    }

    /** Frames dropped for lack of ring space (each also counts in MPC). */
    public long rxOverflows() {
        return rxOverflows;
    }

    /** Frames dropped because the receiver was off. */
    public long rxReceiverOff() {
        return rxReceiverOff;
    }

    @Override
    public String toString() {
        return "Rtl8139Counters[tx " + txFrames + " (" + txAborted + " aborted), rx " + rxFrames + ", filtered "
                + rxFiltered + ", overflow " + rxOverflows + ", receiver off " + rxReceiverOff + "]";
    }
}
