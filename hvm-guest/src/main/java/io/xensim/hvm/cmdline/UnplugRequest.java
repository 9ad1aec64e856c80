package io.xensim.hvm.cmdline;

import java.util.ArrayList;
import java.util.List;

/**
 * What the guest kernel will ask of the device model's unplug protocol, as far as the command line decides it:
 * the {@code xen_emul_unplug} value Linux accumulates, before the platform check and the default are applied.
 *
 * <p>{@code flags} holds the protocol's mask bits ({@link #XEN_UNPLUG_ALL_IDE_DISKS}, {@link #XEN_UNPLUG_ALL_NICS},
 * {@link #XEN_UNPLUG_AUX_IDE_DISKS}; {@link #XEN_UNPLUG_NVME} exists in the protocol but no Linux option sets it)
 * and two kernel-private bits outside the protocol's 16-bit word ({@link #XEN_UNPLUG_UNNECESSARY},
 * {@link #XEN_UNPLUG_NEVER}), which are never written to the port. The RHEL 6.0 kernel's {@code ignore} option
 * (its {@code XEN_UNPLUG_IGNORE}) behaves as 6.1's {@code unnecessary} (the magic is checked, no mask is written,
 * and a missing magic is no reason to give up) and is stored as that bit.
 *
 * <p>The port I/O itself (magic, version, product/build, the mask write) belongs to {@code io.xensim.hvm.platform}.
 * This record answers the three questions the guest's unplug code asks of the command line: does it talk to the
 * device model at all ({@link #attemptsProtocol}), does it carry on when the magic is wrong
 * ({@link #proceedsWithoutProtocol}), and which mask does it write ({@link #maskToWrite}).
 *
 * <p><b>Reference:</b> the RHEL 6.0 kernel's arch/x86/xen/platform-pci-unplug.c (its {@code ignore}); Linux 6.1
 * include/xen/platform_pci.h (bit values), arch/x86/xen/platform-pci-unplug.c
 * {@code xen_unplug_emulated_devices()} (order of decisions, the default mask), {@code xen_has_pv_devices()},
 * {@code xen_has_pv_nic_devices()} and {@code xen_has_pv_disk_devices()} (which PV drivers then load), and Xen's
 * docs/misc/hvm-emulated-unplug.pandoc (the protocol's bits).
 */
public record UnplugRequest(int flags) {
    /** Protocol bit 0: all IDE and SCSI hard disks (not CD-ROMs). */
    public static final int XEN_UNPLUG_ALL_IDE_DISKS = 1;
    /** Protocol bit 1: all emulated NICs. */
    public static final int XEN_UNPLUG_ALL_NICS = 1 << 1;
    /** Protocol bit 2: all IDE disks except the primary master (only meaningful without bit 0). */
    public static final int XEN_UNPLUG_AUX_IDE_DISKS = 1 << 2;
    /** Protocol bit 3: all NVMe disks (qemu-xen; Linux has no option for it). */
    public static final int XEN_UNPLUG_NVME = 1 << 3;
    /** Linux's {@code all}: both kinds of disk and the NICs. */
    public static final int XEN_UNPLUG_ALL = XEN_UNPLUG_ALL_IDE_DISKS | XEN_UNPLUG_ALL_NICS | XEN_UNPLUG_AUX_IDE_DISKS;
    /** Kernel-private: do not write the mask, and bind PV drivers even if the platform check failed. */
    public static final int XEN_UNPLUG_UNNECESSARY = 1 << 16;
    /** Kernel-private: never talk to the unplug ports. */
    public static final int XEN_UNPLUG_NEVER = 1 << 17;
    /** The bits that may reach the port. */
    public static final int PROTOCOL_MASK = 0xffff;
    /** The mask a 6.1 kernel built with netfront, blkfront and the platform PCI driver picks when told nothing. */
    public static final int DEFAULT_MASK = XEN_UNPLUG_ALL_NICS | XEN_UNPLUG_ALL_IDE_DISKS;

    /** No {@code xen_emul_unplug=} on the command line. */
    public static final UnplugRequest NONE = new UnplugRequest(0);

