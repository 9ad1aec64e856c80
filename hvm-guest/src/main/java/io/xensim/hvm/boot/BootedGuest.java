package io.xensim.hvm.boot;

import io.xensim.blk.front.BlkfrontDevice;
import io.xensim.blk.front.BlkfrontDrivers;
import io.xensim.blk.front.BlkfrontFeatures;
import io.xensim.hvm.cmdline.BootParams;
import io.xensim.hvm.config.DiskSpec;
import io.xensim.hvm.config.DiskSpecParser;
import io.xensim.hvm.config.DomainSpec;
import io.xensim.hvm.config.DomainType;
import io.xensim.hvm.config.NicType;
import io.xensim.hvm.config.VifSpec;
import io.xensim.hvm.config.VifSpecParser;
import io.xensim.hvm.platform.GuestPlatform;
import io.xensim.hvm.platform.HvmMachine;
import io.xensim.net.front.NetfrontDevice;
import io.xensim.net.front.NetfrontDrivers;
import io.xensim.net.guest.GuestNetInterface;
import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.bus.XenbusState;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;

/**
 * A running HVM guest and what it ended up with: the network interfaces and block devices it uses (PV or emulated,
 * in {@link #nics()} and {@link #disks()}, through the same {@link GuestNetInterface} and
 * {@link io.xensim.blk.guest.GuestBlockDevice} whatever drives them), the device selection's notes (a vif seen
 * twice with one MAC, a vif the guest cannot use, a disk reachable twice), the two tables the guest prints, and
 * its boot log. Vifs and vbds may be hot-plugged while it runs; an emulated NIC may not.
 *
 * <p>Interface names follow probe order: the emulated cards' driver binds during the PCI scan, before xenbus
 * exists, so emulated NICs are {@code eth0}, {@code eth1}, ... and netfront's interfaces come after them; emulated
 * IDE disks are named as libata names them ({@code sda}, ...), blkfront's as {@code xlvbd_alloc_gendisk} does
 * ({@code xvda}, also for an {@code hda} vdev).
 *
 * <p><b>Threading:</b> the caller's thread (which drives the {@link HvmHost}); the devices handed out are used on
 * the guest's executor ({@link HvmHost#onDomain}).
 */
public final class BootedGuest {
    private final HvmHost host;
    private final BootRequest request;
    private final DomainSpec spec;
    private final BootParams params;
    private final ManagedDomain guest;
    private final HvmMachine machine;
    private final DeviceModel deviceModel;
    private final GuestPlatform.Result platform;
    private final boolean netfront;
    private final boolean blkfront;
    private final String pvOffReason;
    private final List<String> log;
    private final List<VifSpec> vifs;
    private final List<GuestNic> nics = new ArrayList<>();
    private final List<GuestDisk> disks = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final Random random;
    private int nextEth;
    private boolean running = true;

    BootedGuest(HvmHost host, BootRequest request, DomainSpec spec, BootParams params, ManagedDomain guest,
            HvmMachine machine, DeviceModel deviceModel, GuestPlatform.Result platform, boolean netfront,
            boolean blkfront, String pvOffReason, List<String> log) {
        this.host = host;
        this.request = request;
        this.spec = spec;
        this.params = params;
        this.guest = guest;
        this.machine = machine;
        this.deviceModel = deviceModel;
        this.platform = platform;
        this.netfront = netfront;
        this.blkfront = blkfront;
        this.pvOffReason = pvOffReason;
        this.log = log;
        this.vifs = new ArrayList<>(spec.vifs());
        this.random = new Random(request.macSeed() + 1);
    }

    // ------------------------------------------------------------------------------------------ boot steps

