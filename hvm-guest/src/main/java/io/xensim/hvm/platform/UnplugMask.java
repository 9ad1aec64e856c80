package io.xensim.hvm.platform;

/**
 * The bits of the 2-byte unplug mask a guest writes to port 0x10, as the device model decodes them (QEMU's names;
 * Linux's {@code XEN_UNPLUG_*} numbers are the same bits), and the decoding itself.
 * <ul>
 * <li>bit 0 ({@code UNPLUG_IDE_SCSI_DISKS}, Linux {@code XEN_UNPLUG_ALL_IDE_DISKS}): all IDE and SCSI hard disks,
 * not CD-ROMs;</li>
 * <li>bit 1 ({@code UNPLUG_ALL_NICS}): all emulated NICs;</li>
 * <li>bit 2 ({@code UNPLUG_AUX_IDE_DISKS}): IDE disks except the primary master, overridden by bit 0;</li>
 * <li>bit 3 ({@code UNPLUG_NVME_DISKS}): all NVMe disks.</li>
 * </ul>
 * As in QEMU, any disk bit makes the device model walk its disk controllers, and IDE disks go unless the request
 * is aux-only: so a mask of bit 3 alone removes the IDE and SCSI disks as well as NVMe
 * ({@code pci_unplug_disks}, where {@code aux} is bit 2 without bit 0).
 *
 * <p><b>Threading:</b> stateless.
 *
 * <p><b>Reference:</b> QEMU {@code hw/i386/xen/xen_platform.c} ({@code platform_fixed_ioport_writew},
 * {@code unplug_disks}); docs/misc/hvm-emulated-unplug.
 */
public final class UnplugMask {
    public static final int UNPLUG_IDE_SCSI_DISKS = 1 << 0;
    public static final int UNPLUG_ALL_NICS = 1 << 1;
    public static final int UNPLUG_AUX_IDE_DISKS = 1 << 2;
    public static final int UNPLUG_NVME_DISKS = 1 << 3;

    private UnplugMask() {
    }

    /** Tells {@code devices} what {@code mask} removes: disks first, then NICs, as QEMU does. */
    public static void apply(int mask, EmulatedDevices devices) {
        if ((mask & (UNPLUG_IDE_SCSI_DISKS | UNPLUG_AUX_IDE_DISKS | UNPLUG_NVME_DISKS)) != 0) {
            boolean aux = (mask & UNPLUG_AUX_IDE_DISKS) != 0 && (mask & UNPLUG_IDE_SCSI_DISKS) == 0;
            if (aux) {
                devices.unplugAuxIdeDisks();
            } else {
                devices.unplugIdeDisks();
            }
            if ((mask & UNPLUG_NVME_DISKS) != 0) {
                devices.unplugNvme();
            }
        }
        if ((mask & UNPLUG_ALL_NICS) != 0) {
            devices.unplugNics();
        }
    }
}
