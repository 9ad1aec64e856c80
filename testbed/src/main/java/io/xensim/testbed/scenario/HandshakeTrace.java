package io.xensim.testbed.scenario;

import io.xensim.blk.back.Blkback;
import io.xensim.blk.back.BlkbackConfig;
import io.xensim.blk.back.ImageOpener;
import io.xensim.blk.front.BlkfrontConfig;
import io.xensim.blk.front.BlkfrontDrivers;
import io.xensim.blk.image.MemoryImage;
import io.xensim.blk.protocol.VbdName;
import io.xensim.net.back.Netback;
import io.xensim.net.back.NetbackConfig;
import io.xensim.net.back.NetbackOffer;
import io.xensim.net.bridge.Bridge;
import io.xensim.net.bridge.Bridges;
import io.xensim.net.front.NetfrontConfig;
import io.xensim.net.front.NetfrontDrivers;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ManualClock;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.bus.FrontendDriver;
import io.xensim.xenbus.bus.XenbusState;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.DiskConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import io.xensim.xenbus.toolstack.Toolstack;
import io.xensim.xenbus.toolstack.ToolstackConfig;
import io.xensim.xenbus.trace.TraceEvent;
import io.xensim.xenbus.trace.TraceRecorder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * {@code xensim trace}: one device's xenbus handshake between guest {@link #GUEST} and dom0, recorded from the
 * toolstack's add until both ends are Connected. A vif pairs the real netfront with netback (as {@link NetDemo}
 * wires them, minus the traffic); a vbd pairs the real blkfront with blkback over an in-memory disk (as blkfront's
 * paired tests wire them). The feature records are the module parameters and the disk's mode that change what the
 * two ends write: queues, split event channels, offered offloads; ring order, persistent grants, indirect segments.
 *
 * <p>Deterministic: INVOKER mode and a manual clock moved {@link EchoDemo#STEP_NANOS} per task a domain runs. The
 * device is then removed and the guest destroyed, and the hypervisor checked for leftover grants, ports and watches.
 *
 * <p><b>Threading:</b> {@link #vif} and {@link #vbd} run everything on the calling thread.
 *
 * <p><b>Reference:</b> libxl 4.17 libxl_nic.c / libxl_disk.c for the keys the toolstack writes; Linux 6.1
 * xen-netfront.c ({@code talk_to_netback}), xen-netback/xenbus.c ({@code netback_probe}, {@code connect}),
 * xen-blkfront.c ({@code talk_to_blkback}), xen-blkback/xenbus.c ({@code xen_blkbk_probe}, {@code connect_ring}).
 */
public final class HandshakeTrace {
    public static final int GUEST = 1;
    private static final int MAX_STEPS = 1_000_000;
    /** Each trace's in-memory disk: 8 MiB. */
    public static final long DISK_SECTORS = 16384;
    public static final String VBD_VDEV = "xvda";

    /**
     * The knobs of a vif trace.
     *
     * @param queues             netfront's {@code xennet_max_queues} (netback offers {@link
     *                           NetbackConfig#DEFAULT_MAX_QUEUES})
     * @param splitEventChannels netback offers {@code feature-split-event-channels}
     * @param sg                 netback offers {@code feature-sg}
     * @param gso                netback offers {@code feature-gso-tcpv4} and {@code feature-gso-tcpv6}
     */
    public record VifFeatures(int queues, boolean splitEventChannels, boolean sg, boolean gso) {
        public static final VifFeatures DEFAULT = new VifFeatures(1, true, true, true);
    }

    /**
     * The knobs of a vbd trace.
     *
     * @param ringOrder  blkfront's {@code max_ring_page_order} (blkback allows up to 4)
     * @param queues     blkfront's {@code max_queues} (blkback offers 4)
     * @param persistent both ends' {@code feature_persistent}
     * @param indirect   blkback offers {@code feature-max-indirect-segments}
     * @param readOnly   the disk is {@code mode=r}
     */
    public record VbdFeatures(int ringOrder, int queues, boolean persistent, boolean indirect, boolean readOnly) {
        public static final VbdFeatures DEFAULT = new VbdFeatures(0, 1, true, true, false);
    }

    private final ManualClock clock = new ManualClock();
    private final TraceRecorder trace = new TraceRecorder();

    private HandshakeTrace() {
    }

    /** The vif 0 handshake of guest {@link #GUEST}; throws IllegalArgumentException for a value a driver refuses. */
    public static List<TraceEvent> vif(VifFeatures f) {
        var frontConfig = NetfrontConfig.DEFAULT.withMaxQueues(f.queues());
        var offer = NetbackOffer.LINUX.withSplitEventChannels(f.splitEventChannels()).withSg(f.sg())
                .withGsoTcpv4(f.gso()).withGsoTcpv6(f.gso());
        var netback = new Netback(new Bridges(), NetbackConfig.defaults().withOffer(offer));
        // libxl__device_nic_add: vif 0 on xenbr0, trusted, default MTU.
        var vif = DeviceConfig.vif(GUEST, 0, 0, String.format("00:16:3e:00:00:%02x", GUEST), Bridge.DEFAULT_NAME,
                false, true, DeviceConfig.NIC_MTU_DEFAULT);
        return new HandshakeTrace().run(netback::install, NetfrontDrivers.frontend(frontConfig), vif, "vif", 0);
    }

    /** The xvda handshake of guest {@link #GUEST} over a fresh in-memory disk. */
    public static List<TraceEvent> vbd(VbdFeatures f) {
        var frontConfig = BlkfrontConfig.DEFAULT.withMaxRingPageOrder(f.ringOrder()).withMaxQueues(f.queues())
                .withFeaturePersistent(f.persistent());
        var backConfig = BlkbackConfig.defaults().withFeaturePersistent(f.persistent())
                .withMaxIndirectSegments(f.indirect() ? BlkbackConfig.MAX_INDIRECT_SEGMENTS : 0);
        List<MemoryImage> opened = new ArrayList<>();
        ImageOpener memory = (params, writable) -> {
            var image = writable ? MemoryImage.create(params, DISK_SECTORS)
                    : MemoryImage.createReadOnly(params, DISK_SECTORS);
            opened.add(image);
            return image;
        };
        var blkback = new Blkback(backConfig, memory);
        DiskConfig disk = Blkback.disk(VBD_VDEV, "trace-disk");
        if (f.readOnly()) {
            disk = disk.readOnly();
        }
        try {
            return new HandshakeTrace().run(blkback::install, BlkfrontDrivers.frontend(frontConfig),
                    DeviceConfig.vbd(GUEST, 0, disk), "vbd", VbdName.vdevOf(VBD_VDEV));
        } finally {
            opened.forEach(MemoryImage::close);
        }
    }

    private interface Installer {
        CompletableFuture<Void> install(Toolstack toolstack);
    }

    private List<TraceEvent> run(Installer backend, FrontendDriver frontend, DeviceConfig device, String type,
            int devid) {
        try (var hv = Hypervisor.builder().threadingMode(ThreadingMode.INVOKER).clock(clock).tracer(trace).build()) {
            var toolstack = Toolstack.start(hv, ToolstackConfig.defaults());
            Consumer<BooleanSupplier> runUntil = done -> hv.runUntil(() -> {
                if (done.getAsBoolean()) {
                    return true;
                }
                clock.advanceNanos(EchoDemo.STEP_NANOS);
                return false;
            }, MAX_STEPS);
            var installed = backend.install(toolstack);
            runUntil.accept(installed::isDone);
            installed.join();
            var created = toolstack.createDomain(DomainConfig.of(GUEST, "guest" + GUEST, 16));
            runUntil.accept(created::isDone);
            ManagedDomain guest = created.join();
            var registered = guest.frontends().register(frontend);
            runUntil.accept(registered::isDone);
            registered.join();

            trace.clear(); // dom0's and the guest's setup is not part of the story
            var added = toolstack.addDevice(device);
            runUntil.accept(added::isDone);
            added.join();
            BooleanSupplier connected = () -> guest.frontends().device(type, GUEST, devid)
                    .map(d -> d.state() == XenbusState.CONNECTED).orElse(false);
            runUntil.accept(connected);
            runUntil.accept(() -> !hv.hasPendingWork());
            if (!connected.getAsBoolean()) {
                throw new IllegalStateException(type + "/" + devid + " did not connect");
            }
            List<TraceEvent> events = trace.events();

            // The device closes and the domain goes, as the demos end: nothing of the handshake may be left.
            var removed = toolstack.removeDevice(type, GUEST, devid);
            runUntil.accept(removed::isDone);
            if (!removed.join()) {
                throw new IllegalStateException(type + "/" + devid + " did not close cleanly");
            }
            runUntil.accept(() -> !hv.hasPendingWork());
            var destroyed = toolstack.destroyDomain(GUEST);
            runUntil.accept(destroyed::isDone);
            destroyed.join();
            toolstack.close();
            hv.runUntilIdle();
            hv.assertCleanedUp();
            return events;
        }
    }
}
