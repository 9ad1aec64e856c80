package io.xensim.hvm.boot;

import io.xensim.blk.front.BlkfrontConfig;
import io.xensim.blk.front.BlkfrontDrivers;
import io.xensim.blk.protocol.VbdName;
import io.xensim.hvm.cmdline.BootParams;
import io.xensim.hvm.cmdline.PvDriverParams;
import io.xensim.hvm.cmdline.UnplugRequest;
import io.xensim.hvm.config.DiskSpec;
import io.xensim.hvm.config.DomainSpec;
import io.xensim.hvm.config.DomainSpecs;
import io.xensim.hvm.config.DomainType;
import io.xensim.hvm.config.ToolstackDialect;
import io.xensim.hvm.config.VifSpec;
import io.xensim.hvm.platform.UnplugRelay;
import io.xensim.hvm.platform.GuestPlatform;
import io.xensim.hvm.platform.HvmMachine;
import io.xensim.hvm.platform.HvmMachineConfig;
import io.xensim.hvm.platform.KernelLogLine;
import io.xensim.hvm.platform.XenUnplug;
import io.xensim.net.front.NetfrontConfig;
import io.xensim.net.front.NetfrontDrivers;
import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;

/**
 * {@code xl create} of an HVM guest followed by the guest's boot, in the order the two happen on a real host.
 *
 * <p>The toolstack's part ({@code libxl_domain_create_new}): parse the config ({@link DomainSpecs}), create the
 * domain (memory, xenstore home, its xenstore ring recorded as HVM params), add its vbds, start the device model
 * with the emulated twins (an RTL8139 for each {@code type=ioemu} vif; an IDE drive for each disk numbered 0..3,
 * whatever its {@code hd}/{@code xvd} prefix, as qemu-xen gets them), then add its vifs, each through
 * {@code toDeviceConfig} so that dom0's netback and blkback probe them.
 *
 * <p>The guest's part, as Linux does it: read its command line (the profile decides what it means; the
 * {@code nmi_watchdog=1} panic ends the boot here), find Xen in CPUID, run the unplug protocol when its Xen set-up
 * is on, scan PCI and bind the platform PCI driver (all {@link GuestPlatform}), bind the emulated devices' drivers
 * to what the PCI scan still finds, then start xenbus and register netfront and blkfront only when the platform
 * driver bound and {@code xen_has_pv_nic_devices()}/{@code xen_has_pv_disk_devices()} allow them, and wait for
 * their devices to connect. What the guest ended up with is {@link BootedGuest}'s device selection.
 *
 * <p><b>Threading:</b> the caller's thread drives the host ({@link HvmHost}: INVOKER mode); the guest's own steps
 * run on its domain's executor.
 *
 * <p><b>Reference:</b> xl_vmcontrol.c {@code create_domain} ("Parsing config from"); libxl_create.c
 * ({@code domcreate_launch_dm} after the disks, the NICs after the device model); libxl_dm.c
 * {@code libxl__build_device_model_args_new} (the disk loop: {@code libxl__device_disk_dev_number}'s disk index,
 * {@code sd*} to SCSI, 0..3 to IDE, the rest PV only with "Only 4 emulated IDE disks are supported.", read-only
 * IDE disks refused); Linux 6.1 arch/x86/xen/enlighten_hvm.c, platform-pci-unplug.c
 * ({@code xen_unplug_emulated_devices}, {@code xen_has_pv_nic_devices}, {@code xen_has_pv_disk_devices}),
 * drivers/net/xen-netfront.c {@code netif_init} ("Initialising Xen virtual ethernet driver"),
 * drivers/block/xen-blkfront.c {@code xlblk_init}, drivers/xen/xenbus/xenbus_probe_frontend.c
 * {@code print_device_status} ("Device with no driver").
 */
public final class HvmGuest {
    /** xl's exit status when it could not create the domain. */
    public static final int XL_FAILURE = 1;
    private static final int CONNECT_STEPS = 2_000_000;

    private HvmGuest() {
    }

