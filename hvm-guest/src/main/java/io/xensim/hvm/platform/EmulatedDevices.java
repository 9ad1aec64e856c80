package io.xensim.hvm.platform;

import java.util.List;

/**
 * The emulated devices the Xen platform device can take away when the guest asks (the device model's view of its
 * own machine). The emulated NIC and IDE models implement this; each call removes the devices it names from the
 * guest's buses, as QEMU's {@code object_unparent} of the PCI device (NICs, with their tap peers) or detaching the
 * IDE drives does. A call for devices that do not exist, or are already gone, does nothing.
 *
 * <p><b>Threading:</b> called on the thread of the guest vCPU whose port write asked for the unplug.
 *
 * <p><b>Reference:</b> QEMU {@code hw/i386/xen/xen_platform.c} ({@code pci_unplug_nics}, {@code pci_unplug_disks},
 * {@code pci_xen_ide_unplug}) and docs/misc/hvm-emulated-unplug.
 */
public interface EmulatedDevices {
    /** Every emulated NIC (not passed-through ones) and the tap behind it. */
    void unplugNics();

    /** Every emulated IDE and SCSI hard disk; CD-ROM drives stay. */
    void unplugIdeDisks();

    /** Every IDE hard disk except the primary master; CD-ROM drives stay. */
    void unplugAuxIdeDisks();

    /** Every emulated NVMe controller. */
    void unplugNvme();

    /**
     * Every one of {@code parts}, told in the order given (the machine's NICs and its IDE controller are separate
     * models; the platform device takes one listener).
     */
    static EmulatedDevices of(EmulatedDevices... parts) {
        List<EmulatedDevices> all = List.of(parts);
        return new EmulatedDevices() {
            @Override
            public void unplugNics() {
                all.forEach(EmulatedDevices::unplugNics);
            }

            @Override
            public void unplugIdeDisks() {
                all.forEach(EmulatedDevices::unplugIdeDisks);
            }

            @Override
            public void unplugAuxIdeDisks() {
                all.forEach(EmulatedDevices::unplugAuxIdeDisks);
            }

            @Override
            public void unplugNvme() {
                all.forEach(EmulatedDevices::unplugNvme);
            }
        };
    }

    /** A machine with nothing to unplug. */
    EmulatedDevices NONE = new EmulatedDevices() {
        @Override
        public void unplugNics() {
        }

        @Override
        public void unplugIdeDisks() {
        }

        @Override
        public void unplugAuxIdeDisks() {
        }

        @Override
        public void unplugNvme() {
        }
    };
}