    /** The emulated cards' and drives' drivers bind to what the PCI scan still found (unplugged ones are gone). */
    void bindEmulatedDrivers() {
        host.onDomain(guest, () -> {
            for (EmulatedNic nic : deviceModel.nics()) {
                if (!nic.plugged()) {
                    continue;
                }
                String name = "eth" + nextEth;
                Optional<GuestNetInterface> iface = nic.probeDriver(name, platform.pciDevices());
                log.addAll(nic.driverLog());
                if (iface.isPresent()) {
                    nextEth++;
                    int devid = vifs.stream().filter(v -> v.mac().equalsIgnoreCase(nic.mac().toString()))
                            .mapToInt(VifSpec::devid).findFirst().orElse(-1);
                    nics.add(new GuestNic(name, nic.driver(), nic.mac(), nic.bridge(), nic.tapName() + " (emulated "
                            + nic.model() + " at " + nic.pciAddress() + ")", devid, iface.get()));
                }
            }
            int sd = 0;
            for (EmulatedDisk drive : deviceModel.disks().stream()
                    .sorted(Comparator.comparingInt(EmulatedDisk::ideIndex)).toList()) {
                if (!drive.plugged()) {
                    continue;
                }
                String name = drive.cdrom() ? "sr0" : "sd" + (char) ('a' + sd);
                var dev = drive.probeDriver(name);
                log.addAll(drive.driverLog());
                if (dev.isPresent()) {
                    if (!drive.cdrom()) {
                        sd++;
                    }
                    disks.add(new GuestDisk(name, "ata_piix", drive.vdev(), drive.target() + " (emulated IDE "
                            + ideName(drive.ideIndex()) + ")", dev.get()));
                }
            }
            return null;
        });
    }

    private static String ideName(int index) {
        return (index < 2 ? "primary " : "secondary ") + (index % 2 == 0 ? "master" : "slave");
    }

    /** The PV devices that connected: netfront's vifs and blkfront's vbds. */
    void collectPvDevices() {
        for (VifSpec vif : vifs) {
            collectVif(vif);
        }
        for (DiskSpec disk : spec.disks()) {
            collectVbd(disk);
        }
    }

    private Optional<GuestNic> collectVif(VifSpec vif) {
        if (!netfront) {
            return Optional.empty();
        }
        return netfrontOf(vif.devid()).map(front -> {
            String name = "eth" + nextEth++;
            var nic = new GuestNic(name, GuestNic.NETFRONT, front.mac(), vif.bridge(), "vif" + guest.domid() + "."
                    + vif.devid() + " (netback)", vif.devid(), front);
            nics.add(nic);
            // Linux prints nothing here; the line shows what talk_to_netback() negotiated.
            int queues = host.onDomain(guest, front::queueCount);
            log.add("xensim: " + name + ": netfront uses " + queues + " queue" + (queues == 1 ? "" : "s"));
            return nic;
        });
    }

    private Optional<GuestDisk> collectVbd(DiskSpec disk) {
        if (!blkfront) {
            return Optional.empty();
        }
        Optional<DeviceConfig> vbd = disk.toDeviceConfig(guest.domid(), 0);
        if (vbd.isEmpty()) {
            return Optional.empty();
        }
        Optional<BlkfrontDevice> front = BlkfrontDrivers.device(guest, vbd.get().devid())
                .filter(f -> frontendConnected(guest, BlkfrontDrivers.TYPE, vbd.get().devid()));
        return front.map(f -> {
            // Linux names hd/sd vdevs with xvd names (xen_translate_vdev).
            String name = DeviceSelection.blkfrontName(vbd.get().devid());
            String features = host.onDomain(guest, () -> f.features().map(BootedGuest::describe).orElse(""));
            log.add("blkfront: " + name + ": " + features);
            // Linux prints nothing here; the line shows what negotiate_mq() and talk_to_blkback() settled.
            int rings = host.onDomain(guest, f::ringCount);
            int order = host.onDomain(guest, f::ringPageOrder);
            log.add("xensim: " + name + ": blkfront uses " + rings + " ring" + (rings == 1 ? "" : "s") + " of "
                    + (1 << order) + " page" + (order == 0 ? "" : "s") + " (ring-page-order " + order + ")");
            String backend = vbd.get().backendKind().equals(DeviceConfig.QDISK_KIND) ? "qdisk " : "blkback vbd ";
            var d = new GuestDisk(name, GuestDisk.BLKFRONT, disk.vdev(), disk.target().orElse("") + " (" + backend
                    + guest.domid() + "/" + vbd.get().devid() + ")", f);
            disks.add(d);
            return d;
        });
    }

