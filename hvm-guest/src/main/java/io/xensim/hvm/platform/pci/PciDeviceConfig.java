package io.xensim.hvm.platform.pci;

import java.util.HashSet;
import java.util.List;

/**
 * The identity and resources of an emulated PCI function, as a QEMU device class sets them ({@code vendor_id},
 * {@code device_id}, {@code class_id}, {@code revision}, {@code subsystem_vendor_id}, {@code subsystem_id}, the
 * interrupt pin, its BARs). {@code classDevice} is the 16-bit class/subclass word at {@code PCI_CLASS_DEVICE}
 * (0xff80 for the Xen platform device, 0x0200 for an Ethernet controller), {@code progIf} the byte before it.
 *
 * <p><b>Threading:</b> immutable.
 */
public record PciDeviceConfig(String name, int vendorId, int deviceId, int classDevice, int progIf, int revision,
        int subsystemVendorId, int subsystemId, int interruptPin, List<PciBar> bars) {
    public PciDeviceConfig {
        check("vendorId", vendorId, 0xffff);
        check("deviceId", deviceId, 0xffff);
        check("classDevice", classDevice, 0xffff);
        check("progIf", progIf, 0xff);
        check("revision", revision, 0xff);
        check("subsystemVendorId", subsystemVendorId, 0xffff);
        check("subsystemId", subsystemId, 0xffff);
        check("interruptPin", interruptPin, 4);
        if (vendorId == PciConfigHeader.PCI_VENDOR_ID_NONE) {
            throw new IllegalArgumentException("vendorId: 0xffff (expected: a vendor; 0xffff means no device)");
        }
        bars = List.copyOf(bars);
        var indices = new HashSet<Integer>();
        for (PciBar bar : bars) {
            if (!indices.add(bar.index())) {
                throw new IllegalArgumentException("bars: BAR" + bar.index() + " twice");
            }
        }
    }

    private static void check(String field, int value, int max) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException(field + ": " + value + " (expected: 0..0x" + Integer.toHexString(max)
                    + ")");
        }
    }
}
