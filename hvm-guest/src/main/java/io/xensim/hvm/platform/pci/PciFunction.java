package io.xensim.hvm.platform.pci;

import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_BASE_ADDRESS_0;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_CLASS_DEVICE;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_CLASS_PROG;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_COMMAND;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_COMMAND_INTX_DISABLE;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_COMMAND_IO;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_COMMAND_MASTER;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_COMMAND_MEMORY;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_CONFIG_SPACE_SIZE;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_DEVICE_ID;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_HEADER_TYPE;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_HEADER_TYPE_MULTI_FUNCTION;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_INTERRUPT_LINE;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_INTERRUPT_PIN;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_NUM_BARS;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_REVISION_ID;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_SUBSYSTEM_ID;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_SUBSYSTEM_VENDOR_ID;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_VENDOR_ID;
import static io.xensim.hvm.platform.pci.PciConfigHeader.barOffset;

import io.xensim.hvm.platform.IoPortBus;
import io.xensim.hvm.platform.IoPortDevice;
import io.xensim.hvm.platform.IoRegion;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One emulated PCI function: its 256-byte configuration space, with QEMU's split into read-only bytes and the bits
 * the guest may write (QEMU's {@code wmask}: the command register's decode, bus-master and INTx-disable bits,
 * cache-line size, latency timer, interrupt line and each BAR's address bits), and the decoding of its I/O BARs onto
 * the guest's {@link IoPortBus} while {@code PCI_COMMAND_IO} is set.
 *
 * <p>A BAR is decoded where QEMU's {@code pci_bar_address} would map it: decode enabled, a non-zero address, and
 * the whole range inside the space (below 64 Ki for I/O, below 4 GiB for memory); a BAR the guest places over
 * another device's ports stays unmapped (logged) rather than failing the guest's write. Memory BARs record their
 * address only: no MMIO bus is modelled.
 *
 * <p><b>Threading:</b> confined to the guest vCPU's thread, like the {@link IoPortBus} it maps onto.
 *
 * <p><b>Reference:</b> QEMU {@code hw/pci/pci.c} ({@code pci_default_write_config}, {@code pci_update_mappings},
 * {@code pci_bar_address}).
 */
public final class PciFunction {
    private static final Logger log = LoggerFactory.getLogger(PciFunction.class);
    private static final int COMMAND_WRITABLE =
            PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE;

    private final PciDeviceConfig config;
    private final byte[] space = new byte[PCI_CONFIG_SPACE_SIZE];
    private final byte[] wmask = new byte[PCI_CONFIG_SPACE_SIZE];
    private final PciBar[] bars = new PciBar[PCI_NUM_BARS];
    private final IoPortDevice[] ioHandlers = new IoPortDevice[PCI_NUM_BARS];
    private final IoRegion[] mappedIo = new IoRegion[PCI_NUM_BARS];
    private final long[] memoryAddress = new long[PCI_NUM_BARS];
    private IoPortBus ioBus;

    /**
     * A function with {@code config}'s identity; {@code ioBarHandlers} gives the device model of each I/O BAR by
     * BAR index (every I/O BAR needs one).
     */
    public PciFunction(PciDeviceConfig config, Map<Integer, IoPortDevice> ioBarHandlers) {
        this.config = Objects.requireNonNull(config, "config");
        put16(PCI_VENDOR_ID, config.vendorId());
        put16(PCI_DEVICE_ID, config.deviceId());
        space[PCI_REVISION_ID] = (byte) config.revision();
        space[PCI_CLASS_PROG] = (byte) config.progIf();
        put16(PCI_CLASS_DEVICE, config.classDevice());
        put16(PCI_SUBSYSTEM_VENDOR_ID, config.subsystemVendorId());
        put16(PCI_SUBSYSTEM_ID, config.subsystemId());
        space[PCI_INTERRUPT_PIN] = (byte) config.interruptPin();
        wmask[PCI_COMMAND] = (byte) COMMAND_WRITABLE;
        wmask[PCI_COMMAND + 1] = (byte) (COMMAND_WRITABLE >>> 8);
        wmask[0x0c] = (byte) 0xff;   // cache line size
        wmask[0x0d] = (byte) 0xff;   // latency timer
        wmask[PCI_INTERRUPT_LINE] = (byte) 0xff;
        for (PciBar bar : config.bars()) {
            bars[bar.index()] = bar;
            int off = barOffset(bar.index());
            put32(off, bar.kind().flags());
            int writable = bar.addressMask() & (bar.kind().isIo() ? ~0x3 : ~0xf);
            for (int i = 0; i < 4; i++) {
                wmask[off + i] = (byte) (writable >>> (8 * i));
            }
            if (bar.kind().isIo()) {
                ioHandlers[bar.index()] = Objects.requireNonNull(ioBarHandlers.get(bar.index()),
                        () -> "ioBarHandlers: no handler for I/O BAR" + bar.index() + " of " + config.name());
            }
        }
        for (int index : ioBarHandlers.keySet()) {
            if (index < 0 || index >= PCI_NUM_BARS || bars[index] == null || !bars[index].kind().isIo()) {
                throw new IllegalArgumentException("ioBarHandlers: BAR" + index + " is not an I/O BAR of "
                        + config.name());
            }
        }
    }

    public PciDeviceConfig config() {
        return config;
    }

    /** A configuration read of {@code size} bytes at {@code offset}; bytes past the space read as 0xff. */
    public int readConfig(int offset, int size) {
        int value = 0;
        for (int i = 0; i < size; i++) {
            int at = offset + i;
            int b = at >= 0 && at < PCI_CONFIG_SPACE_SIZE ? space[at] & 0xff : 0xff;
            value |= b << (8 * i);
        }
        return value;
    }

    /** A configuration write: only the writable bits change; then the BAR mappings follow the new state. */
    public void writeConfig(int offset, int size, int value) {
        boolean remap = false;
        for (int i = 0; i < size; i++) {
            int at = offset + i;
            if (at < 0 || at >= PCI_CONFIG_SPACE_SIZE) {
                continue;
            }
            int m = wmask[at] & 0xff;
            int v = (value >>> (8 * i)) & 0xff;
            space[at] = (byte) ((space[at] & ~m) | (v & m));
            remap |= at == PCI_COMMAND || (at >= PCI_BASE_ADDRESS_0 && at < barOffset(PCI_NUM_BARS));
        }
        if (remap) {
            updateMappings();
        }
    }

    public int command() {
        return readConfig(PCI_COMMAND, 2);
    }

    public int interruptLine() {
        return space[PCI_INTERRUPT_LINE] & 0xff;
    }

    /** The BAR declared at {@code index}, if any. */
    public Optional<PciBar> bar(int index) {
        return index >= 0 && index < PCI_NUM_BARS ? Optional.ofNullable(bars[index]) : Optional.empty();
    }

    /** Where BAR {@code index} is decoded now (I/O port or memory address); empty while it is not decoded. */
    public OptionalLong decodedAddress(int index) {
        if (bar(index).isEmpty()) {
            return OptionalLong.empty();
        }
        if (bars[index].kind().isIo()) {
            return mappedIo[index] == null ? OptionalLong.empty() : OptionalLong.of(mappedIo[index].base());
        }
        return memoryAddress[index] == 0 ? OptionalLong.empty() : OptionalLong.of(memoryAddress[index]);
    }

    /** Plugged into a host bridge: its I/O BARs may now be decoded on {@code bus}. */
    void attach(IoPortBus bus) {
        if (ioBus != null) {
            throw new IllegalStateException("function: " + config.name() + " already plugged");
        }
        ioBus = bus;
        updateMappings();
    }

    /** Unplugged: every BAR stops decoding. */
    void detach() {
        for (int i = 0; i < PCI_NUM_BARS; i++) {
            unmapIo(i);
            memoryAddress[i] = 0;
        }
        ioBus = null;
    }

    /** The function's header type byte is set by the host when a slot holds several functions. */
    void markMultiFunction() {
        space[PCI_HEADER_TYPE] |= (byte) PCI_HEADER_TYPE_MULTI_FUNCTION;
    }

    // QEMU pci_update_mappings: recompute every BAR's address and move what changed.
    private void updateMappings() {
        int command = command();
        for (int i = 0; i < PCI_NUM_BARS; i++) {
            PciBar bar = bars[i];
            if (bar == null) {
                continue;
            }
            long address = barAddress(bar, command);
            if (bar.kind().isIo()) {
                mapIo(i, address);
            } else {
                memoryAddress[i] = ioBus == null ? 0 : address;
            }
        }
    }

    // QEMU pci_bar_address: 0 stands for PCI_BAR_UNMAPPED (no device decodes address 0 here).
    private long barAddress(PciBar bar, int command) {
        boolean enabled = (command & (bar.kind().isIo() ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY)) != 0;
        if (!enabled) {
            return 0;
        }
        long address = Integer.toUnsignedLong(readConfig(barOffset(bar.index()), 4)) & ~(bar.size() - 1)
                & (bar.kind().isIo() ? ~0x3L : ~0xfL);
        long last = address + bar.size() - 1;
        long limit = bar.kind().isIo() ? IoPortBus.PORT_COUNT : 0xffff_ffffL;
        if (address == 0 || last >= limit) {
            return 0;
        }
        return address;
    }

    private void mapIo(int index, long address) {
        IoRegion current = mappedIo[index];
        if (current != null && current.base() == address) {
            return;
        }
        unmapIo(index);
        if (address == 0 || ioBus == null) {
            return;
        }
        var region = new IoRegion(config.name() + " BAR" + index, (int) address, (int) bars[index].size(),
                ioHandlers[index]);
        mappedIo[index] = ioBus.tryRegister(region).orElse(null);
        if (mappedIo[index] == null) {
            log.warn("{} BAR{}: I/O 0x{} overlaps a claimed range; not decoded", config.name(), index,
                    Long.toHexString(address));
        }
    }

    private void unmapIo(int index) {
        if (mappedIo[index] != null) {
            ioBus.unregister(mappedIo[index]);
            mappedIo[index] = null;
        }
    }

    private void put16(int offset, int value) {
        space[offset] = (byte) value;
        space[offset + 1] = (byte) (value >>> 8);
    }

    private void put32(int offset, int value) {
        put16(offset, value);
        put16(offset + 2, value >>> 16);
    }

    @Override
    public String toString() {
        return "PciFunction[" + config.name() + String.format(" %04x:%04x]", config.vendorId(), config.deviceId());
    }
}
