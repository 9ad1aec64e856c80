package io.xensim.testbed.scenario;

import io.xensim.net.back.Netback;
import io.xensim.net.back.NetbackConfig;
import io.xensim.net.bridge.Bridge;
import io.xensim.net.bridge.Bridges;
import io.xensim.net.bridge.PortCounters;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.FrameBuilder;
import io.xensim.net.frame.IcmpHeader;
import io.xensim.net.frame.Ipv4Address;
import io.xensim.net.frame.MacAddress;
import io.xensim.net.front.NetfrontConfig;
import io.xensim.net.front.NetfrontDevice;
import io.xensim.net.front.NetfrontDrivers;
import io.xensim.net.guest.GuestNetInterface.SendResult;
import io.xensim.net.guest.GuestResponder;
import io.xensim.net.guest.NetCounters;
import io.xensim.net.pcap.PcapWriter;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ManualClock;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.bus.XenbusState;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import io.xensim.xenbus.toolstack.Toolstack;
import io.xensim.xenbus.toolstack.ToolstackConfig;
import io.xensim.xenbus.trace.TraceEvent;
import io.xensim.xenbus.trace.TraceRecorder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * {@code xensim demo --net}: Xen PV networking end to end. dom0 runs netback (installed in the toolstack with its
 * vif-bridge hotplug) and bridge {@code xenbr0}; two guests (domids 1 and 2) run the real netfront, and each gets
 * vif 0 added as libxl adds it ({@link DeviceConfig#vif}); guest 2 runs a {@link GuestResponder} at 10.0.0.2.
 * Guest 1 (10.0.0.1) resolves guest 2 with ARP, pings it {@link #PINGS} times and sends one UDP datagram. The
 * result holds the handshake trace, both vifs' xenstore directories as {@code xenstore-ls -p} prints them, the
 * counters and the bridge's forwarding database; optionally the bridge is captured to a pcap file.
 *
 * <p>Deterministic: INVOKER mode, and a manual clock that moves {@link EchoDemo#STEP_NANOS} for each task a domain
 * runs. The wiring is the paired netfront/netback tests' (netfront's {@code NetPair}).
 *
 * <p><b>Threading:</b> {@link #run()} runs everything on the calling thread.
 *
 * <p><b>Reference:</b> libxl_nic.c ({@code libxl__device_nic_add}) for the vif's keys, Linux 6.1
 * drivers/net/xen-netfront.c and xen-netback/xenbus.c for the handshake, RFC 826 and RFC 792 for ARP and ping.
 */
public final class NetDemo {
    public static final int PINGS = 3;
    public static final Ipv4Address IP1 = Ipv4Address.of("10.0.0.1");
    public static final Ipv4Address IP2 = Ipv4Address.of("10.0.0.2");
    public static final String BRIDGE = Bridge.DEFAULT_NAME;
    private static final int PING_ID = 0x7853;
    private static final int UDP_SOURCE_PORT = 40000;
    private static final int UDP_DEST_PORT = 5000;

    /** One vif's numbers: netfront's counters in the guest and the bridge port's in dom0. */
    public record VifCounters(int domid, String port, NetCounters front, PortCounters bridgePort) {
    }

    /**
     * What the demo did. {@code handshake} is the trace from the first vif's add until both are Connected;
     * {@code xenstore} maps each directory to its {@code xenstore-ls -p} lines.
     */
    public record Result(List<TraceEvent> handshake, Map<String, List<String>> xenstore, List<String> traffic,
                         List<VifCounters> counters, Map<MacAddress, String> fdb, long captured) {
    }

    private final Optional<Path> pcap;
    private final ManualClock clock = new ManualClock();
    private final TraceRecorder trace = new TraceRecorder();
    private Hypervisor hv;
    private DemoSteps steps;

    public NetDemo(Optional<Path> pcap) {
        this.pcap = pcap;
    }

    /** {@code 00:16:3e:00:00:<domid>}: the Xen OUI, as libxl's random MACs use. */
    public static MacAddress mac(int domid) {
        return MacAddress.of(macString(domid));
    }

    private static String macString(int domid) {
        return String.format("00:16:3e:00:00:%02x", domid);
    }

    public static String frontendDir(int domid) {
        return "/local/domain/" + domid + "/device/vif/0";
    }

    public static String backendDir(int domid) {
        return "/local/domain/0/backend/vif/" + domid + "/0";
    }

    public Result run() {
        try (var hypervisor = Hypervisor.builder().threadingMode(ThreadingMode.INVOKER).clock(clock).tracer(trace)
                .build()) {
            hv = hypervisor;
            steps = new DemoSteps(hypervisor, clock);
            var toolstack = Toolstack.start(hv, ToolstackConfig.defaults());
            var netback = new Netback(new Bridges(), NetbackConfig.defaults());
            steps.await(netback.install(toolstack));
            ManagedDomain guest1 = guest(toolstack, 1);
            ManagedDomain guest2 = guest(toolstack, 2);

            trace.clear(); // dom0's and the guests' setup is not part of the story
            addVif(toolstack, 1);
            addVif(toolstack, 2);
            steps.runUntil(() -> connected(guest1, 1) && connected(guest2, 2));
            if (!connected(guest1, 1) || !connected(guest2, 2)) {
                throw new IllegalStateException("the vifs did not connect");
            }
            steps.runUntil(() -> !hv.hasPendingWork());
            List<TraceEvent> handshake = trace.events();

            Map<String, List<String>> xenstore = new LinkedHashMap<>();
            for (int domid = 1; domid <= 2; domid++) {
                xenstore.put(frontendDir(domid), XenstoreLs.ls(toolstack, frontendDir(domid)));
                xenstore.put(backendDir(domid), XenstoreLs.ls(toolstack, backendDir(domid)));
            }

            Bridge bridge = netback.bridges().bridge(BRIDGE);
            PcapWriter capture = null;
            if (pcap.isPresent()) {
                capture = PcapWriter.create(pcap.get(), clock);
                PcapWriter tap = capture;
                steps.onDomain(toolstack.dom0(), () -> {
                    bridge.addTap(tap);
                    return null;
                });
            }

            List<String> traffic = traffic(guest1, guest2);
            var counters = new ArrayList<VifCounters>();
            for (ManagedDomain g : List.of(guest1, guest2)) {
                String port = "vif" + g.domid() + ".0";
                NetCounters nc = steps.onDomain(g, () -> front(g).counters());
                counters.add(new VifCounters(g.domid(), port, nc, steps.onDomain(toolstack.dom0(),
                        () -> bridge.counters(port))));
            }
            Map<MacAddress, String> fdb = new TreeMap<>(Comparator.comparing(MacAddress::toString));
            fdb.putAll(steps.onDomain(toolstack.dom0(), () -> bridge.fdb(clock.nanoTime())));
            long captured = 0;
            if (capture != null) {
                PcapWriter tap = capture;
                steps.onDomain(toolstack.dom0(), () -> bridge.removeTap(tap));
                capture.close();
                captured = capture.frames();
            }

            for (int domid = 1; domid <= 2; domid++) {
                steps.await(toolstack.removeDevice("vif", domid, 0));
            }
            steps.runUntil(() -> !hv.hasPendingWork());
            steps.await(toolstack.destroyDomain(1));
            steps.await(toolstack.destroyDomain(2));
            toolstack.close();
            hv.runUntilIdle();
            hv.assertCleanedUp();
            return new Result(handshake, xenstore, traffic, counters, fdb, captured);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** ARP, {@link #PINGS} echo requests, one UDP datagram; each line says what guest 1 got back. */
    private List<String> traffic(ManagedDomain guest1, ManagedDomain guest2) {
        List<Frame> back1 = new ArrayList<>();
        List<Frame> udp2 = new ArrayList<>();
        var responder = steps.onDomain(guest2, () -> GuestResponder.attach(front(guest2), IP2, udp2::add));
        steps.onDomain(guest1, () -> GuestResponder.attach(front(guest1), IP1, back1::add));
        List<String> lines = new ArrayList<>();

        send(guest1, FrameBuilder.arpRequest(mac(1), IP1, IP2));
        lines.add("d1 ARP who-has " + IP2 + " tell " + IP1 + ": " + (back1.size() == 1 && responder.arpReplies() == 1
                ? "reply " + IP2 + " is-at " + mac(2) : "no reply"));

        byte[] data = Arrays.copyOf("xensim ping".getBytes(StandardCharsets.US_ASCII), 56);
        for (int seq = 1; seq <= PINGS; seq++) {
            back1.clear();
            long before = responder.echoReplies();
            Frame ping = new FrameBuilder(mac(1), mac(2)).ipv4(IP1, IP2).identification(seq)
                    .icmpEcho(IcmpHeader.ICMP_ECHO, PING_ID, seq).payload(data).build();
            send(guest1, ping);
            lines.add("d1 ping " + IP2 + " icmp_seq=" + seq + ": " + (back1.size() == 1
                    && responder.echoReplies() == before + 1
                    ? back1.get(0).length() + " bytes from " + IP2 + ": echo reply icmp_seq=" + seq : "no reply"));
        }

        byte[] datagram = "hello from guest 1".getBytes(StandardCharsets.US_ASCII);
        send(guest1, new FrameBuilder(mac(1), mac(2)).ipv4(IP1, IP2).identification(PINGS + 1)
                .udp(UDP_SOURCE_PORT, UDP_DEST_PORT).payload(datagram).build());
        lines.add("d1 UDP " + IP1 + ":" + UDP_SOURCE_PORT + " -> " + IP2 + ":" + UDP_DEST_PORT + " (" + datagram.length
                + " bytes): " + (udp2.size() == 1 ? "received by d2 (" + udp2.get(0).length() + "-byte frame)"
                : "not received"));
        return lines;
    }

    private void send(ManagedDomain from, Frame frame) {
        SendResult sent = steps.onDomain(from, () -> front(from).send(frame));
        if (sent != SendResult.SENT) {
            throw new IllegalStateException("d" + from.domid() + " could not send: " + sent);
        }
        steps.runUntil(() -> !hv.hasPendingWork());
    }

    private ManagedDomain guest(Toolstack toolstack, int domid) {
        ManagedDomain g = steps.await(toolstack.createDomain(DomainConfig.of(domid, "guest" + domid, 16)));
        steps.await(g.frontends().register(NetfrontDrivers.frontend(NetfrontConfig.DEFAULT)));
        return g;
    }

    /** libxl__device_nic_add: vif {@code domid}/0 on xenbr0, trusted, default MTU. */
    private void addVif(Toolstack toolstack, int domid) {
        steps.await(toolstack.addDevice(DeviceConfig.vif(domid, 0, 0, macString(domid), BRIDGE, false, true,
                DeviceConfig.NIC_MTU_DEFAULT)));
    }

    private static boolean connected(ManagedDomain guest, int domid) {
        return guest.frontends().device("vif", domid, 0).map(d -> d.state() == XenbusState.CONNECTED).orElse(false);
    }

    private static NetfrontDevice front(ManagedDomain guest) {
        return (NetfrontDevice) guest.frontends().device("vif", guest.domid(), 0).orElseThrow(
                () -> new IllegalStateException("no netfront vif/0 in d" + guest.domid())).handler();
    }
}