    /** Creates and boots the guest {@code request} describes on {@code host}. */
    public static BootOutcome boot(HvmHost host, BootRequest request) {
        List<String> log = new ArrayList<>();
        log.add("Parsing config from " + request.configName());
        DomainSpecs.Outcome parsed = DomainSpecs.fromText(request.configName(), request.configText(),
                request.dialect(), new Random(request.macSeed()));
        log.addAll(parsed.log());
        if (!parsed.created()) {
            return new BootOutcome.NotCreated(log, XL_FAILURE);
        }
        DomainSpec spec = parsed.spec().orElseThrow();
        if (spec.type() != DomainType.HVM) {
            log.add("xensim: " + request.configName() + ": type " + spec.type().name().toLowerCase(Locale.ROOT)
                    + " is not an HVM guest (expected: type = \"hvm\"); this model boots HVM guests only");
            return new BootOutcome.NotCreated(log, XL_FAILURE);
        }
        String line = request.cmdline().orElse(spec.cmdline());
        BootParams params;
        switch (request.profile().interpret(line)) {
            case Decoded.Ok<BootParams>(BootParams p) -> params = p;
            case Decoded.Malformed<BootParams>(String reason) -> {
                log.add("xensim: the guest kernel's command line is malformed: " + reason);
                return new BootOutcome.NotCreated(log, XL_FAILURE);
            }
        }
        List<EmulatedDiskPlan> idePlan = new ArrayList<>();
        // initiate_domain_create: each disk's defaults (its backend) before anything is started.
        for (int i = 0; i < spec.disks().size(); i++) {
            Optional<String> noBackend = spec.disks().get(i).backendRefusal();
            if (noBackend.isPresent()) {
                log.add("libxl: error: " + noBackend.get());
                log.add("libxl: error: Domain " + request.domid() + ":Unable to set disk defaults for disk " + i);
                return new BootOutcome.NotCreated(log, XL_FAILURE);
            }
        }
        for (DiskSpec disk : spec.disks()) {
            Optional<String> refusal = planEmulatedDisk(disk, request.dialect(), idePlan, log);
            if (refusal.isPresent()) {
                log.add(refusal.get());
                return new BootOutcome.NotCreated(log, XL_FAILURE);
            }
        }

        int domid = request.domid();
        var toolstack = host.toolstack();
        DomainConfig domainConfig = DomainConfig.of(domid, spec.name(), spec.memoryMib());
        domainConfig = host.guestMemoryFile(domid).map(domainConfig::withMemoryFile).orElse(domainConfig);
        ManagedDomain guest = host.await(toolstack.createDomain(domainConfig));
        log.add("xensim: dom" + domid + " (" + spec.name() + ") created: " + spec.memoryMib() + " MiB, "
                + spec.vcpus() + " vCPU" + (spec.vcpus() == 1 ? "" : "s") + ", xen_platform_pci="
                + (spec.xenPlatformPci() ? 1 : 0) + ", toolstack " + request.dialect().name().toLowerCase(Locale.ROOT)
                + ", guest kernel " + request.profile().id());

        // libxl_create.c: the disks first, then the device model, then the NICs.
        for (DiskSpec disk : spec.disks()) {
            Optional<DeviceConfig> vbd = disk.toDeviceConfig(domid, disk.virtualDevice()
                    .map(devid -> host.backendDomainOf("vbd", domid, devid)).orElse(0));
            if (vbd.isEmpty()) {
                log.add("xensim: disk " + disk.vdev() + " has no vbd (an empty CD-ROM drive or an unnumbered vdev)");
                continue;
            }
            host.await(toolstack.addDevice(vbd.get()));
        }
        var relay = new UnplugRelay();
        HvmMachineConfig machineConfig = HvmMachineConfig.defaults().withXenPlatformPci(spec.xenPlatformPci())
                .withBlacklist(request.blacklist());
        var started = host.onDomain(guest, () -> {
            HvmMachine machine = HvmMachine.create(domid, machineConfig, relay);
            DeviceModel model = request.deviceModel().start(machine, guest, host);
            relay.connect(model);
            return new Started(machine, model);
        });
        Optional<String> dmFailure = host.onDomain(guest, () -> addEmulatedDevices(started.model(), spec, idePlan,
                log));
        if (dmFailure.isPresent()) {
            log.add(dmFailure.get());
            host.onDomain(guest, () -> {
                started.model().close();
                return null;
            });
            host.await(toolstack.destroyDomain(domid));
            return new BootOutcome.NotCreated(log, XL_FAILURE);
        }
        for (VifSpec vif : spec.vifs()) {
            vif.backend().filter(b -> !b.equals("0") && !b.equals("Domain-0")).ifPresent(b -> log.add(
                    "xensim: vif " + vif.devid() + " asks for backend " + b + "; this host has dom0 only"));
            host.await(toolstack.addDevice(vif.toDeviceConfig(domid,
                    host.backendDomainOf("vif", domid, vif.devid()))));
        }
        host.runUntilIdle();

        // The guest kernel from here on.
        log.add("Command line: " + line);
        params.log().forEach(log::add);
        if (params.failure().isPresent()) {
            var failure = params.failure().get();
            log.addAll(failure.log());
            log.add("xensim: dom" + domid + " crashed during boot; xl's on_crash=destroy removed it");
            host.onDomain(guest, () -> {
                started.model().close();
                return null;
            });
            host.await(toolstack.destroyDomain(domid));
            return new BootOutcome.Panicked(failure.cause(), log, failure.exitStatus());
        }
        var platformRequest = new GuestPlatform.Request(params.xenSetup(), toPlatformMask(params.unplug()),
                XenUnplug.Frontends.BOTH);
        GuestPlatform.Result platform = host.onDomain(guest, () -> GuestPlatform.boot(started.machine(),
                host.params(), platformRequest));
        platform.log().stream().filter(l -> l.level() != KernelLogLine.Level.DEBUG)
                .forEach(l -> log.add(l.text()));
        int unplugged = platform.pvReady()
                ? fromPlatformMask(platform.unplug().map(XenUnplug.Result::platformPciUnplug).orElse(0)) : 0;
        boolean netfront = platform.pvReady() && UnplugRequest.hasPvNicDevices(unplugged);
        boolean blkfront = platform.pvReady() && UnplugRequest.hasPvDiskDevices(unplugged);

        var booted = new BootedGuest(host, request, spec, params, guest, started.machine(), started.model(),
                platform, netfront, blkfront, pvOffReason(request, params, spec, platform, netfront, blkfront), log);
        booted.bindEmulatedDrivers();
        if (platform.pvReady()) {
            log.add("xen:grant_table: Grant tables using version 1 layout");
            log.add("Grant table initialized");
            leaveExternalFrontends(host, guest, spec);
            if (netfront) {
                log.add("Initialising Xen virtual ethernet driver");
                host.await(guest.frontends().register(NetfrontDrivers.frontend(netfrontConfig(params, spec))));
            }
            // xlblk_init() clamps its parameters (and says so) before it registers the driver.
            BlkfrontConfig blkfrontConfig = blkfrontConfig(params, spec, log);
            if (blkfront) {
                host.await(guest.frontends().register(BlkfrontDrivers.frontend(blkfrontConfig)));
            }
            waitForFrontends(host, guest, spec, netfront, blkfront);
            if (!netfront) {
                spec.vifs().forEach(v -> log.add("XENBUS: Device with no driver: device/vif/" + v.devid()));
            }
            if (!blkfront) {
                spec.disks().stream().flatMap(d -> d.virtualDevice().stream())
                        .forEach(n -> log.add("XENBUS: Device with no driver: device/vbd/" + n));
            }
        }
        booted.collectPvDevices();
        booted.selectDevices();
        return new BootOutcome.Booted(booted);
    }

