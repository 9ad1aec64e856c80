package io.xensim.hvm.platform;

import io.xensim.hvm.platform.pci.PciAddress;
import io.xensim.hvm.platform.pci.PciBar;
import io.xensim.hvm.platform.pci.PciConfigHeader;
import io.xensim.hvm.platform.pci.PciDeviceConfig;
import io.xensim.hvm.platform.pci.PciFunction;
import io.xensim.hvm.platform.pci.PciHost;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Xen platform PCI device as QEMU emulates it for an HVM guest ({@code xen-platform}): a PCI function
 * (vendor 0x5853 XenSource, device 0x0001, class 0xff80, revision 1, INTA, BAR0 0x100 I/O ports, BAR1 16 MiB
 * prefetchable memory for the guest to map its grant table and shared pages into), and, while it exists, the
 * fixed I/O ports 0x10..0x1f of the emulated-device unplug protocol. Without it (xl's {@code xen_platform_pci=0})
 * those ports are unclaimed, the magic reads as 0xffff and the guest loads no PV driver.
 *
 * <p>The fixed ports, by access size ({@code platform_fixed_ioport_read/write}):
 * <ul>
 * <li>0x10, 2-byte read: the magic 0x49d2, or 0xd249 once the guest's drivers are blacklisted; 1-byte read or
 * write: the platform flags (bit 0, the ROM lock); 2-byte write: the unplug mask ({@link UnplugMask}); 4-byte write:
 * the driver build number (checked against the {@link DriverBlacklist});</li>
 * <li>0x12, 1-byte read: protocol version 1; 1-byte write: a log byte, a line emitted at each newline (or when the
 * 4 KiB buffer fills); 2-byte write: the driver product number;</li>
 * <li>anything else reads all ones by size and is ignored.</li>
 * </ul>
 * BAR0 is byte-wide: offset 0 the platform flags, a write of 1 at offset 4 the old SUSE unplug (disks and NICs),
 * at offset 8 1 (disks) or 2 (NICs) Novell VMDP's, any other byte there a log byte; other offsets read 0xff. BAR1 is
 * not decoded (no MMIO bus is modelled).
 *
 * <p><b>Threading:</b> confined to the guest vCPU's thread, like the {@link IoPortBus}; the listeners it calls
 * ({@link EmulatedDevices}, the blacklist) run there.
 *
 * <p><b>Reference:</b> QEMU {@code hw/i386/xen/xen_platform.c} ({@code xen_platform_realize},
 * {@code platform_fixed_ioport_*}, {@code xen_platform_ioport_*}, {@code log_writeb}), qemu-xen-traditional's
 * {@code platform_fixed_ioport_writel} for the blacklist, docs/misc/hvm-emulated-unplug.
 */
public final class XenPlatformDevice {
    private static final Logger log = LoggerFactory.getLogger(XenPlatformDevice.class);

    public static final int PCI_VENDOR_ID_XEN = 0x5853;
    public static final int PCI_DEVICE_ID_XEN_PLATFORM = 0x0001;
    /** The first fixed port ({@code XEN_PLATFORM_IOPORT}); the fixed region is 16 ports. */
    public static final int XEN_PLATFORM_IOPORT = 0x10;
    public static final int XEN_PLATFORM_IOPORT_LENGTH = 16;
    public static final int MAGIC = 0x49d2;
    /** The magic a blacklisted guest reads. */
    public static final int MAGIC_BLACKLISTED = 0xd249;
    public static final int PROTOCOL_VERSION = 1;
    /** {@code PFFLAG_ROM_LOCK}. */
    public static final int PFFLAG_ROM_LOCK = 1;
    public static final int BAR0_IO_SIZE = 0x100;
    public static final int BAR1_MMIO_SIZE = 0x100_0000;
    /** Where an xl-built guest has it: 00:03.0, after the host bridge, PIIX3 and the Cirrus VGA. */
    public static final PciAddress DEFAULT_ADDRESS = PciAddress.of(3, 0);
    /** QEMU's {@code log_buffer}: a line longer than this minus one byte is flushed early. */
    public static final int LOG_BUFFER_SIZE = 4096;

    /** The PCI identity QEMU's class init gives the device. */
    public static final PciDeviceConfig PCI_CONFIG = new PciDeviceConfig("xen-platform", PCI_VENDOR_ID_XEN,
            PCI_DEVICE_ID_XEN_PLATFORM, PciConfigHeader.PCI_CLASS_OTHERS_80, 0, 1, PCI_VENDOR_ID_XEN,
            PCI_DEVICE_ID_XEN_PLATFORM, 1,
            List.of(PciBar.io(0, BAR0_IO_SIZE), PciBar.memory(1, BAR1_MMIO_SIZE, true)));

    private final PciHost host;
    private final EmulatedDevices devices;
    private final DriverBlacklist blacklist;
    private final PciFunction function;
    private IoRegion fixedPorts;

    private int flags;
    private int driverProductVersion;
    private long driverBuild = -1;
    private boolean driversBlacklisted;
    private final ByteArrayOutputStream logBuffer = new ByteArrayOutputStream();
    private final List<String> guestLog = new ArrayList<>();
    private final List<String> deviceModelLog = new ArrayList<>();
    private final List<Integer> unplugRequests = new ArrayList<>();

    private XenPlatformDevice(PciHost host, EmulatedDevices devices, DriverBlacklist blacklist) {
        this.host = host;
        this.devices = devices;
        this.blacklist = blacklist;
        this.function = new PciFunction(PCI_CONFIG, Map.of(0, new Bar0()));
        // xen_platform_realize: I/O and memory decoding on from the start
        function.writeConfig(PciConfigHeader.PCI_COMMAND, 2,
                PciConfigHeader.PCI_COMMAND_IO | PciConfigHeader.PCI_COMMAND_MEMORY);
    }

    /**
     * Realizes the device at {@code address} on {@code host}'s bus and claims the fixed ports: what QEMU does when
     * xl passes {@code -device xen-platform} ({@code xen_platform_pci=1}, the default).
     */
    public static XenPlatformDevice install(PciHost host, PciAddress address, EmulatedDevices devices,
            DriverBlacklist blacklist) {
        Objects.requireNonNull(host, "host");
        var device = new XenPlatformDevice(host, Objects.requireNonNull(devices, "devices"),
                Objects.requireNonNull(blacklist, "blacklist"));
        host.plug(address, device.function);
        device.fixedPorts = host.ioBus().register("xen-fixed", XEN_PLATFORM_IOPORT, XEN_PLATFORM_IOPORT_LENGTH,
                device.new FixedPorts());
        return device;
    }

    /** {@link #install} at {@link #DEFAULT_ADDRESS} with the blacklist off (qemu-xen). */
    public static XenPlatformDevice install(PciHost host, EmulatedDevices devices) {
        return install(host, DEFAULT_ADDRESS, devices, DriverBlacklist.OFF);
    }

    /** The device goes away: its function leaves the bus and the fixed ports are released. */
    public void remove() {
        host.unplug(function);
        if (fixedPorts != null) {
            host.ioBus().unregister(fixedPorts);
            fixedPorts = null;
        }
    }

    public PciFunction pciFunction() {
        return function;
    }

    /** {@code platform_reset}: the flags return to 0 (ROM writable). */
    public void reset() {
        flags = 0;
    }

    public int platformFlags() {
        return flags;
    }

    /** The product number the guest wrote last (0 if none). */
    public int driverProductVersion() {
        return driverProductVersion;
    }

    /** The build number the guest wrote last (-1 if none). */
    public long driverBuild() {
        return driverBuild;
    }

    public boolean driversBlacklisted() {
        return driversBlacklisted;
    }

    /** Every unplug mask the guest wrote, in order. */
    public List<Integer> unplugRequests() {
        return List.copyOf(unplugRequests);
    }

    /** The complete lines the guest logged through the log port (QEMU's {@code xen_platform_log} trace). */
    public List<String> guestLog() {
        return List.copyOf(guestLog);
    }

    /** What the device model noted about the guest's protocol steps (product, build, unplugs, blacklist). */
    public List<String> deviceModelLog() {
        return List.copyOf(deviceModelLog);
    }

    // log_writeb: a newline, or a full buffer, flushes the line; the byte that triggered the flush is not kept.
    private void logByte(int value) {
        if (value == '\n' || logBuffer.size() == LOG_BUFFER_SIZE - 1) {
            String line = logBuffer.toString(StandardCharsets.ISO_8859_1);
            logBuffer.reset();
            guestLog.add(line);
            log.info("xen_platform_log: {}", line);
        } else {
            logBuffer.write(value);
        }
    }

    private void note(String message) {
        deviceModelLog.add(message);
        log.debug("xen-platform: {}", message);
    }

    private void unplug(int mask) {
        unplugRequests.add(mask);
        note(String.format("unplug request 0x%04x", mask));
        UnplugMask.apply(mask, devices);
    }

    private void setProduct(int product) {
        driverProductVersion = product;
        note("PV driver product " + product + " (" + PvDriverProducts.name(product).orElse("unknown") + ")");
    }

    // qemu-xen ignores the build number; qemu-xen-traditional checks it against the blacklist.
    private void setBuild(long build) {
        driverBuild = build;
        if (driverProductVersion == 0) {
            note("PV driver build " + build + " written before a product number");
            return;
        }
        note("PV driver build " + build);
        var name = PvDriverProducts.name(driverProductVersion);
        if (name.isPresent() && blacklist.isBlacklisted(name.get(), build)) {
            driversBlacklisted = true;
            note("drivers blacklisted: " + DriverBlacklist.path(name.get(), build) + " exists");
        }
    }

    /** The 16 fixed ports from 0x10. */
    private final class FixedPorts implements IoPortDevice {
        @Override
        public int in(int offset, int size) {
            return switch (size) {
                case 1 -> switch (offset) {
                    case 0 -> flags;
                    case 2 -> PROTOCOL_VERSION;
                    default -> 0xff;
                };
                case 2 -> offset == 0 ? (driversBlacklisted ? MAGIC_BLACKLISTED : MAGIC) : 0xffff;
                default -> 0xffffffff;
            };
        }

        @Override
        public void out(int offset, int size, int value) {
            switch (size) {
                case 1 -> {
                    if (offset == 0) {
                        flags = value & PFFLAG_ROM_LOCK;
                    } else if (offset == 2) {
                        logByte(value);
                    }
                }
                case 2 -> {
                    if (offset == 0) {
                        unplug(value);
                    } else if (offset == 2) {
                        setProduct(value);
                    }
                }
                case 4 -> {
                    if (offset == 0) {
                        setBuild(Integer.toUnsignedLong(value));
                    }
                }
                default -> throw new AssertionError("size " + size + ": the bus passes only 1, 2 or 4");
            }
        }
    }

    /** BAR0: byte-wide registers (QEMU's {@code xen_pci_io_ops}, 1-byte impl: wider accesses split into bytes). */
    private final class Bar0 implements IoPortDevice {
        @Override
        public int in(int offset, int size) {
            int value = 0;
            for (int i = 0; i < size; i++) {
                value |= (offset + i == 0 ? flags : 0xff) << (8 * i);
            }
            return value;
        }

        @Override
        public void out(int offset, int size, int value) {
            for (int i = 0; i < size; i++) {
                writeByte(offset + i, (value >>> (8 * i)) & 0xff);
            }
        }

        private void writeByte(int offset, int value) {
            switch (offset) {
                case 0 -> flags = value & PFFLAG_ROM_LOCK;
                case 4 -> {
                    if (value == 1) {   // old SUSE PVonHVM: everything
                        note("BAR0 SUSE unplug");
                        UnplugMask.apply(UnplugMask.UNPLUG_IDE_SCSI_DISKS | UnplugMask.UNPLUG_ALL_NICS, devices);
                    }
                }
                case 8 -> {
                    switch (value) {   // old Novell VMDP: storage or network alone; anything else is a log byte
                        case 1 -> UnplugMask.apply(UnplugMask.UNPLUG_IDE_SCSI_DISKS, devices);
                        case 2 -> UnplugMask.apply(UnplugMask.UNPLUG_ALL_NICS, devices);
                        default -> logByte(value);
                    }
                }
                default -> {
                }
            }
        }
    }
}
