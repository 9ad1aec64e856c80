package io.xensim.hvm.platform;

import io.xensim.hvm.platform.pci.PciBarInfo;
import io.xensim.hvm.platform.pci.PciDeviceInfo;
import io.xensim.xenbus.XenErrno;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The guest's Xen platform PCI driver at probe time, the step between finding Xen and starting xenbus: it binds to
 * the function the PCI scan found as 5853:0001, takes its BAR0 I/O range and BAR1 memory range (the latter is where
 * the guest maps its grant-table frames), and reads the two HVM params xenbus needs, the xenstore ring's frame and
 * event channel. A missing device, a BAR the firmware left unassigned, or an unset store frame stops PV set-up,
 * and the guest stays on its emulated devices.
 *
 * <p>Not modelled: the interrupt/callback-via set-up (a 4.17 host offers the vector callback, which Linux 6.1
 * uses), the grant-table initialisation itself and the shutdown watch; those belong to xenbus and the boot.
 *
 * <p><b>Threading:</b> the guest vCPU's thread.
 *
 * <p><b>Reference:</b> Linux 6.1 {@code drivers/xen/platform-pci.c} ({@code platform_pci_probe}: "no resources
 * found" when either BAR is zero) and {@code drivers/xen/xenbus/xenbus_probe.c} ({@code xenbus_init}, HVM case: the
 * store event channel then the store pfn, a pfn of 0 or all ones meaning xenstore was not set up: {@code -ENOENT}).
 */
public final class XenPlatformPci {
    /** How the probe ended. */
    public enum Outcome {
        /** Bound; xenbus may start on {@code storePfn}/{@code storeEvtchn}. */
        BOUND,
        /** No 5853:0001 function on the bus ({@code xen_platform_pci=0}). */
        NO_DEVICE,
        /** The device has no I/O or no memory BAR assigned. */
        NO_RESOURCES,
        /** The HVM params give no usable xenstore ring. */
        NO_XENSTORE
    }

    /** The probe's result; the addresses are 0 and the params -1 where the probe did not get that far. */
    public record Probe(Outcome outcome, Optional<PciDeviceInfo> device, long ioaddr, long iolen, long mmioAddr,
            long mmioLen, long storePfn, int storeEvtchn, List<KernelLogLine> log) {
        public Probe {
            log = List.copyOf(log);
        }

        public boolean bound() {
            return outcome == Outcome.BOUND;
        }
    }

    private XenPlatformPci() {
    }

    /** Finds the platform device among {@code scanned} and, if it is usable, reads {@code domid}'s store params. */
    public static Probe probe(List<PciDeviceInfo> scanned, HvmParams params, int domid) {
        var log = new ArrayList<KernelLogLine>();
        Optional<PciDeviceInfo> device = scanned.stream()
                .filter(d -> d.vendorId() == XenPlatformDevice.PCI_VENDOR_ID_XEN
                        && d.deviceId() == XenPlatformDevice.PCI_DEVICE_ID_XEN_PLATFORM)
                .findFirst();
        if (device.isEmpty()) {
            return new Probe(Outcome.NO_DEVICE, device, 0, 0, 0, 0, -1, -1, log);
        }
        String prefix = "xen-platform-pci 0000:" + device.get().address() + ": ";
        long ioaddr = device.get().bar(0).map(PciBarInfo::address).orElse(0L);
        long iolen = device.get().bar(0).map(PciBarInfo::size).orElse(0L);
        long mmio = device.get().bar(1).map(PciBarInfo::address).orElse(0L);
        long mmioLen = device.get().bar(1).map(PciBarInfo::size).orElse(0L);
        if (ioaddr == 0 || mmio == 0) {
            log.add(KernelLogLine.err(prefix + "no resources found"));
            return new Probe(Outcome.NO_RESOURCES, device, ioaddr, iolen, mmio, mmioLen, -1, -1, log);
        }
        HvmParams.GetParam evtchn = params.get(domid, HvmParams.HVM_PARAM_STORE_EVTCHN);
        HvmParams.GetParam pfn = params.get(domid, HvmParams.HVM_PARAM_STORE_PFN);
        int err = !evtchn.ok() ? evtchn.rc() : !pfn.ok() ? pfn.rc()
                : pfn.value() == 0 || pfn.value() == -1 ? -XenErrno.XEN_ENOENT : 0;
        if (err != 0) {
            log.add(KernelLogLine.err("xenbus: no xenstore ring from HVM_PARAM_STORE_PFN/HVM_PARAM_STORE_EVTCHN "
                    + "(error " + err + "): PV drivers stay off"));
            return new Probe(Outcome.NO_XENSTORE, device, ioaddr, iolen, mmio, mmioLen, -1, -1, log);
        }
        return new Probe(Outcome.BOUND, device, ioaddr, iolen, mmio, mmioLen, pfn.value(), (int) evtchn.value(), log);
    }
}
