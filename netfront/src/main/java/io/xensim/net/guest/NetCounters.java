package io.xensim.net.guest;

/**
 * The interface counters a guest reads ({@code struct rtnl_link_stats64}: {@code rx_packets}, {@code rx_bytes},
 * {@code rx_errors}, {@code rx_dropped} and their tx twins). Errors are frames the other end got wrong (a bad
 * response, a bad checksum offload); dropped are frames this end gave up (a full queue, a link going down).
 *
 * <p><b>Threading:</b> confined to the guest domain's executor (the NIC counts there, the guest reads there).
 *
 * <p><b>Reference:</b> Linux include/uapi/linux/if_link.h; xen-netfront.c's {@code xennet_get_stats64}.
 */
public final class NetCounters {
    private long rxPackets;
    private long rxBytes;
    private long rxErrors;
    private long rxDropped;
    private long txPackets;
    private long txBytes;
    private long txErrors;
    private long txDropped;

    public long rxPackets() {
        return rxPackets;
    }

    public long rxBytes() {
        return rxBytes;
    }

    public long rxErrors() {
        return rxErrors;
    }

    public long rxDropped() {
        return rxDropped;
    }

    public long txPackets() {
        return txPackets;
    }

    public long txBytes() {
        return txBytes;
    }

    public long txErrors() {
        return txErrors;
    }

    public long txDropped() {
        return txDropped;
    }

    public void countRx(int bytes) {
        rxPackets++;
        rxBytes += bytes;
    }

    public void countRxError() {
        rxErrors++;
    }

    public void countRxDropped() {
        rxDropped++;
    }

    public void countTx(int bytes) {
        txPackets++;
        txBytes += bytes;
    }

    public void countTxError() {
        txErrors++;
    }

    public void countTxDropped(int frames) {
        txDropped += frames;
    }

    @Override
    public String toString() {
        return "NetCounters[rx " + rxPackets + " pkts " + rxBytes + " B, " + rxErrors + " err, " + rxDropped
                + " drop; tx " + txPackets + " pkts " + txBytes + " B, " + txErrors + " err, " + txDropped
                + " drop]";
    }
}