    /** {@code xlvbd_flush}'s line: flush, persistent grants, indirect descriptors, bounce buffer. */
    private static String describe(BlkfrontFeatures f) {
        String flush = f.flush() && f.fua() ? "barrier: enabled;" : f.flush() ? "flush diskcache: enabled;"
                : "barrier or flush: disabled;";
        return flush + " persistent grants: " + (f.persistent() ? "enabled;" : "disabled;")
                + " indirect descriptors: " + (f.maxIndirectSegments() > 0 ? "enabled;" : "disabled;")
                + " bounce buffer: " + (f.bounce() ? "enabled" : "disabled;");
    }

    private Optional<NetfrontDevice> netfrontOf(int devid) {
        if (!frontendConnected(guest, NetfrontDrivers.TYPE, devid)) {
            return Optional.empty();
        }
        return guest.frontends().device(NetfrontDrivers.TYPE, guest.domid(), devid).map(d -> d.handler())
                .filter(NetfrontDevice.class::isInstance).map(NetfrontDevice.class::cast);
    }

    static boolean frontendConnected(ManagedDomain guest, String type, int devid) {
        return guest.frontends().device(type, guest.domid(), devid)
                .map(d -> d.state() == XenbusState.CONNECTED).orElse(false);
    }

    /**
     * The device selection, per vif and per disk, from what really happened: which PV frontends connected
     * and which emulated twins survived the unplug. Appends the notes and both tables to the log.
     */
    void selectDevices() {
        // A device left to an outside frontend is not the guest kernel's: it gets its own note, not NO NETWORK.
        List<VifSpec> ownVifs = new ArrayList<>();
        for (VifSpec v : vifs) {
            if (host.isExternalFrontend(NetfrontDrivers.TYPE, guest.domid(), v.devid())) {
                notes.add("xensim: vif " + v.devid() + " (MAC " + v.mac() + ", bridge " + v.bridge() + "): frontend"
                        + " left to an outside process (xensim boot --external)");
            } else {
                ownVifs.add(v);
            }
        }
        List<DiskSpec> ownDisks = new ArrayList<>();
        for (DiskSpec d : spec.disks()) {
            Optional<DeviceConfig> vbd = d.toDeviceConfig(guest.domid(), 0);
            if (vbd.isPresent() && host.isExternalFrontend(BlkfrontDrivers.TYPE, guest.domid(), vbd.get().devid())) {
                notes.add("xensim: disk " + d.vdev() + " (vbd " + vbd.get().devid() + "): frontend left to an"
                        + " outside process (xensim boot --external)");
            } else {
                ownDisks.add(d);
            }
        }
        notes.addAll(DeviceSelection.notes(ownVifs, ownDisks, nics, disks, pvOffReason,
                params.commandLine().all("xen_emul_unplug").stream().map(p -> p.value().orElse(""))
                        .reduce((a, b) -> b).orElse(""),
                log.contains("You might have to change the root device")));
        nics.forEach(n -> log.add(DeviceSelection.linkUpLine(n)));
        log.addAll(notes);
        log.addAll(interfaceTable());
        log.addAll(blockTable());
    }

    /** The interface table: name, driver, MAC, bridge, backing. */
    public List<String> interfaceTable() {
        return DeviceSelection.interfaceTable(nics());
    }

    /** The block device table: name, driver, vdev, sectors, backing. */
    public List<String> blockTable() {
        return DeviceSelection.blockTable(disks, d -> host.onDomain(guest, () -> d.device().sectors()));
    }

