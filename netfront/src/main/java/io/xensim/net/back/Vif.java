package io.xensim.net.back;

import io.xensim.net.bridge.Bridge;
import io.xensim.net.bridge.BridgePort;
import io.xensim.net.bridge.PortOffloads;
import io.xensim.net.frame.Frame;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Dom0's network interface for one guest NIC ({@code vif<domid>.<devid>}): the port netback attaches to the bridge
 * the vif-bridge hotplug step names. Frames the bridge transmits go to one of the device's queues (its rx path,
 * toward the guest); what the guest sends comes out of the tx paths into {@link #bridge()}. It has a carrier, on
 * while the device is connected, and a {@link #disabled} flag that a fatal protocol error from the frontend sets
 * for good: the carrier stays off, across frontend reconnects, until the backend device is re-created.
 *
 * <p><b>Threading:</b> confined to the backend domain's executor (the bridge's thread).
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/net/xen-netback/interface.c ({@code xenvif_alloc}, {@code
 * xenvif_start_xmit}, {@code xenvif_select_queue}, {@code xenvif_carrier_on}/{@code _off}) and netback.c
 * ({@code xenvif_fatal_tx_err}: {@code vif->disabled = true}).
 */
public final class Vif implements BridgePort {
    private final String name;
    private final int frontendDomid;
    private final int devid;
    private Bridge bridge;
    private List<NetbackQueue> queues = List.of();
    private PortOffloads offloads = PortOffloads.NONE;
    private boolean sg;
    private boolean carrier;
    private boolean disabled;
    private String disabledReason;
    private long txDroppedNoCarrier;
    private long txDropped;
    private final VifMcastFilter mcast = new VifMcastFilter();
    private long qdiscDropped;

    Vif(int frontendDomid, int devid) {
        this.frontendDomid = frontendDomid;
        this.devid = devid;
        this.name = "vif" + frontendDomid + "." + devid;
    }

    @Override
    public String name() {
        return name;
    }

    public int frontendDomid() {
        return frontendDomid;
    }

    public int devid() {
        return devid;
    }

    @Override
    public PortOffloads offloads() {
        return offloads;
    }

    /** The bridge the hotplug step attached this vif to. */
    public Optional<Bridge> bridge() {
        return Optional.ofNullable(bridge);
    }

    /** vif-bridge online: {@code brctl addif}. */
    void attach(Bridge to) {
        detach();
        to.removePort(name); // a vif of an earlier backend device of the same name
        to.addPort(this);
        bridge = to;
    }

    /** vif-bridge offline: {@code brctl delif}. */
    void detach() {
        if (bridge != null) {
            bridge.removePort(name);
            bridge = null;
        }
    }

    public boolean carrierOk() {
        return carrier;
    }

    /** True once the frontend broke the protocol fatally: the vif carries nothing until it is re-created. */
    public boolean disabled() {
        return disabled;
    }

    /** Why the vif was disabled ({@link #disabled}), as netback logs it. */
    public Optional<String> disabledReason() {
        return Optional.ofNullable(disabledReason);
    }

    /** Frames the bridge handed over while the carrier was off. */
    public long txDroppedNoCarrier() {
        return txDroppedNoCarrier;
    }

    /**
     * {@code dev->stats.tx_dropped}: frames {@code xenvif_start_xmit} dropped because the guest's rx queue was
     * full (see {@link NetdevTxQueue}) or the multicast filter refused them ({@link #mcast}), over the life of
     * this vif.
     */
    public long txDropped() {
        return txDropped;
    }

    /** Frames the vif's qdiscs dropped: past {@code txqueuelen} while a queue was stopped, or held at a disconnect. */
    public long qdiscDropped() {
        return qdiscDropped;
    }

    /** The multicast filter the frontend controls ({@code feature-multicast-control}). */
    public VifMcastFilter mcast() {
        return mcast;
    }

    void countTxDropped() {
        txDropped++;
    }

    void countQdiscDropped(int frames) {
        qdiscDropped += frames;
    }

    public List<NetbackQueue> queues() {
        return queues;
    }

    /** {@code connect()}'s end: the queues run and the carrier is on, unless the vif is disabled. */
    void connect(List<NetbackQueue> connected, VifFlags flags) {
        queues = List.copyOf(connected);
        sg = flags.sg();
        // xenvif_fix_features: GSO needs SG; checksum offload as the frontend negotiated it.
        offloads = new PortOffloads(flags.ipCsum(), flags.sg() && flags.gsoTcpv4(), flags.sg() && flags.gsoTcpv6());
        carrier = !disabled;
    }

    void disconnect() {
        carrier = false;
        queues = List.of();
        // xenvif_disconnect_data -> xenvif_mcast_addr_list_free; the watch that set multicast_control is gone too.
        mcast.clear();
        mcast.setEnabled(false);
    }

    /** {@code xenvif_fatal_tx_err}, then {@code xenvif_carrier_off}: for good. */
    void disable(String reason) {
        if (!disabled) {
            disabled = true;
            disabledReason = reason;
        }
        carrier = false;
    }

    boolean sg() {
        return sg;
    }

    /**
     * {@code dev_queue_xmit}: the frame goes to the netdev queue {@link #selectQueue} picks (its qdisc, then
     * {@code xenvif_start_xmit} into that queue's rx path), or is dropped if the carrier is off.
     */
    @Override
    public boolean transmit(Frame frame) {
        Objects.requireNonNull(frame, "frame");
        if (!carrier || queues.isEmpty()) {
            txDroppedNoCarrier++;
            return false;
        }
        return queues.get(selectQueue(frame)).netdev().xmit(frame);
    }

    /**
     * {@code xenvif_select_queue} with the default {@code skb_get_hash}: a hash of the addresses, so that one flow
     * stays on one queue. xensim hashes the first 38 bytes (Ethernet and IPv4 addresses).
     */
    int selectQueue(Frame frame) {
        if (queues.size() == 1) {
            return 0;
        }
        var data = frame.data();
        int h = 0;
        long n = Math.min(data.byteSize(), 38);
        for (long i = 0; i < n; i++) {
            h = 31 * h + data.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i);
        }
        return Math.floorMod(h, queues.size());
    }

    @Override
    public String toString() {
        return name + (carrier ? " carrier" : " no-carrier") + (disabled ? " disabled (" + disabledReason + ")" : "");
    }
}