    /**
     * netfront's {@code xennet_max_queues} as {@code netif_init} settles it: the command line's
     * {@code xen_netfront.max_queues}, else one queue per vCPU up to 8. {@link NetfrontConfig} holds at most 8; a
     * larger value asks for more queues than dom0's netback offers, so capping it changes no negotiation.
     */
    static NetfrontConfig netfrontConfig(BootParams params, DomainSpec spec) {
        int queues = params.pvDrivers().netfrontQueues(spec.vcpus());
        // An unsigned int in Linux: a value past INT_MAX is negative here and is capped like any large one.
        if (Integer.compareUnsigned(queues, PvDriverParams.NETFRONT_MAX_QUEUES_DEFAULT) > 0) {
            queues = PvDriverParams.NETFRONT_MAX_QUEUES_DEFAULT;
        }
        return NetfrontConfig.DEFAULT.withMaxQueues(queues);
    }

    /**
     * blkfront's {@code max_ring_page_order} and {@code max_queues} after {@code xlblk_init}'s clamps (its messages
     * go to {@code log}); 0 queues is allowed there and {@code negotiate_mq} then uses one ring, as here.
     */
    static BlkfrontConfig blkfrontConfig(BootParams params, DomainSpec spec, List<String> log) {
        int order = params.pvDrivers().blkfrontMaxRingPageOrder(log);
        int queues = params.pvDrivers().blkfrontQueues(spec.vcpus(), log);
        return BlkfrontConfig.DEFAULT.withMaxRingPageOrder(order).withMaxQueues(Math.max(1, queues));
    }

