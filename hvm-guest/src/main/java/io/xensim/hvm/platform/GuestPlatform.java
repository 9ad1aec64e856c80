package io.xensim.hvm.platform;

import io.xensim.hvm.platform.pci.PciConf1;
import io.xensim.hvm.platform.pci.PciDeviceInfo;
import io.xensim.hvm.platform.pci.PciFirmware;
import io.xensim.hvm.platform.pci.PciScan;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The platform part of an HVM guest's boot, in the order a Linux guest does it: hvmloader assigns the PCI BARs;
 * the kernel looks for Xen in the CPUID leaves; if its command line allows PV drivers it runs the unplug protocol
 * with the mask the command line chose; it scans the PCI bus; and if PV is on and the unplug let the platform driver
 * go on, the platform PCI driver probes the 5853:0001 function and reads the xenstore params. What comes after
 * (grant table, xenbus, frontends) is the boot's.
 *
 * <p>The command line's decisions arrive as plain inputs ({@link Request}): whether PV drivers may load at all
 * (RHEL 6 without {@code xen_pv_hvm=enable}, or {@code xen_nopv}/{@code nopv}: no), and the {@code xen_emul_unplug}
 * mask ({@link XenUnplug}'s bits; 0 for the default, {@link XenUnplug#XEN_UNPLUG_IGNORE} for "no port write",
 * {@link XenUnplug#XEN_UNPLUG_NEVER} for none at all).
 *
 * <p><b>Threading:</b> the guest vCPU's thread.
 */
public final class GuestPlatform {
    /** What the command line decided. */
    public record Request(boolean pvDrivers, int xenEmulUnplug, XenUnplug.Frontends frontends) {
        public Request {
            Objects.requireNonNull(frontends, "frontends");
        }

        /**
         * The command line's three answers as plain values: PV on or off, the unplug mask ({@code XEN_UNPLUG_*}, 0
         * for the default), and RHEL 6's {@code ignore} (run the checks, write no mask); both frontends built in.
         */
        public static Request of(boolean pvDrivers, int xenEmulUnplug, boolean noMaskWrite) {
            return new Request(pvDrivers, xenEmulUnplug | (noMaskWrite ? XenUnplug.XEN_UNPLUG_IGNORE : 0),
                    XenUnplug.Frontends.BOTH);
        }

        /** PV on, the default mask, both frontends built in: an upstream kernel's default. */
        public static Request pvDefault() {
            return new Request(true, 0, XenUnplug.Frontends.BOTH);
        }

        /** No PV set-up at all: the guest stays on its emulated devices. */
        public static Request emulatedOnly() {
            return new Request(false, 0, XenUnplug.Frontends.BOTH);
        }
    }

    /**
     * What the guest ended up with: the Xen it found (empty: not on Xen), the PCI functions it saw (after any
     * unplug), the unplug protocol's result and the platform driver's probe (empty when not attempted), its log,
     * and whether PV drivers (xenbus, netfront, blkfront) may now start.
     */
    public record Result(Optional<XenHost> xen, List<PciDeviceInfo> pciDevices, Optional<XenUnplug.Result> unplug,
            Optional<XenPlatformPci.Probe> platformPci, List<KernelLogLine> log) {
        public Result {
            pciDevices = List.copyOf(pciDevices);
            log = List.copyOf(log);
        }

        public boolean pvReady() {
            return platformPci.map(XenPlatformPci.Probe::bound).orElse(false);
        }
    }

    private GuestPlatform() {
    }

    /** Boots the platform of {@code machine}'s guest under {@code request}, reading HVM params from {@code params}. */
    public static Result boot(HvmMachine machine, HvmParams params, Request request) {
        var log = new ArrayList<KernelLogLine>();
        var conf = new PciConf1(machine.ioBus());
        PciFirmware.setUp(conf);
        var detect = new XenDetect();
        Optional<XenHost> xen = detect.detect(machine.cpuid());
        log.addAll(detect.log());
        Optional<XenUnplug.Result> unplug = Optional.empty();
        if (xen.isPresent() && request.pvDrivers()) {
            var result = XenUnplug.run(machine.ioBus(), request.xenEmulUnplug(), request.frontends());
            log.addAll(result.log());
            unplug = Optional.of(result);
        }
        List<PciDeviceInfo> devices = new PciScan(conf).scanBus();
        devices.forEach(d -> d.logLines().forEach(line -> log.add(KernelLogLine.info(line))));
        Optional<XenPlatformPci.Probe> probe = Optional.empty();
        if (unplug.map(XenUnplug.Result::platformDriverEnabled).orElse(false)) {
            var p = XenPlatformPci.probe(devices, params, machine.domid());
            log.addAll(p.log());
            probe = Optional.of(p);
        }
        return new Result(xen, devices, unplug, probe, log);
    }
}
