package io.xensim.net.bridge;

import io.xensim.net.frame.ChecksumOffload;
import io.xensim.net.frame.EthernetHeader;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.MacAddress;
import io.xensim.net.frame.Offload;
import io.xensim.net.frame.TcpSegmentation;
import io.xensim.net.protocol.NetifExtraInfo;
import io.xensim.xenbus.Decoded;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A learning Ethernet bridge in the backend domain, as dom0's Linux bridge {@code xenbr0} joins the {@code vifN.M}
 * interfaces that the {@code vif-bridge} hotplug script attaches to it (the vif's {@code bridge} key names it).
 *
 * <p>A frame {@link #receive received} from a port is forwarded by its destination address: to the one port where
 * that address was last seen as a source, if it was seen less than the ageing time ago; to every other port if
 * the address is unknown, broadcast or multicast (flooding); never back out of the port it came in by. A source
 * address is learnt (or moved) on every frame. The IEEE 802.1D reserved group addresses
 * {@code 01:80:c2:00:00:0X} (STP, LACP, pause) are never forwarded. Before a frame leaves by a port, a GSO frame
 * is segmented and a blank checksum completed unless the port's {@link PortOffloads} accept them.
 *
 * <p>Time is a parameter: {@code nowNs} on {@link #receive}, {@link #lookup} and {@link #doWork}; an entry last
 * refreshed at {@code t} is gone from {@code t + ageingTime} on, whether or not {@link #doWork} has swept it yet.
 * Removing a port forgets every address learnt on it.
 *
 * <p>Capture: a bridge tap ({@link #addTap}) sees every frame that enters the bridge from any port, once, as it
 * entered (a mirror of all ports; unlike {@code tcpdump -i xenbr0}, which on Linux sees only what is flooded or
 * addressed to dom0 itself); a port tap ({@link #addPortTap}) sees what crosses that port both ways, as
 * {@code tcpdump -i vifN.M} does.
 *
 * <p><b>Threading:</b> confined to the backend domain's executor ({@code Domain.executor()} of dom0 or of a
 * driver domain): ports, the forwarding database, counters and taps are plain fields touched by that one thread;
 * netback vifs and emulated NICs call {@link #receive} from it, and {@link BridgePort#transmit} runs on it.
 *
 * <p><b>Reference:</b> Linux 6.1 net/bridge: {@code br_handle_frame}/{@code br_handle_frame_finish} (drop an
 * invalid source address, learn, look up, flood), {@code br_fdb_update} (learn and move), {@code has_expired}
 * and {@code br_fdb_cleanup} (ageing; {@code BR_DEFAULT_AGEING_TIME} 300 s), {@code br_flood} and
 * {@code should_deliver} (not back to the ingress port), {@code del_nbp} → {@code br_fdb_delete_by_port}
 * (a removed port's entries go); net/core/dev.c {@code validate_xmit_skb} for segmentation and checksum
 * completion before a device that lacks the offload.
 */
public final class Bridge {
    /** The bridge a vif joins when its {@code bridge} key is absent (libxl's default). */
    public static final String DEFAULT_NAME = "xenbr0";
    /** {@code BR_DEFAULT_AGEING_TIME}: 300 s. */
    public static final long BR_DEFAULT_AGEING_TIME_NS = TimeUnit.SECONDS.toNanos(300);

    private static final Logger log = LoggerFactory.getLogger(Bridge.class);

    private final String name;
    private final long ageingTimeNs;
    private final Map<String, Port> ports = new LinkedHashMap<>();
    private final Map<MacAddress, FdbEntry> fdb = new HashMap<>();
    private final List<FrameTap> taps = new ArrayList<>();
    private long filtered;

    private static final class Port {
        final BridgePort device;
        final List<FrameTap> taps = new ArrayList<>();
        long rxPackets, rxBytes, rxDropped, txPackets, txBytes, txDropped;

        Port(BridgePort device) {
            this.device = device;
        }
    }

    private static final class FdbEntry {
        final Port port;
        long updatedNs;

        FdbEntry(Port port, long updatedNs) {
            this.port = port;
            this.updatedNs = updatedNs;
        }
    }

    /** A bridge with Linux's default ageing time. */
    public Bridge(String name) {
        this(name, BR_DEFAULT_AGEING_TIME_NS);
    }

    /** {@code ageingTimeNs} 0 keeps no address: every unicast frame is flooded (a hub). */
    public Bridge(String name, long ageingTimeNs) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("name: " + name + " (expected: a non-empty interface name)");
        }
        if (ageingTimeNs < 0) {
            throw new IllegalArgumentException("ageingTimeNs: " + ageingTimeNs + " (expected: >= 0)");
        }
        this.name = name;
        this.ageingTimeNs = ageingTimeNs;
    }

    public String name() {
        return name;
    }

    public long ageingTimeNs() {
        return ageingTimeNs;
    }

    /** Attaches {@code port} ({@code brctl addif}); its name must be new on this bridge. */
    public void addPort(BridgePort port) {
        if (ports.containsKey(port.name())) {
            throw new IllegalArgumentException("port: " + port.name() + " (expected: not already on " + name + ")");
        }
        ports.put(port.name(), new Port(port));
        log.debug("{}: port {} added", name, port.name());
    }

    /** Detaches the port named {@code portName} and forgets the addresses learnt on it; false if absent. */
    public boolean removePort(String portName) {
        Port port = ports.remove(portName);
        if (port == null) {
            return false;
        }
        fdb.values().removeIf(e -> e.port == port);
        log.debug("{}: port {} removed", name, portName);
        return true;
    }

    /** The names of the attached ports, in the order they were added. */
    public List<String> portNames() {
        return List.copyOf(ports.keySet());
    }

    /**
     * A frame that {@code ingress}'s device received from its guest: learn its source, then forward or flood it.
     * Returns how many frames were transmitted to other ports.
     */
    public int receive(BridgePort ingress, Frame frame, long nowNs) {
        Port in = ports.get(ingress.name());
        if (in == null || in.device != ingress) {
            throw new IllegalArgumentException("ingress: " + ingress.name() + " (expected: a port of " + name + ")");
        }
        for (FrameTap tap : taps) {
            tap.onFrame(frame);
        }
        for (FrameTap tap : in.taps) {
            tap.onFrame(frame);
        }
        if (frame.length() < EthernetHeader.LENGTH) {
            in.rxDropped++;
            return 0;
        }
        MacAddress src = EthernetHeader.source(frame.data());
        if (!src.isValidUnicast()) {   // br_handle_frame: !is_valid_ether_addr(h_source) -> drop
            in.rxDropped++;
            return 0;
        }
        in.rxPackets++;
        in.rxBytes += frame.length();
        // br_fdb_update: refresh a known address in place; learn it, or move it to this port
        FdbEntry known = fdb.get(src);
        if (known != null && known.port == in) {
            known.updatedNs = nowNs;
        } else {
            fdb.put(src, new FdbEntry(in, nowNs));
        }
        MacAddress dst = EthernetHeader.destination(frame.data());
        if (isLinkLocal(dst)) {   // is_link_local_ether_addr: 802.1D reserved, never forwarded
            filtered++;
            return 0;
        }
        if (!dst.isMulticast()) {
            FdbEntry entry = live(dst, nowNs);
            if (entry != null) {
                if (entry.port == in) {   // should_deliver: never back out of the ingress port
                    filtered++;
                    return 0;
                }
                return transmit(entry.port, frame, new Egress(frame));
            }
        }
        int sent = 0;   // br_flood: unknown unicast, broadcast and multicast go to every other port
        var egress = new Egress(frame);
        for (Port out : ports.values()) {
            if (out != in) {
                sent += transmit(out, frame, egress);
            }
        }
        return sent;
    }

    /** Where frames to {@code mac} would go now ({@code brctl showmacs}), if the address is known and fresh. */
    public Optional<String> lookup(MacAddress mac, long nowNs) {
        FdbEntry entry = live(mac, nowNs);
        return entry == null ? Optional.empty() : Optional.of(entry.port.device.name());
    }

    /** The forwarding database as it is at {@code nowNs}: address to port name, fresh entries only. */
    public Map<MacAddress, String> fdb(long nowNs) {
        var out = new HashMap<MacAddress, String>();
        fdb.forEach((mac, e) -> {
            if (!expired(e, nowNs)) {
                out.put(mac, e.port.device.name());
            }
        });
        return Collections.unmodifiableMap(out);
    }

    /** {@code br_fdb_cleanup}: sweeps out the entries expired at {@code nowNs}; returns how many went. */
    public int doWork(long nowNs) {
        int before = fdb.size();
        fdb.values().removeIf(e -> expired(e, nowNs));
        return before - fdb.size();
    }

    /** The counters of the port named {@code portName}. */
    public PortCounters counters(String portName) {
        Port p = port(portName);
        return new PortCounters(p.rxPackets, p.rxBytes, p.rxDropped, p.txPackets, p.txBytes, p.txDropped);
    }

    /** Frames not forwarded by design: addressed back to their ingress port, or to an 802.1D reserved group. */
    public long filtered() {
        return filtered;
    }

    /** Watches every frame entering the bridge from any port. */
    public void addTap(FrameTap tap) {
        taps.add(tap);
    }

    public boolean removeTap(FrameTap tap) {
        return taps.remove(tap);
    }

    /** Watches the frames crossing the port named {@code portName}, both ways. */
    public void addPortTap(String portName, FrameTap tap) {
        port(portName).taps.add(tap);
    }

    public boolean removePortTap(String portName, FrameTap tap) {
        return port(portName).taps.remove(tap);
    }

    private Port port(String portName) {
        Port p = ports.get(portName);
        if (p == null) {
            throw new IllegalArgumentException("port: " + portName + " (expected: one of " + ports.keySet() + ")");
        }
        return p;
    }

    private FdbEntry live(MacAddress mac, long nowNs) {
        FdbEntry e = fdb.get(mac);
        return e == null || expired(e, nowNs) ? null : e;
    }

    // has_expired: time_before_eq(updated + hold_time, now)
    private boolean expired(FdbEntry e, long nowNs) {
        return nowNs - e.updatedNs >= ageingTimeNs;
    }

    private static boolean isLinkLocal(MacAddress mac) {
        return (mac.bits() & ~0xfL) == 0x0180_c200_0000L;
    }

    private int transmit(Port out, Frame frame, Egress egress) {
        PortOffloads offloads = out.device.offloads();
        Optional<List<Frame>> frames = egress.forPort(offloads);
        if (frames.isEmpty()) {
            out.txDropped++;
            return 0;
        }
        int sent = 0;
        for (Frame f : frames.get()) {
            for (FrameTap tap : out.taps) {
                tap.onFrame(f);
            }
            if (out.device.transmit(f)) {
                out.txPackets++;
                out.txBytes += f.length();
                sent++;
            } else {
                out.txDropped++;
            }
        }
        return sent;
    }

    /**
     * One frame's forms on the way out, each made at most once per frame however many ports need it: as it is,
     * segmented ({@code skb_gso_segment}), or with its checksum completed ({@code skb_checksum_help}).
     */
    private final class Egress {
        private final Frame frame;
        private Decoded<List<Frame>> segmented;
        private Decoded<Frame> completed;

        Egress(Frame frame) {
            this.frame = frame;
        }

        Optional<List<Frame>> forPort(PortOffloads offloads) {
            Offload o = frame.offload();
            if (o.isGso()) {
                boolean accepted = offloads.checksumPartial()
                        && (o.gsoType() == NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV4 ? offloads.gsoTcpv4()
                        : offloads.gsoTcpv6());
                if (accepted) {
                    return Optional.of(List.of(frame));
                }
                if (segmented == null) {
                    segmented = TcpSegmentation.segment(frame);
                    if (segmented instanceof Decoded.Malformed<List<Frame>>(var reason)) {
                        log.warn("{}: cannot segment a {}-byte GSO frame: {}", name, frame.length(), reason);
                    }
                }
                return segmented instanceof Decoded.Ok<List<Frame>>(var segs) ? Optional.of(segs) : Optional.empty();
            }
            if (o.checksum() == Offload.Checksum.PARTIAL && !offloads.checksumPartial()) {
                if (completed == null) {
                    completed = ChecksumOffload.complete(frame);
                    if (completed instanceof Decoded.Malformed<Frame>(var reason)) {
                        log.warn("{}: cannot complete the checksum of a {}-byte frame: {}", name, frame.length(),
                                reason);
                    }
                }
                return completed instanceof Decoded.Ok<Frame>(var f) ? Optional.of(List.of(f)) : Optional.empty();
            }
            return Optional.of(List.of(frame));
        }
    }
}