    private record Started(HvmMachine machine, DeviceModel model) {
    }

    /** One config disk the device model will emulate as IDE drive {@code index}. */
    record EmulatedDiskPlan(DiskSpec disk, int index) {
    }

    /**
     * libxl_dm.c's disk loop for one disk: its disk index decides; {@code sd*} would be SCSI (not modelled here:
     * PV only, said so), 0..3 an IDE drive (a CD-ROM an {@code ide-cd}), the rest PV only. A read-only hard disk
     * on IDE stops creation under xl. Returns the refusal, if any.
     */
    static Optional<String> planEmulatedDisk(DiskSpec disk, ToolstackDialect dialect, List<EmulatedDiskPlan> plan,
            List<String> log) {
        OptionalInt index = diskIndex(disk.vdev());
        if (index.isEmpty()) {
            log.add("libxl: warning: unable to determine disk number for " + disk.vdev());
            return Optional.empty();
        }
        if (disk.vdev().startsWith("sd")) {
            log.add("xensim: " + disk.vdev() + " would be an emulated SCSI disk in QEMU; not modelled, so the guest"
                    + " sees it through blkfront only");
            return Optional.empty();
        }
        if (disk.target().isEmpty() && !disk.cdrom()) {
            return Optional.empty();
        }
        int n = index.getAsInt();
        if (n >= 4) {
            log.add("libxl: warning: Only 4 emulated IDE disks are supported.");
            log.add("Disk " + disk.vdev() + " will be available via PV drivers but not as an emulated disk.");
            return Optional.empty();
        }
        if (plan.stream().anyMatch(p -> p.index() == n)) {
            log.add("xensim: " + disk.vdev() + " is IDE disk " + n + " like an earlier disk; the device model gives"
                    + " it no emulated drive, so it is PV only");
            return Optional.empty();
        }
        if (!disk.readwrite() && !disk.cdrom() && dialect == ToolstackDialect.XL) {
            return Optional.of("libxl: error: qemu-xen doesn't support read-only IDE disk drivers");
        }
        plan.add(new EmulatedDiskPlan(disk, n));
        return Optional.empty();
    }

    /** {@code libxl__device_disk_dev_number}'s disk index of {@code vdev}, when it has one. */
    static OptionalInt diskIndex(String vdev) {
        try {
            return OptionalInt.of(VbdName.parse(vdev).disk());
        } catch (IllegalArgumentException e) {
            return OptionalInt.empty();
        }
    }

    /** Runs on the guest vCPU: the device model's NICs and drives; a message when QEMU could not start. */
    private static Optional<String> addEmulatedDevices(DeviceModel model, DomainSpec spec,
            List<EmulatedDiskPlan> plan, List<String> log) {
        for (EmulatedDiskPlan p : plan) {
            try {
                model.addDisk(p.disk(), p.index());
            } catch (IOException e) {
                return Optional.of("libxl: error: device model for " + spec.name() + " failed to start: "
                        + p.disk().vdev() + ": " + e.getMessage());
            }
        }
        for (VifSpec vif : spec.vifs()) {
            if (vif.type().emulated()) {
                model.addNic(vif);
            }
        }
        model.realize();
        return Optional.empty();
    }

    /**
     * The devices {@link HvmHost#externalFrontend} gave to an outside process: the guest's frontend bus never
     * probes them, as a kernel with no driver bound to them would not.
     */
    private static void leaveExternalFrontends(HvmHost host, ManagedDomain guest, DomainSpec spec) {
        for (VifSpec v : spec.vifs()) {
            if (host.isExternalFrontend(NetfrontDrivers.TYPE, guest.domid(), v.devid())) {
                guest.frontends().leaveAlone(NetfrontDrivers.TYPE, v.devid());
            }
        }
        for (DiskSpec d : spec.disks()) {
            d.toDeviceConfig(guest.domid(), 0).map(DeviceConfig::devid)
                    .filter(devid -> host.isExternalFrontend(BlkfrontDrivers.TYPE, guest.domid(), devid))
                    .ifPresent(devid -> guest.frontends().leaveAlone(BlkfrontDrivers.TYPE, devid));
        }
    }

