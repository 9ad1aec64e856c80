package io.xensim.testbed.fault;

import io.xensim.net.back.Netback;
import io.xensim.net.back.NetbackConfig;
import io.xensim.net.bridge.Bridge;
import io.xensim.net.bridge.Bridges;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.FrameBuilder;
import io.xensim.net.frame.Ipv4Address;
import io.xensim.net.frame.MacAddress;
import io.xensim.net.front.NetfrontConfig;
import io.xensim.net.front.NetfrontDevice;
import io.xensim.net.front.NetfrontDrivers;
import io.xensim.net.guest.GuestNetInterface.SendResult;
import io.xensim.net.protocol.NetifRing;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.bus.XenbusState;
import io.xensim.xenbus.event.SendFilter;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import io.xensim.xenbus.toolstack.Toolstack;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * Two guests on one bridge for a network fault to act on: dom0 runs the real netback with bridge {@code xenbr0}
 * (its vif-bridge hotplug script installed in the toolstack); guests 1 and 2 run the real netfront, each with vif 0
 * added as libxl adds it ({@link DeviceConfig#vif}, trusted, default MTU), one queue each. Guest 1 sends, guest 2
 * receives, or the other way round; what each guest's netfront delivered is kept in order ({@link #received}).
 * Built on the same {@link FaultHost} as {@link BlkPair}; wired as {@code xensim demo --net} wires its guests.
 * {@link #connectWithDisk()} also gives guest 1 a {@link FaultDisk}, for faults about one device among several.
 *
 * <p><b>Threading:</b> INVOKER mode: the thread that built the pair steps every domain; a netfront is only touched
 * on its guest's executor ({@link #onGuest}, {@link #send}).
 */
public final class VifPair implements AutoCloseable {
    /** Frames whose IPv4 identification is a sequence number, {@link #UDP_PORT} to {@link #UDP_PORT}. */
    public static final int UDP_PORT = 5000;
    public static final int TX_RING_SIZE = NetifRing.TX_RING_SIZE;

    private final FaultHost host = new FaultHost();
    private final Netback netback = new Netback(new Bridges(), NetbackConfig.defaults());
    private final ManagedDomain guest1;
    private final ManagedDomain guest2;
    private final List<Frame> received1 = new ArrayList<>();
    private final List<Frame> received2 = new ArrayList<>();
    /** When guest 2 received each frame of {@link #received2}, on the simulated clock. */
    private final List<Long> receivedAt2 = new ArrayList<>();

    /** Guest 1's vbd, or null. */
    private final FaultDisk disk;

    private VifPair(boolean withDisk) {
        Toolstack ts = host.toolstack();
        host.await(netback.install(ts));
        guest1 = host.guest(1, NetfrontDrivers.frontend(NetfrontConfig.DEFAULT));
        guest2 = host.guest(2, NetfrontDrivers.frontend(NetfrontConfig.DEFAULT));
        addVif(1);
        addVif(2);
        disk = withDisk ? new FaultDisk(host, guest1) : null;
        if (!host.runUntil(() -> connected(1) && connected(2) && (disk == null || disk.connected()))) {
            close();
            throw new IllegalStateException("the devices did not connect");
        }
        host.run();
        host.onDomain(guest1, () -> {
            front(1).setReceiver(received1::add);
            return null;
        });
        host.onDomain(guest2, () -> {
            front(2).setReceiver(f -> {
                received2.add(f);
                receivedAt2.add(host.clock().nanoTime());
            });
            return null;
        });
    }

    /** A pair with both vifs connected; {@link #close()} it. */
    public static VifPair connect() {
        return new VifPair(false);
    }

    /** The same, and guest 1 also has a connected {@link FaultDisk} ({@link #disk()}). */
    public static VifPair connectWithDisk() {
        return new VifPair(true);
    }

    /** Guest 1's vbd ({@link #connectWithDisk()} only). */
    public FaultDisk disk() {
        if (disk == null) {
            throw new IllegalStateException("disk: none (expected: a pair made by connectWithDisk)");
        }
        return disk;
    }

    FaultHost host() {
        return host;
    }

    public Hypervisor hypervisor() {
        return host.hypervisor();
    }

    public Toolstack toolstack() {
        return host.toolstack();
    }

    public ManagedDomain guest(int domid) {
        return switch (domid) {
            case 1 -> guest1;
            case 2 -> guest2;
            default -> throw new IllegalArgumentException("domid: " + domid + " (expected: 1 or 2)");
        };
    }

    /** libxl__device_nic_add: vif {@code domid}/0 on xenbr0; does not wait for it to connect. */
    public void addVif(int domid) {
        host.await(host.toolstack().addDevice(DeviceConfig.vif(domid, 0, 0, mac(domid).toString(),
                Bridge.DEFAULT_NAME, false, true, DeviceConfig.NIC_MTU_DEFAULT)));
    }

    /** {@code 00:16:3e:00:00:<domid>}: the Xen OUI, as libxl's random MACs use. */
    public static MacAddress mac(int domid) {
        return MacAddress.of(String.format("00:16:3e:00:00:%02x", domid));
    }

    public static Ipv4Address ip(int domid) {
        return Ipv4Address.of("10.0.0." + domid);
    }

    /** A UDP frame from guest {@code from} to guest {@code to} whose IPv4 identification is {@code seq}. */
    public static Frame frame(int from, int to, int seq) {
        byte[] payload = new byte[256];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (seq * 7 + i);
        }
        return new FrameBuilder(mac(from), mac(to)).ipv4(ip(from), ip(to)).identification(seq)
                .udp(UDP_PORT, UDP_PORT).payload(payload).build();
    }

    /** The sequence number of a {@link #frame}: its IPv4 identification (bytes 18 and 19 of the frame). */
    public static int seq(Frame frame) {
        byte[] b = frame.toByteArray();
        return (b[18] & 0xff) << 8 | b[19] & 0xff;
    }

    /** The sequence numbers guest {@code domid} received, in order. */
    public List<Integer> receivedSeqs(int domid) {
        return received(domid).stream().map(VifPair::seq).toList();
    }

    /** When guest 2 received each of its frames (simulated nanoseconds), in order. */
    public List<Long> receivedAt2() {
        return receivedAt2;
    }

    public List<Frame> received(int domid) {
        return domid == 1 ? received1 : received2;
    }

    /** Guest {@code from} sends frame {@code seq} to the other guest; runs only the send, not the domains. */
    public SendResult send(int from, int seq) {
        int to = from == 1 ? 2 : 1;
        return onGuest(from, f -> f.send(frame(from, to, seq)));
    }

    /** Runs {@code action} on guest {@code domid}'s executor with its netfront, and returns its result. */
    public <T> T onGuest(int domid, Function<NetfrontDevice, T> action) {
        return host.onDomain(guest(domid), () -> action.apply(front(domid)));
    }

    public NetfrontDevice front(int domid) {
        return (NetfrontDevice) guest(domid).frontends().device(NetfrontDrivers.TYPE, domid, 0).orElseThrow(
                () -> new IllegalStateException("no netfront vif/0 in d" + domid)).handler();
    }

    public boolean connected(int domid) {
        return guest(domid).frontends().device(NetfrontDrivers.TYPE, domid, 0)
                .map(d -> d.state() == XenbusState.CONNECTED).orElse(false);
    }

    /** Whether dom0 still has a netback device for guest {@code domid}'s vif 0. */
    public boolean hasBackend(int domid) {
        return Netback.device(host.toolstack(), domid, 0).isPresent();
    }

    /** The names of the bridge's ports ({@code vif<domid>.0}). */
    public List<String> bridgePorts() {
        return netback.bridges().bridge(Bridge.DEFAULT_NAME).portNames();
    }

    public String frontendDir(int domid) {
        return "/local/domain/" + domid + "/device/vif/0";
    }

    /** Guest {@code domid}'s grant reference of its tx ring page. */
    public int txRingRef(int domid) {
        return Integer.parseInt(host.read(frontendDir(domid) + "/tx-ring-ref"));
    }

    /** dom0 maps guest {@code domid}'s tx ring page, as netback does, so a fault can write into it. */
    public MemorySegment mapTxRing(int domid) {
        return host.mapFromDom0(domid, txRingRef(domid));
    }

    /** Guest {@code domid}'s event-channel port of its tx ring ({@code event-channel-tx}). */
    public int txPort(int domid) {
        return Integer.parseInt(host.read(frontendDir(domid) + "/event-channel-tx"));
    }

    /** Guest {@code domid}'s event-channel port of its rx ring ({@code event-channel-rx}). */
    public int rxPort(int domid) {
        return Integer.parseInt(host.read(frontendDir(domid) + "/event-channel-rx"));
    }

    /** Guest {@code domid} notifies its tx port once more: a re-kick of its tx ring. */
    public void kickTx(int domid) {
        host.kick(guest(domid), txPort(domid));
    }

    /** Every event-channel send from now on goes through {@code filter}. */
    public void events(SendFilter filter) {
        host.events(filter);
    }

    public void run() {
        host.run();
    }

    public boolean runUntil(BooleanSupplier done) {
        return host.runUntil(done);
    }

    /** Moves the clock past the toolstack's timeouts (libxl's 10 s) and lets them fire. */
    public void expireTimeouts() {
        host.expireTimeouts();
    }

    @Override
    public void close() {
        netback.close();
        host.close();
        if (disk != null) {
            disk.close();
        }
    }
}