    // ------------------------------------------------------------------------------------------ hot-plug

    /** What a hot-plug request did: accepted or refused, and the lines printed. */
    public record Hotplug(boolean accepted, List<String> log) {
        public Hotplug {
            log = List.copyOf(log);
        }
    }

    /**
     * {@code xl network-attach <domain> <spec>}: a PV vif is added through the toolstack; the guest's netfront (if
     * it is in use) probes it and it comes up as the next {@code eth}. A spec asking for an emulated NIC
     * ({@code type=ioemu}) is refused: the device model cannot add a NIC to a running guest (the seed's attempt
     * crashed it). Without {@code type=}, a hot-plugged vif is PV only, as {@code libxl__device_nic_setdefault}
     * picks {@code vif} for hot-plug.
     */
    public Hotplug hotplugVif(String vifSpec) {
        requireRunning();
        List<String> out = new ArrayList<>();
        int devid = vifs.stream().mapToInt(VifSpec::devid).max().orElse(-1) + 1;
        VifSpecParser.Result r = VifSpecParser.parse("network-attach", vifSpec, devid, DomainType.HVM,
                request.dialect(), random);
        out.addAll(r.log());
        if (r.fatal().isPresent() || r.vif().isEmpty()) {
            r.fatal().ifPresent(out::add);
            return finish(false, out);
        }
        VifSpec vif = r.vif().get();
        boolean askedEmulated = vif.requestedType().isPresent() && vif.type().emulated();
        if (askedEmulated) {
            out.add("libxl: error: dom" + guest.domid() + ": cannot hot-plug an emulated " + vif.model() + " NIC ("
                    + vifSpec + ") into a running HVM guest: the device model adds emulated NICs only at domain"
                    + " creation (the seed's attempt crashed qemu-dm). Add a PV vif instead (type=vif), or put the"
                    + " NIC in the config and restart the guest.");
            return finish(false, out);
        }
        if (vif.type() != NicType.VIF) {
            vif = new VifSpec(vif.devid(), vif.mac(), vif.bridge(), NicType.VIF, vif.model(), vif.vifname(),
                    vif.script(), vif.ip(), vif.backend(), vif.rate(), vif.mtu(), vif.trusted(), vif.requestedType());
        }
        host.await(host.toolstack().addDevice(vif.toDeviceConfig(guest.domid(), 0)));
        vifs.add(vif);
        VifSpec added = vif;
        waitFor(() -> !netfront || frontendConnected(guest, NetfrontDrivers.TYPE, added.devid()));
        Optional<GuestNic> nic = collectVif(vif);
        if (nic.isPresent()) {
            out.add(DeviceSelection.linkUpLine(nic.get()));
            out.add("xensim: vif " + vif.devid() + " is " + nic.get().name() + " (xen-netfront, MAC " + vif.mac()
                    + ", bridge " + vif.bridge() + ")");
        } else {
            out.add("XENBUS: Device with no driver: device/vif/" + vif.devid());
            out.add("xensim: vif " + vif.devid() + " was added but the guest does not use netfront"
                    + (pvOffReason.isEmpty() ? "" : ": " + pvOffReason));
        }
        return finish(nic.isPresent(), out);
    }