    /** Steps the host until every vif and vbd whose driver was registered is Connected (bounded). */
    private static void waitForFrontends(HvmHost host, ManagedDomain guest, DomainSpec spec, boolean netfront,
            boolean blkfront) {
        host.hypervisor().runUntil(() -> {
            boolean done = true;
            if (netfront) {
                for (VifSpec v : spec.vifs()) {
                    if (host.isExternalFrontend(NetfrontDrivers.TYPE, guest.domid(), v.devid())) {
                        continue; // an outside process's to connect, whenever it comes
                    }
                    done &= BootedGuest.frontendConnected(guest, NetfrontDrivers.TYPE, v.devid());
                }
            }
            if (blkfront) {
                for (DiskSpec d : spec.disks()) {
                    Optional<DeviceConfig> vbd = d.toDeviceConfig(guest.domid(), 0);
                    if (vbd.isPresent()
                            && !host.isExternalFrontend(BlkfrontDrivers.TYPE, guest.domid(), vbd.get().devid())) {
                        done &= BootedGuest.frontendConnected(guest, BlkfrontDrivers.TYPE, vbd.get().devid());
                    }
                }
            }
            if (!done) {
                host.clock().advanceNanos(1_000);
            }
            return done;
        }, CONNECT_STEPS);
        host.runUntilIdle();
    }

    /** {@link UnplugRequest}'s bits as {@link XenUnplug} numbers them (the kernel-private bits differ). */
    static int toPlatformMask(UnplugRequest unplug) {
        int mask = unplug.flags() & UnplugRequest.XEN_UNPLUG_ALL;
        if (unplug.has(UnplugRequest.XEN_UNPLUG_UNNECESSARY)) {
            mask |= XenUnplug.XEN_UNPLUG_UNNECESSARY;
        }
        if (unplug.has(UnplugRequest.XEN_UNPLUG_NEVER)) {
            mask |= XenUnplug.XEN_UNPLUG_NEVER;
        }
        return mask;
    }

    /** {@link XenUnplug}'s {@code xen_platform_pci_unplug} in {@link UnplugRequest}'s numbering. */
    static int fromPlatformMask(int mask) {
        int flags = mask & UnplugRequest.XEN_UNPLUG_ALL;
        if ((mask & XenUnplug.XEN_UNPLUG_UNNECESSARY) != 0) {
            flags |= UnplugRequest.XEN_UNPLUG_UNNECESSARY;
        }
        if ((mask & XenUnplug.XEN_UNPLUG_NEVER) != 0) {
            flags |= UnplugRequest.XEN_UNPLUG_NEVER;
        }
        return flags;
    }

    /** Why PV drivers are not (all) in use, in one sentence; empty when both bound. */
    private static String pvOffReason(BootRequest request, BootParams params, DomainSpec spec,
            GuestPlatform.Result platform, boolean netfront, boolean blkfront) {
        if (netfront && blkfront) {
            return "";
        }
        if (!params.xenSetup()) {
            return switch (request.profile()) {
                case RHEL6_0 -> "the rhel6.0 kernel runs its Xen PV-on-HVM set-up only with xen_pv_hvm=enable on"
                        + " its command line, so the platform PCI driver, xenbus, netfront and blkfront never load";
                case LINUX -> "nopv/xen_nopv on the command line turns the kernel's Xen set-up off";
            };
        }
        if (platform.xen().isEmpty()) {
            return "the guest found no Xen CPUID leaves";
        }
        if (!spec.xenPlatformPci()) {
            return "xen_platform_pci=0: the guest has no Xen platform PCI device, so no PV driver can load";
        }
        if (!platform.pvReady()) {
            return platform.unplug().map(u -> switch (u.outcome()) {
                case NEVER -> "xen_emul_unplug=never: the guest neither unplugs nor uses PV drivers";
                case BLACKLISTED -> "the host blacklisted the guest's PV drivers";
                case NO_MAGIC, UNKNOWN_PROTOCOL -> "the device model does not speak the unplug protocol";
                default -> "the Xen platform PCI driver did not bind";
            }).orElse("the Xen platform PCI driver did not bind");
        }
        return "xen_emul_unplug=" + params.commandLine().all("xen_emul_unplug").stream()
                .map(p -> p.value().orElse("")).reduce((a, b) -> b).orElse("")
                + " leaves " + (netfront ? "" : "netfront") + (netfront || blkfront ? "" : " and ")
                + (blkfront ? "" : "blkfront") + " without devices (xen_has_pv_"
                + (netfront ? "disk" : blkfront ? "nic" : "nic/disk") + "_devices() is false)";
    }
}
