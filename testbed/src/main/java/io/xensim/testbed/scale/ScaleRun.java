package io.xensim.testbed.scale;

import io.xensim.blk.back.Blkback;
import io.xensim.blk.back.BlkbackConfig;
import io.xensim.blk.back.ImageOpener;
import io.xensim.blk.front.BlkfrontConfig;
import io.xensim.blk.front.BlkfrontDrivers;
import io.xensim.blk.image.MemoryImage;
import io.xensim.blk.protocol.VbdName;
import io.xensim.net.back.Netback;
import io.xensim.net.back.NetbackConfig;
import io.xensim.net.bridge.Bridge;
import io.xensim.net.bridge.Bridges;
import io.xensim.net.frame.EthernetHeader;
import io.xensim.net.frame.FrameBuilder;
import io.xensim.net.frame.Ipv4Address;
import io.xensim.net.frame.MacAddress;
import io.xensim.net.front.NetfrontConfig;
import io.xensim.net.front.NetfrontDevice;
import io.xensim.net.front.NetfrontDrivers;
import io.xensim.net.guest.GuestNetInterface.SendResult;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ManualClock;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.bus.XenbusState;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import io.xensim.xenbus.toolstack.Toolstack;
import io.xensim.xenbus.toolstack.ToolstackConfig;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One scale run: dom0 with netback (bridge {@code xenbr0}) and blkback, and {@code guests} HVM-less PV guests
 * (domids 1..N), each created by the toolstack with {@link #GUEST_MIB} MiB of memory, running the real netfront
 * and blkfront, and given vif 0 and vbd {@code xvda} as libxl adds them ({@code libxl__device_nic_add},
 * {@code libxl__device_disk_add}). Each vbd is a {@link #DISK_SECTORS}-sector {@link MemoryImage}. When every
 * device is Connected the run measures heap (after GC) and threads against the JVM before the run, then each guest
 * sends one UDP frame to its neighbour (guest i to guest i+1, the last to guest 1) and counts what arrived.
 *
 * <p>The limit on N is dom0's event channels: the 2-level ABI ({@code EVTCHN_2L_NR_CHANNELS}, 4096 ports) is the one
 * simulated, and each guest takes four of dom0's ports (xenstore, netback's split tx and rx, blkback's ring; the
 * result's {@code dom0Ports} says how many), so about 1,020 guests fit. dom0's memory grows with N
 * ({@link #DOM0_MIB_PER_GUEST}), as a real host's dom0_mem must for netback's staging pages.
 *
 * <p>Guests send in descending domid order, so every destination has already sent (and the bridge has learnt its
 * MAC, as Linux's br_fdb_update does) except the first frame's: one flood, not N.
 *
 * <p><b>Threading:</b> {@link #run} runs everything on the calling thread: the hypervisor is in INVOKER mode, and
 * the manual clock moves one step per domain task, as in the demos.
 */
public final class ScaleRun {
    public static final int GUEST_MIB = 4;
    public static final long DISK_SECTORS = 512;
    public static final String VDEV = "xvda";
    private static final int DEVID = VbdName.vdevOf(VDEV);
    /**
     * One vCPU guests: blkfront asks for min(xen_blkif_max_queues, num_online_cpus()) rings, so one
     * ({@code negotiate_mq}); netfront's default is one queue already.
     */
    public static final BlkfrontConfig BLKFRONT = BlkfrontConfig.DEFAULT.withMaxQueues(1);
    /** dom0 memory: the default, plus netback's staging pages (64 rx + 64 tx per queue, 512 KiB) and blkback's. */
    public static final long DOM0_BASE_MIB = 64;
    public static final long DOM0_MIB_PER_GUEST = 1;
    private static final long STEP_NANOS = 10_000;
    private static final int MAX_STEPS = Integer.MAX_VALUE;
    private static final int UDP_PORT = 5000;

    private final int guests;
    private final ManualClock clock = new ManualClock();
    private Hypervisor hv;

    public ScaleRun(int guests) {
        if (guests < 2 || guests >= 0x7ff0) {
            throw new IllegalArgumentException("guests: " + guests + " (expected: 2..32751)");
        }
        this.guests = guests;
    }

    /** {@code 00:16:3e:00:HH:LL}: the Xen OUI, the domid in the low two bytes. */
    public static MacAddress mac(int domid) {
        return MacAddress.of(macString(domid));
    }

    private static String macString(int domid) {
        return String.format("00:16:3e:00:%02x:%02x", domid >> 8, domid & 0xff);
    }

    private static Ipv4Address ip(int domid) {
        return Ipv4Address.of("10.0." + (domid >> 8) + "." + (domid & 0xff));
    }

    private int next(int domid) {
        return domid == guests ? 1 : domid + 1;
    }

    public ScaleResult run() {
        long heapBefore = heapAfterGc();
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
        long heapConnected;
        ScaleResult result;
        try (var hypervisor = Hypervisor.builder().threadingMode(ThreadingMode.INVOKER).clock(clock).build()) {
            hv = hypervisor;
            var defaults = ToolstackConfig.defaults();
            var toolstack = Toolstack.start(hv, new ToolstackConfig(defaults.xenstored(), defaults.xenbus(),
                    defaults.guestXenstore(), DOM0_BASE_MIB + guests * DOM0_MIB_PER_GUEST));
            var netback = new Netback(new Bridges(), NetbackConfig.defaults());
            await(netback.install(toolstack));
            ImageOpener memoryDisks = (params, writable) -> MemoryImage.create(params, DISK_SECTORS);
            await(new Blkback(BlkbackConfig.defaults(), memoryDisks).install(toolstack));

            var dom0Ports = toolstack.dom0().domain().eventChannels();
            int portsBefore = dom0Ports.openPorts();
            long start = System.nanoTime();
            List<ManagedDomain> domains = new ArrayList<>(guests);
            for (int domid = 1; domid <= guests; domid++) {
                domains.add(boot(toolstack, domid));
            }
            runUntil(() -> false);
            for (ManagedDomain g : domains) {
                if (!connected(g, NetfrontDrivers.TYPE, 0) || !connected(g, BlkfrontDrivers.TYPE, DEVID)) {
                    throw new IllegalStateException(notConnected(toolstack, g));
                }
            }
            long bootNanos = System.nanoTime() - start;
            heapConnected = heapAfterGc();
            int threads = ManagementFactory.getThreadMXBean().getThreadCount() - threadsBefore;
            int ports = dom0Ports.openPorts() - portsBefore;

            int received = exchange(domains);
            toolstack.close();
            result = new ScaleResult(guests, bootNanos, 0, threads, ports, guests, received);
        } finally {
            hv = null;
        }
        // The heap the run held, against the lower of the heap before it and after its teardown: what an earlier
        // run left behind and the collector frees only later (seen after a 1,000-guest run) is in the first alone,
        // and would make a 10-guest run look three times lighter than it is.
        long baseline = Math.min(heapBefore, heapAfterGc());
        return result.withHeap(heapConnected - baseline);
    }

    /** libxl's domain create: the domain, its frontend drivers, then vif 0 on xenbr0 and vbd xvda. */
    private ManagedDomain boot(Toolstack toolstack, int domid) {
        ManagedDomain g = await(toolstack.createDomain(DomainConfig.of(domid, "guest" + domid, GUEST_MIB)));
        await(g.frontends().register(NetfrontDrivers.frontend(NetfrontConfig.DEFAULT)));
        await(g.frontends().register(BlkfrontDrivers.frontend(BLKFRONT)));
        await(toolstack.addDevice(DeviceConfig.vif(domid, 0, 0, macString(domid), Bridge.DEFAULT_NAME, false, true,
                DeviceConfig.NIC_MTU_DEFAULT)));
        await(toolstack.addDevice(DeviceConfig.vbd(domid, 0, Blkback.disk(VDEV, "scale-d" + domid))));
        return g;
    }

    /** Each guest sends one frame to its neighbour; returns how many arrived, at the right guest, from it. */
    private int exchange(List<ManagedDomain> domains) {
        var received = new AtomicInteger();
        for (ManagedDomain g : domains) {
            int domid = g.domid();
            MacAddress self = mac(domid);
            MacAddress from = mac(domid == 1 ? guests : domid - 1);
            onDomain(g, () -> {
                front(g).setReceiver(f -> {
                    if (EthernetHeader.destination(f.data()).equals(self)
                            && EthernetHeader.source(f.data()).equals(from)) {
                        received.incrementAndGet();
                    }
                });
                return null;
            });
        }
        byte[] payload = "xensim scale".getBytes(StandardCharsets.US_ASCII);
        for (int i = domains.size() - 1; i >= 0; i--) {
            ManagedDomain g = domains.get(i);
            int to = next(g.domid());
            var frame = new FrameBuilder(mac(g.domid()), mac(to)).ipv4(ip(g.domid()), ip(to)).identification(1)
                    .udp(UDP_PORT, UDP_PORT).payload(payload).build();
            SendResult sent = onDomain(g, () -> front(g).send(frame));
            if (sent != SendResult.SENT) {
                throw new IllegalStateException("d" + g.domid() + " could not send: " + sent);
            }
            runUntil(() -> false);
        }
        return received.get();
    }

    private static long heapAfterGc() {
        var memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    private <T> T await(CompletableFuture<T> future) {
        runUntil(future::isDone);
        if (!future.isDone()) {
            throw new IllegalStateException("the scale run stalled: nothing left to run");
        }
        return future.join();
    }

    private void runUntil(Supplier<Boolean> done) {
        hv.runUntil(() -> {
            if (done.get()) {
                return true;
            }
            clock.advanceNanos(STEP_NANOS);
            return false;
        }, MAX_STEPS);
    }

    private <T> T onDomain(ManagedDomain domain, Supplier<T> action) {
        var result = new CompletableFuture<T>();
        domain.domain().executor().execute(() -> result.complete(action.get()));
        return await(result);
    }

    private static boolean connected(ManagedDomain guest, String type, int devid) {
        return guest.frontends().device(type, guest.domid(), devid).map(d -> d.state() == XenbusState.CONNECTED)
                .orElse(false);
    }

    /**
     * Why a guest did not connect: each device's frontend state and the errors xenbus_dev_fatal() left for it, under
     * the guest's and dom0's {@code error/} directories.
     */
    private String notConnected(Toolstack toolstack, ManagedDomain g) {
        var why = new StringBuilder("d" + g.domid() + ": its vif or vbd did not connect (");
        record Dev(String type, int devid) {
        }
        for (Dev dev : List.of(new Dev(NetfrontDrivers.TYPE, 0), new Dev(BlkfrontDrivers.TYPE, DEVID))) {
            String type = dev.type();
            int devid = dev.devid();
            why.append(type).append(' ').append(state(g, type, devid));
            for (String dir : List.of("/local/domain/" + g.domid() + "/error/device/" + type + "/" + devid,
                    "/local/domain/0/error/backend/" + type + "/" + g.domid() + "/" + devid)) {
                await(toolstack.xs().readOptional(dir + "/error")).ifPresent(e -> why.append(", ").append(e));
            }
            why.append("; ");
        }
        why.setLength(why.length() - 2);
        return why.append(')').toString();
    }

    private static String state(ManagedDomain guest, String type, int devid) {
        return guest.frontends().device(type, guest.domid(), devid).map(d -> d.state().toString()).orElse("absent");
    }

    private static NetfrontDevice front(ManagedDomain guest) {
        return (NetfrontDevice) guest.frontends().device(NetfrontDrivers.TYPE, guest.domid(), 0).orElseThrow(
                () -> new IllegalStateException("no netfront vif/0 in d" + guest.domid())).handler();
    }
}
