package io.xensim.hvm.ide;

import io.xensim.hvm.platform.EmulatedDevices;
import io.xensim.hvm.platform.IoPortBus;
import io.xensim.hvm.platform.IoPortDevice;
import io.xensim.hvm.platform.pci.PciAddress;
import io.xensim.hvm.platform.pci.PciBar;
import io.xensim.hvm.platform.pci.PciDeviceConfig;
import io.xensim.hvm.platform.pci.PciFunction;
import io.xensim.hvm.platform.pci.PciHost;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The emulated IDE controller of an HVM guest (QEMU's PIIX3 IDE function): the primary channel at ports
 * 0x1f0-0x1f7 and 0x3f6 on IRQ 14, the secondary at 0x170-0x177 and 0x376 on IRQ 15, up to four drives by QEMU's
 * IDE index (0 hda primary master, 1 hdb primary slave, 2 hdc secondary master, 3 hdd secondary slave), and
 * optionally the PCI function 8086:7010 (class 0x0101, legacy-mode programming interface) at 00:01.1, with the
 * PIIX3 ISA bridge at 00:01.0 when that is free, so that a PCI scan finds it; its bus-master BAR4 is declared but
 * no DMA is modelled (the BAR reads all ones).
 *
 * <p>As the platform device's {@link EmulatedDevices} listener it takes hard disks away on the guest's unplug
 * request: {@link #unplugIdeDisks} every hard disk, {@link #unplugAuxIdeDisks} every one but the primary master;
 * CD-ROMs always stay. Each unplugged image is flushed first, then both channels are reset, as QEMU's
 * {@code pci_xen_ide_unplug} drains and flushes the drive, detaches it and resets the controller. The images
 * themselves stay open: they belong to whoever opened them (the toolstack, and later blkback).
 *
 * <p><b>Threading:</b> confined to the guest vCPU's thread, like the {@link IoPortBus} its channels sit on.
 *
 * <p><b>Reference:</b> QEMU {@code hw/ide/piix.c} ({@code piix3_ide_info}: 8086:7010, class IDE;
 * {@code pci_piix_init_ports}: the legacy ports and IRQs 14/15; {@code pci_piix3_xen_ide_unplug}) and
 * {@code hw/i386/xen/xen_platform.c} ({@code pci_unplug_disks}).
 */
public final class IdeController implements EmulatedDevices {
    private static final Logger log = LoggerFactory.getLogger(IdeController.class);

    public static final int PRIMARY_COMMAND_PORT = 0x1f0;
    public static final int PRIMARY_CONTROL_PORT = 0x3f6;
    public static final int PRIMARY_IRQ = 14;
    public static final int SECONDARY_COMMAND_PORT = 0x170;
    public static final int SECONDARY_CONTROL_PORT = 0x376;
    public static final int SECONDARY_IRQ = 15;
    /** Drive positions: two channels of two. */
    public static final int MAX_DRIVES = 4;
    /** Where QEMU's i440FX machine puts the PIIX3 IDE function. */
    public static final PciAddress DEFAULT_ADDRESS = PciAddress.of(1, 1);
    /** The PIIX3 IDE function's identity (QEMU {@code piix3_ide_info}); BAR4 is the bus-master block. */
    public static final PciDeviceConfig PIIX3_IDE = new PciDeviceConfig("piix3-ide", 0x8086, 0x7010, 0x0101, 0x80,
            0x00, 0x1af4, 0x1100, 0, List.of(PciBar.io(4, 16)));

    /**
     * The PIIX3 PCI-to-ISA bridge, function 0 of the chipset's slot (QEMU {@code piix3_info}: 8086:7000, class
     * 0x0601), plugged beside the IDE function when the slot's function 0 is free: a guest's scan reads function 1
     * only of a multi-function device with a function 0.
     */
    public static final PciDeviceConfig PIIX3_ISA = new PciDeviceConfig("piix3-isa", 0x8086, 0x7000, 0x0601, 0x00,
            0x00, 0x1af4, 0x1100, 0, List.of());

    private final IoPortBus ioBus;
    private final IdeChannel[] channels = {new IdeChannel("ide0", PRIMARY_IRQ), new IdeChannel("ide1", SECONDARY_IRQ)};
    private PciFunction function;

    private IdeController(IoPortBus ioBus) {
        this.ioBus = ioBus;
    }

    /** A controller on the legacy ports of {@code ioBus} with {@code drives} by IDE index (0..3). */
    public static IdeController install(IoPortBus ioBus, Map<Integer, IdeDrive> drives) {
        Objects.requireNonNull(ioBus, "ioBus");
        var controller = new IdeController(ioBus);
        drives.forEach((index, drive) -> {
            checkIndex(index);
            controller.channels[index / 2].attach(index % 2, Objects.requireNonNull(drive, "drive"));
        });
        controller.register("ide0", PRIMARY_COMMAND_PORT, PRIMARY_CONTROL_PORT, controller.channels[0]);
        controller.register("ide1", SECONDARY_COMMAND_PORT, SECONDARY_CONTROL_PORT, controller.channels[1]);
        return controller;
    }

    /** {@link #install} plus the PIIX3 IDE function plugged at {@code address} of {@code host}. */
    public static IdeController installOnPci(PciHost host, PciAddress address, Map<Integer, IdeDrive> drives) {
        var controller = install(host.ioBus(), drives);
        IoPortDevice noBusMaster = new IoPortDevice() {
            @Override
            public int in(int offset, int size) {
                return IoPortBus.mask(size);
            }

            @Override
            public void out(int offset, int size, int value) {
            }
        };
        controller.function = new PciFunction(PIIX3_IDE, Map.of(4, noBusMaster));
        host.plug(address, controller.function);
        PciAddress functionZero = PciAddress.of(address.device(), 0);
        if (address.function() != 0 && host.function(functionZero).isEmpty()) {
            host.plug(functionZero, new PciFunction(PIIX3_ISA, Map.of()));
        }
        return controller;
    }

    /** The QEMU IDE index of an {@code hd[a-d]} name (hda 0 .. hdd 3). */
    public static int index(String vdev) {
        if (vdev == null || vdev.length() != 3 || !vdev.startsWith("hd") || vdev.charAt(2) < 'a'
                || vdev.charAt(2) > 'd') {
            throw new IllegalArgumentException("vdev: " + vdev + " (expected: hda, hdb, hdc or hdd)");
        }
        return vdev.charAt(2) - 'a';
    }

    public IoPortBus ioBus() {
        return ioBus;
    }

    /** The PIIX3 function, when installed on PCI. */
    public Optional<PciFunction> pciFunction() {
        return Optional.ofNullable(function);
    }

    /** Channel 0 (primary) or 1 (secondary). */
    public IdeChannel channel(int channel) {
        if (channel != 0 && channel != 1) {
            throw new IllegalArgumentException("channel: " + channel + " (expected: 0 or 1)");
        }
        return channels[channel];
    }

    /** The drive at IDE index {@code index} (0..3), if present. */
    public Optional<IdeDrive> drive(int index) {
        checkIndex(index);
        return channels[index / 2].drive(index % 2);
    }

    /** Interrupts injected by both channels. */
    public long injections() {
        return channels[0].irq().injections() + channels[1].irq().injections();
    }

    @Override
    public void unplugNics() {
    }

    @Override
    public void unplugIdeDisks() {
        unplugDisksFrom(0);
    }

    @Override
    public void unplugAuxIdeDisks() {
        unplugDisksFrom(1);
    }

    @Override
    public void unplugNvme() {
    }

    // QEMU pci_piix3_xen_ide_unplug: hard disks from the first index on are flushed and detached; then a reset.
    private void unplugDisksFrom(int first) {
        for (int index = first; index < MAX_DRIVES; index++) {
            Optional<IdeDrive> drive = drive(index);
            if (drive.isEmpty() || !drive.get().isDisk()) {
                continue;
            }
            try {
                if (drive.get().image().writable()) {
                    drive.get().image().flush();
                }
            } catch (IOException e) {
                log.warn("unplug of IDE disk {}: flush of {} failed: {}", index, drive.get().image().name(),
                        e.toString());
            }
            channels[index / 2].detach(index % 2);
            log.info("unplugged IDE disk {} ({})", index, drive.get().image().name());
        }
        channels[0].reset();
        channels[1].reset();
    }

    private void register(String name, int commandBase, int controlPort, IdeChannel channel) {
        ioBus.register(name, commandBase, Ata.COMMAND_BLOCK_LENGTH, channel.commandBlock());
        ioBus.register(name + "-ctl", controlPort, 1, channel.controlBlock());
    }

    private static void checkIndex(int index) {
        if (index < 0 || index >= MAX_DRIVES) {
            throw new IllegalArgumentException("index: " + index + " (expected: 0..3)");
        }
    }
}