    public UnplugRequest {
        int known = XEN_UNPLUG_ALL | XEN_UNPLUG_NVME | XEN_UNPLUG_UNNECESSARY | XEN_UNPLUG_NEVER;
        if ((flags & ~known) != 0) {
            throw new IllegalArgumentException("flags: 0x" + Integer.toHexString(flags)
                    + " (expected: a subset of 0x" + Integer.toHexString(known) + ")");
        }
    }

    UnplugRequest with(int more) {
        return new UnplugRequest(flags | more);
    }

    public boolean has(int bit) {
        return (flags & bit) != 0;
    }

    /** False for 6.1's {@code never}: the guest does not even read the magic. */
    public boolean attemptsProtocol() {
        return !has(XEN_UNPLUG_NEVER);
    }

    /**
     * {@code unnecessary} (RHEL 6: {@code ignore}): a device model that does not answer the magic is no reason to
     * give up on PV drivers.
     */
    public boolean proceedsWithoutProtocol() {
        return has(XEN_UNPLUG_UNNECESSARY);
    }

    /** Whether the guest asked for nothing, so that the default ({@link #DEFAULT_MASK}) applies. */
    public boolean usesDefault() {
        return flags == 0;
    }

    /**
     * The value Linux keeps as {@code xen_platform_pci_unplug} once the check passed: the request, or the default
     * if the request was empty.
     */
    public int effective() {
        return usesDefault() ? DEFAULT_MASK : flags;
    }

    /** The 16-bit mask written to port 0x10 after a successful check, or -1 when no write happens. */
    public int maskToWrite() {
        if (!attemptsProtocol() || proceedsWithoutProtocol()) {
            return NO_WRITE;
        }
        return effective() & PROTOCOL_MASK;
    }

    /** {@link #maskToWrite()} when the guest writes nothing. */
    public static final int NO_WRITE = -1;

    /** What Linux (6.1 and RHEL 6 alike) prints when the default adds the NICs to the mask. */
    public static final String DEFAULT_NICS_LOG =
            "Netfront and the Xen platform PCI driver have been compiled for this kernel: unplug emulated NICs.";
    /** What it prints when the default adds the IDE disks: the root device may have to change. */
    public static final List<String> DEFAULT_DISKS_LOG = List.of(
            "Blkfront and the Xen platform PCI driver have been compiled for this kernel: unplug emulated disks.",
            "You might have to change the root device",
            "from /dev/hd[a-d] to /dev/xvd[a-d]",
            "in your root= kernel command line option");

    /** The lines the unplug step prints after a successful check: the default's notes, when it applies. */
    public List<String> unplugLog() {
        if (!usesDefault()) {
            return List.of();
        }
        List<String> lines = new ArrayList<>();
        lines.add(DEFAULT_NICS_LOG);
        lines.addAll(DEFAULT_DISKS_LOG);
        return List.copyOf(lines);
    }

    /**
     * {@code xen_has_pv_devices()} for an HVM guest whose unplug step left {@code unplug} as
     * {@code xen_platform_pci_unplug} (0 when the step returned early: {@code never}, a failed check, or
     * {@code xen_platform_pci=0} in the config).
     */
    public static boolean hasPvDevices(int unplug) {
        if (unplug == 0 || (unplug & XEN_UNPLUG_NEVER) != 0) {
            return false;
        }
        return (unplug & XEN_UNPLUG_ALL) != 0 || (unplug & XEN_UNPLUG_UNNECESSARY) != 0;
    }

    /** {@code xen_has_pv_nic_devices()}: may netfront bind? */
    public static boolean hasPvNicDevices(int unplug) {
        return (unplug & (XEN_UNPLUG_ALL_NICS | XEN_UNPLUG_ALL)) != 0 || hasPvDevices(unplug);
    }

    /** {@code xen_has_pv_disk_devices()}: may blkfront bind? */
    public static boolean hasPvDiskDevices(int unplug) {
        return (unplug & (XEN_UNPLUG_ALL_IDE_DISKS | XEN_UNPLUG_AUX_IDE_DISKS | XEN_UNPLUG_ALL)) != 0
                || hasPvDevices(unplug);
    }

    @Override
    public String toString() {
        return "UnplugRequest[0x" + Integer.toHexString(flags) + "]";
    }
}