    /**
     * {@code xl block-attach <domain> <spec>}: a vbd is added through the toolstack and blkfront (if in use)
     * probes it. Hot-plugged disks never get an emulated drive (QEMU's IDE drives are fixed at start).
     */
    public Hotplug hotplugDisk(String diskSpec) {
        requireRunning();
        List<String> out = new ArrayList<>();
        DiskSpec disk;
        switch (DiskSpecParser.parse("block-attach", diskSpec)) {
            case Decoded.Ok<DiskSpec>(DiskSpec d) -> disk = d;
            case Decoded.Malformed<DiskSpec>(String reason) -> {
                out.addAll(List.of(reason.split("\n")));
                return finish(false, out);
            }
        }
        Optional<DeviceConfig> vbd = disk.toDeviceConfig(guest.domid(), 0);
        if (vbd.isEmpty()) {
            out.add("xensim: " + disk.vdev() + ": nothing to attach (no image, or a vdev without a number)");
            return finish(false, out);
        }
        if (host.toolstack().device(BlkfrontDrivers.TYPE, guest.domid(), vbd.get().devid()).isPresent()) {
            out.add("libxl: error: dom" + guest.domid() + ": disk " + disk.vdev() + " is already attached");
            return finish(false, out);
        }
        host.await(host.toolstack().addDevice(vbd.get()));
        waitFor(() -> !blkfront || frontendConnected(guest, BlkfrontDrivers.TYPE, vbd.get().devid()));
        int before = log.size();
        Optional<GuestDisk> d = collectVbd(disk);
        out.addAll(log.subList(before, log.size()));
        log.subList(before, log.size()).clear();
        if (d.isEmpty()) {
            out.add("XENBUS: Device with no driver: device/vbd/" + vbd.get().devid());
        }
        return finish(d.isPresent(), out);
    }

    private Hotplug finish(boolean accepted, List<String> out) {
        log.addAll(out);
        return new Hotplug(accepted, out);
    }

    private void waitFor(java.util.function.BooleanSupplier done) {
        host.hypervisor().runUntil(() -> {
            if (done.getAsBoolean()) {
                return true;
            }
            host.clock().advanceNanos(1_000);
            return false;
        }, 2_000_000);
        host.runUntilIdle();
    }

    private void requireRunning() {
        if (!running) {
            throw new IllegalStateException("dom" + guest.domid() + ": shut down (expected: a running guest)");
        }
    }

    /** {@code xl destroy}: the device model goes, then the domain with its devices. */
    public void shutdown() {
        if (!running) {
            return;
        }
        running = false;
        host.onDomain(guest, () -> {
            deviceModel.close();
            return null;
        });
        host.await(host.toolstack().destroyDomain(guest.domid()));
        host.runUntilIdle();
    }

    // ------------------------------------------------------------------------------------------ accessors

    public int domid() {
        return guest.domid();
    }

    public DomainSpec spec() {
        return spec;
    }

    public BootParams params() {
        return params;
    }

    public ManagedDomain domain() {
        return guest;
    }

    public HvmMachine machine() {
        return machine;
    }

    public DeviceModel deviceModel() {
        return deviceModel;
    }

    public GuestPlatform.Result platform() {
        return platform;
    }

    /** Whether netfront / blkfront were registered (PV on, the platform driver bound, the unplug rules allow). */
    public boolean netfrontInUse() {
        return netfront;
    }

    public boolean blkfrontInUse() {
        return blkfront;
    }

    /** The guest's network interfaces, in name order. */
    public List<GuestNic> nics() {
        return nics.stream().sorted(Comparator.comparing(GuestNic::name)).toList();
    }

    public Optional<GuestNic> nic(String name) {
        return nics.stream().filter(n -> n.name().equals(name)).findFirst();
    }

    /** The guest's block devices. */
    public List<GuestDisk> disks() {
        return List.copyOf(disks);
    }

    public Optional<GuestDisk> disk(String name) {
        return disks.stream().filter(d -> d.name().equals(name)).findFirst();
    }

    /** The device selection's notes (conflicts, missing network or disk, PV off). */
    public List<String> notes() {
        return List.copyOf(notes);
    }

    public List<String> log() {
        return List.copyOf(log);
    }

    /** VM exits so far (port accesses and CPUIDs). */
    public long exits() {
        return host.onDomain(guest, machine::exits);
    }

    @Override
    public String toString() {
        return "BootedGuest[dom" + guest.domid() + " " + spec.name() + " " + nics.size() + " nics, " + disks.size()
                + " disks]";
    }

    HvmHost host() {
        return Objects.requireNonNull(host);
    }
}
